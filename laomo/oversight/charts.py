"""What each chart of the dashboards shows, as plain data for `laomo/static/laomo/charts.js`.

A chart is a dict put in the page with `json_script`: categories, and series whose points each
carry their value and the URL of the list that shows what they count — the same URLs as the
figures in the tables, so a bar opens exactly the rows it stands for.
"""

from __future__ import annotations

from laomo.oversight import figures

COLORS = {
    "accepted": "#2e7d32",
    "awaiting": "#f0a202",
    "planned": "#8fa9c4",
    "minimum": "#b3261e",
    "reached": "#2e7d32",
    "uncovered": "#c9cfd6",
    "goal": "#b3261e",
    "load": "#b3261e",
}
MONTHS = [f"{month}月" for month in range(1, 13)]
# A bar per row reads up to a few dozen rows; the country's 330 cities are for the table.
MAX_ROWS = 40


def _points(values, urls=None) -> list[dict]:
    urls = urls or [""] * len(values)
    return [{"value": value, "url": url} for value, url in zip(values, urls, strict=True)]


def _stage_series(rows) -> list[dict]:
    return [
        {
            "name": figures.STAGE_LABELS[stage],
            "kind": "bar",
            "color": COLORS[stage],
            "data": _points(
                [getattr(row.counts, stage) for row in rows], [row.urls[stage] for row in rows]
            ),
        }
        for stage in figures.STAGES
    ]


def quota_chart(rows: list[figures.QuotaRow]) -> dict | None:
    """Each quota's talks by stage, stacked, against its minimum (a marker)."""
    if not rows or len(rows) > MAX_ROWS:
        return None
    return {
        "horizontal": True,
        "stack": True,
        "unit": "场",
        "categories": [row.label for row in rows],
        "series": [
            *_stage_series(rows),
            {
                "name": "全年指标",
                "kind": "marker",
                "color": COLORS["minimum"],
                "data": _points([row.minimum for row in rows]),
            },
        ],
    }


def months_chart(year: int, months: dict[str, list[int]]) -> dict:
    return {
        "horizontal": False,
        "stack": True,
        "unit": "场",
        "categories": MONTHS,
        "short": [str(month) for month in range(1, 13)],  # on a phone: 1 … 12 under "月"
        "shortName": "月",
        "series": [
            {
                "name": figures.STAGE_LABELS[stage],
                "kind": "bar",
                "color": COLORS[stage],
                "data": _points(months[stage], figures.month_urls(year, stage)),
            }
            for stage in figures.STAGES
        ],
    }


def coverage_years_chart(coverage: figures.Coverage) -> dict:
    """Schools reached by the end of each year, and where an even march to the five-year goal
    would stand then."""
    total = coverage.total
    goal = [
        round(total.schools * coverage.goal_by(coverage.year_end(year)), 1)
        for year in coverage.years
    ]
    return {
        "horizontal": False,
        "stack": False,
        "unit": "所",
        "categories": [f"{year}年" for year in coverage.years],
        "series": [
            {
                "name": "已覆盖学校（年末累计）",
                "kind": "bar",
                "color": COLORS["reached"],
                "data": _points(total.yearly, total.yearly_urls),
            },
            {
                "name": "五年全覆盖目标进度",
                "kind": "line",
                "color": COLORS["goal"],
                "data": _points(goal),
            },
        ],
    }


def coverage_regions_chart(coverage: figures.Coverage, *, wide: bool = False) -> dict | None:
    """Reached and not yet reached schools by county (by city for a province); a county, which
    is one row, sees its stages instead."""
    if len(coverage.by_region) > 1:
        rows, title = coverage.by_region, "各市覆盖情况" if wide else "各县（区）覆盖情况"
    else:
        rows, title = coverage.by_stage, "各学段覆盖情况"
    if not rows or len(rows) > MAX_ROWS:
        return None
    return {
        "title": title,
        "horizontal": True,
        "stack": True,
        "unit": "所",
        "categories": [row.label for row in rows],
        "series": [
            {
                "name": "已覆盖",
                "kind": "bar",
                "color": COLORS["reached"],
                "data": _points([row.reached for row in rows], [row.reached_url for row in rows]),
            },
            {
                "name": "尚未覆盖",
                "kind": "bar",
                "color": COLORS["uncovered"],
                "data": _points(
                    [row.uncovered for row in rows], [row.uncovered_url for row in rows]
                ),
            },
        ],
    }


def lecturers_chart(lecturers: figures.Lecturers) -> dict:
    rows = lecturers.busiest
    return {
        "horizontal": True,
        "stack": False,
        "unit": "场",
        "categories": [row.name for row in rows],
        "limit": {"value": lecturers.limit, "label": f"年度上限{lecturers.limit}场"},
        "series": [
            {
                "name": "已确认场次",
                "kind": "bar",
                "color": COLORS["load"],
                "data": _points([row.talks for row in rows], [row.url for row in rows]),
            }
        ],
    }


def own_years_chart(by_year: dict[int, int], urls: dict[int, str]) -> dict:
    years = list(by_year)
    return {
        "horizontal": False,
        "stack": False,
        "unit": "场",
        "categories": [f"{year}年" for year in years],
        "series": [
            {
                "name": "已验收宣讲",
                "kind": "bar",
                "color": COLORS["accepted"],
                "data": _points([by_year[year] for year in years], [urls[y] for y in years]),
            }
        ],
    }
