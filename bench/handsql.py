"""The dashboard's figures written by hand in SQL, for SQLite and PostgreSQL, and the figures of
`laomo.oversight.figures` reduced to the same plain numbers, so that the two can be required
equal before either is timed.

The hand-written versions are what a careful person would write against these tables knowing
the rules of `laomo/oversight/figures.py` (its module docstring): the caller's scope as a region
path prefix, archived rows left out, the year by the local date `starts_on`. They return numbers
only: no URLs, no labels.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.conf import settings

STAGE_OF = {
    "accepted": "accepted",
    "held": "awaiting",
    "reported": "awaiting",
    "returned": "awaiting",
    "planned": "planned",
    "confirmed": "planned",
}
STAGES = ("accepted", "awaiting", "planned")


@dataclass(frozen=True)
class Where:
    """The caller: a region (id, path, level) and whether the role is a county's."""

    region_id: int
    path: str
    level: str
    county_role: bool


def _rows(cursor, sql: str, params) -> list[tuple]:
    cursor.execute(sql, params)
    return cursor.fetchall()


def _in_scope(column: str) -> str:
    return f"{column} IN (SELECT id FROM regions_region WHERE path LIKE %s)"


# Quotas -----------------------------------------------------------------------------------------


def quota_sql(cursor, where: Where, year: int) -> list:
    since, until = date(year, 1, 1), date(year, 12, 31)
    grouped = _rows(
        cursor,
        "SELECT organiser_region_id, level, status, COUNT(*) FROM outreach_talk "
        f"WHERE {_in_scope('organiser_region_id')} AND archived_at IS NULL "
        "AND starts_on >= %s AND starts_on <= %s AND status <> 'cancelled' "
        "GROUP BY organiser_region_id, level, status",
        [where.path + "%", since, until],
    )
    quota: dict[int, dict] = defaultdict(lambda: dict.fromkeys(STAGES, 0))
    invited: dict[int, dict] = defaultdict(lambda: dict.fromkeys(STAGES, 0))
    for organiser, level, status, n in grouped:
        (invited if level == "school" else quota)[organiser][STAGE_OF[status]] += n

    if where.level in ("county", "zone"):
        cities = _rows(
            cursor,
            "SELECT id FROM regions_region WHERE id = "
            "(SELECT parent_id FROM regions_region WHERE id = %s)",
            [where.region_id],
        )
    elif where.level == "city":
        cities = [(where.region_id,)]
    else:
        cities = _rows(
            cursor,
            "SELECT id FROM regions_region WHERE path LIKE %s AND level = 'city' ORDER BY code",
            [where.path + "%"],
        )
    city_ids = [row[0] for row in cities]
    marks = ", ".join(["%s"] * len(city_ids)) or "NULL"
    counties = _rows(
        cursor,
        f"SELECT id, parent_id, level FROM regions_region WHERE parent_id IN ({marks}) "
        "AND level IN ('county', 'zone') ORDER BY code",
        city_ids,
    )
    configured = {
        row[0]: row[1:]
        for row in _rows(
            cursor,
            "SELECT city_id, quota_total, quota_city, quota_county, quota_zone "
            f"FROM outreach_programmeyear WHERE year = %s AND city_id IN ({marks})",
            [year, *city_ids],
        )
    }
    defaults = settings.LAOMO_DEFAULT_QUOTAS
    default = (
        defaults["quota_total"],
        defaults["quota_city"],
        defaults["quota_county"],
        defaults["quota_zone"],
    )
    by_city = defaultdict(list)
    for county_id, parent_id, level in counties:
        by_city[parent_id].append((county_id, level))
    tables = []
    for city_id in city_ids:
        q_total, q_city, q_county, q_zone = configured.get(city_id, default)
        rows = [(city_id, "city", q_city, _triple(quota.get(city_id)), (0, 0, 0))]
        for county_id, level in by_city[city_id]:
            rows.append(
                (
                    county_id,
                    "county",
                    q_zone if level == "zone" else q_county,
                    _triple(quota.get(county_id)),
                    _triple(invited.get(county_id)),
                )
            )
        total = tuple(sum(row[3][i] for row in rows) for i in range(3))
        invited_total = tuple(sum(row[4][i] for row in rows) for i in range(3))
        if where.county_role:
            rows = [row for row in rows if row[0] == where.region_id]
        tables.append((city_id, q_total, total, invited_total, rows))
    return tables


def _triple(counts) -> tuple[int, int, int]:
    counts = counts or {}
    return tuple(counts.get(stage, 0) for stage in STAGES)


def quota_figures(tables) -> list:
    def counts(c):
        return (c.accepted, c.awaiting, c.planned)

    return [
        (
            table.city.pk,
            table.total.minimum,
            counts(table.total.counts),
            counts(table.total.invited),
            [
                (row.region.pk, row.level, row.minimum, counts(row.counts), counts(row.invited))
                for row in table.rows
            ],
        )
        for table in tables
    ]


# Coverage ---------------------------------------------------------------------------------------


def _years(as_of: date) -> list[int]:
    from laomo.schools.services import programme_start

    start = programme_start()
    return list(range(start.year, max(as_of.year, start.year) + 1))


def coverage_sql(cursor, where: Where, as_of: date, vendor: str) -> dict:
    """One pass over the schools in scope: PostgreSQL with GROUPING SETS, SQLite grouped by
    (region, stage, ownership) and folded here."""
    years = _years(as_of)
    ends = [min(date(year, 12, 31), as_of) for year in years]
    marks = [as_of, *ends]
    row_regions = _coverage_row_regions(cursor, where)
    by_path = {path: pk for pk, path in row_regions}
    own = where.region_id if where.region_id not in {pk for pk, _p in row_regions} else None

    def target(path: str):
        parts = [part for part in path.split("/") if part]
        for n in range(len(parts), 0, -1):
            prefix = "/" + "/".join(parts[:n]) + "/"
            if prefix in by_path:
                return by_path[prefix]
        return own

    columns = ", ".join(
        ["COUNT(*)"] + ["SUM(CASE WHEN s.reached_on <= %s THEN 1 ELSE 0 END)" for _ in marks]
    )
    base = (
        "FROM schools_school s JOIN regions_region r ON r.id = s.region_id "
        "WHERE r.path LIKE %s AND s.archived_at IS NULL"
    )
    sums: dict[tuple, list[int]] = {}

    def add(key, values):
        into = sums.setdefault(key, [0] * len(values))
        for i, value in enumerate(values):
            into[i] += value or 0

    if vendor == "postgresql":
        found = _rows(
            cursor,
            f"SELECT r.path, s.stage, s.ownership, GROUPING(r.path), GROUPING(s.stage), "
            f"GROUPING(s.ownership), {columns} {base} "
            "GROUP BY GROUPING SETS ((r.path), (s.stage), (s.ownership), ())",
            [*marks, where.path + "%"],
        )
        for path, stage, ownership, g_path, g_stage, g_own, *values in found:
            if not g_path:
                key = target(path)
                if key is not None:
                    add(("region", key), values)
            elif not g_stage:
                add(("stage", stage), values)
            elif not g_own:
                add(("ownership", ownership), values)
            else:
                add(("total", "total"), values)
    else:
        found = _rows(
            cursor,
            f"SELECT r.path, s.stage, s.ownership, {columns} {base} "
            "GROUP BY r.path, s.stage, s.ownership",
            [*marks, where.path + "%"],
        )
        for path, stage, ownership, *values in found:
            key = target(path)
            if key is not None:
                add(("region", key), values)
            add(("stage", stage), values)
            add(("ownership", ownership), values)
            add(("total", "total"), values)

    def row(values):
        return (values[0], values[1], tuple(values[2:]))

    from laomo.schools.models import School

    order = {pk: index for index, (pk, _path) in enumerate(row_regions)}
    region_keys = sorted(
        (key for kind, key in sums if kind == "region"),
        key=lambda pk: (pk == own, order.get(pk, 0)),
    )
    return {
        "total": row(sums.get(("total", "total"), [0] * (len(marks) + 1))),
        "by_region": [(pk, *row(sums[("region", pk)])) for pk in region_keys],
        "by_stage": [
            (stage, *row(sums[("stage", stage)]))
            for stage in School.Stage.values
            if ("stage", stage) in sums
        ],
        "by_ownership": [
            (own_, *row(sums[("ownership", own_)]))
            for own_ in School.Ownership.values
            if ("ownership", own_) in sums
        ],
    }


def _coverage_row_regions(cursor, where: Where) -> list[tuple[int, str]]:
    if where.level in ("county", "zone"):
        return [(where.region_id, where.path)]
    if where.level == "city":
        return _rows(
            cursor,
            "SELECT id, path FROM regions_region WHERE parent_id = %s ORDER BY code",
            [where.region_id],
        )
    return _rows(
        cursor,
        "SELECT id, path FROM regions_region WHERE path LIKE %s AND level = 'city' ORDER BY code",
        [where.path + "%"],
    )


def coverage_figures(coverage) -> dict:
    def row(r):
        return (r.schools, r.reached, tuple(r.yearly))

    return {
        "total": row(coverage.total),
        "by_region": [(int(r.key), *row(r)) for r in coverage.by_region],
        "by_stage": [(r.key, *row(r)) for r in coverage.by_stage],
        "by_ownership": [(r.key, *row(r)) for r in coverage.by_ownership],
    }


# Talks per month --------------------------------------------------------------------------------


def _visible(cursor, where: Where, alias: str = "t") -> str:
    """Talks held or organised in the caller's regions. The region ids are read first, as the
    application does: PostgreSQL cannot use the talks' region indexes for an OR of two IN
    (subquery) conditions, and would read every talk of the year for one county."""
    ids = [
        row[0]
        for row in _rows(
            cursor, "SELECT id FROM regions_region WHERE path LIKE %s", [where.path + "%"]
        )
    ]
    listed = ", ".join(str(int(pk)) for pk in ids) or "NULL"
    return f"({alias}.region_id IN ({listed}) OR {alias}.organiser_region_id IN ({listed}))"


def months_sql(cursor, where: Where, year: int, vendor: str) -> dict:
    month = (
        "EXTRACT(MONTH FROM t.starts_on)"
        if vendor == "postgresql"
        else ("CAST(strftime('%%m', t.starts_on) AS INTEGER)")
    )
    found = _rows(
        cursor,
        f"SELECT {month}, t.status, COUNT(*) FROM outreach_talk t "
        f"WHERE {_visible(cursor, where)} AND t.archived_at IS NULL AND t.starts_on >= %s "
        "AND t.starts_on <= %s AND t.status <> 'cancelled' GROUP BY 1, 2",
        [date(year, 1, 1), date(year, 12, 31)],
    )
    months = {stage: [0] * 12 for stage in STAGES}
    for number, status, n in found:
        months[STAGE_OF[status]][int(number) - 1] += n
    return months


def months_figures(months) -> dict:
    return {stage: list(values) for stage, values in months.items()}


# Lecturers --------------------------------------------------------------------------------------


def lecturers_sql(cursor, where: Where, year: int, top: int = 10) -> dict:
    loads = (
        "SELECT b.person_id, COUNT(DISTINCT b.talk_id) AS n FROM outreach_booking b "
        "JOIN outreach_talk t ON t.id = b.talk_id "
        f"WHERE b.status = 'confirmed' AND {_visible(cursor, where)} AND t.archived_at IS NULL "
        "AND t.status <> 'cancelled' AND t.starts_on >= %s AND t.starts_on <= %s "
        "GROUP BY b.person_id"
    )
    params = [date(year, 1, 1), date(year, 12, 31)]
    busiest = _rows(
        cursor,
        f"SELECT l.person_id, p.name, l.n FROM ({loads}) l "
        "JOIN people_person p ON p.id = l.person_id ORDER BY l.n DESC, p.name, l.person_id "
        f"LIMIT {int(top)}",
        params,
    )
    limit = settings.LAOMO_LECTURER_YEARLY_LIMIT
    overloaded = _rows(
        cursor,
        f"SELECT COUNT(*) FROM ({loads}) l WHERE l.n > %s",
        [*params, limit],
    )[0][0]
    active, never = _rows(
        cursor,
        "SELECT COUNT(*), SUM(CASE WHEN NOT EXISTS (SELECT 1 FROM outreach_booking b "
        "WHERE b.person_id = p.id) THEN 1 ELSE 0 END) FROM people_person p "
        f"WHERE {_in_scope('p.region_id')} AND p.archived_at IS NULL AND p.active",
        [where.path + "%"],
    )[0]
    return {
        "busiest": [tuple(row) for row in busiest],
        "overloaded": overloaded,
        "never_invited": never or 0,
        "active": active,
    }


def lecturers_figures(lecturers) -> dict:
    return {
        "busiest": [(b.person_id, b.name, b.talks) for b in lecturers.busiest],
        "overloaded": lecturers.overloaded,
        "never_invited": lecturers.never_invited,
        "active": lecturers.active,
    }


# Audience ---------------------------------------------------------------------------------------


def audience_sql(cursor, where: Where, year: int) -> tuple:
    found = _rows(
        cursor,
        "SELECT SUM(r.students), SUM(r.teachers), SUM(r.others), COUNT(*) "
        "FROM outreach_talkreport r JOIN outreach_talk t ON t.id = r.talk_id "
        f"WHERE r.status = 'accepted' AND {_visible(cursor, where)} AND t.archived_at IS NULL "
        "AND t.starts_on >= %s AND t.starts_on <= %s",
        [date(year, 1, 1), date(year, 12, 31)],
    )[0]
    return tuple(value or 0 for value in found)


def audience_figures(audience) -> tuple:
    return (audience.students, audience.teachers, audience.others, audience.talks)
