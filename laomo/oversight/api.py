"""The figures in the API: the quota table and school coverage of a year, scoped exactly like
the dashboard (a county: its own row; a city: the city's; a province or the country: by city).
Regions are named by their GB/T 2260 codes; field names are stable."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from laomo.core.scoping import refused
from laomo.oversight import figures
from laomo.oversight.views import PERMISSION, coverage_day

router = Router(tags=["统计"])


class YearQuery(Schema):
    year: int | None = Field(
        None, ge=2000, le=2100, description="年度（默认本年）；按活动在北京时间的日期计"
    )


class StageCounts(Schema):
    accepted: int = Field(description="已验收")
    awaiting: int = Field(description="已举办待验收（已举办、资料已报送、已退回）")
    planned: int = Field(description="已计划（已计划、已确认）")


class QuotaRowOut(Schema):
    region_code: str
    region_name: str
    region_level: str = Field(description="country / province / city / county / zone")
    kind: str = Field(description="total（合计）/ city（市级统筹）/ county（县（区）、开发区）")
    label: str
    minimum: int | None = Field(description="全年指标；null 表示不设指标（如开发区）")
    accepted: int
    awaiting: int
    planned: int
    done: int = Field(description="已举办（已验收＋待验收）")
    expected_by_now: int = Field(description="按全年均匀进度，此时应已举办的场次（向下取整）")
    state: str = Field(description="reached / on_pace / behind / none")
    state_label: str
    will_reach: bool = Field(description="已举办与已计划合计能否达到指标")
    shortfall: int = Field(description="距指标还差的已验收场次")
    invited: StageCounts = Field(description="学校自行邀请，在指标以外（002 三（二））")


class CityQuotasOut(Schema):
    city_code: str
    city_name: str
    quota_total: int
    quota_city: int
    quota_county: int
    quota_zone: int | None
    total: QuotaRowOut | None = Field(description="全市合计；县级账号为 null")
    rows: list[QuotaRowOut]


class QuotasOut(Schema):
    year: int
    as_of: date = Field(description="按此日计算进度")
    elapsed_fraction: float = Field(description="本年已过比例（0–1）")
    total: QuotaRowOut | None = Field(description="省级及以上账号：各市合计；其他为 null")
    cities: list[CityQuotasOut]


class YearReached(Schema):
    year: int
    reached: int = Field(description="截至该年末（当年截至 as_of）已覆盖的学校数")


class CoverageRowOut(Schema):
    key: str = Field(description="区划行为区划代码；学段、办学性质行为其代码")
    label: str
    region_code: str | None
    schools: int
    reached: int
    uncovered: int
    rate: float
    yearly: list[YearReached]


class CoverageOut(Schema):
    year: int
    as_of: date = Field(description="过去年度为该年12月31日；本年为今天")
    programme_start: date
    goal_date: date = Field(description="五年全覆盖目标日期（002 一）")
    goal_rate: float = Field(description="按均匀进度，截至 as_of 应达的覆盖率（0–1）")
    goal_schools: int
    total: CoverageRowOut
    by_region: list[CoverageRowOut]
    by_stage: list[CoverageRowOut]
    by_ownership: list[CoverageRowOut]


def _counts(counts: figures.Counts) -> dict:
    return {"accepted": counts.accepted, "awaiting": counts.awaiting, "planned": counts.planned}


def _quota_row(row: figures.QuotaRow) -> dict:
    return {
        "region_code": row.region.code,
        "region_name": row.region.name,
        "region_level": row.region.level,
        "kind": row.level,
        "label": row.label,
        "minimum": row.minimum,
        **_counts(row.counts),
        "done": row.counts.done,
        "expected_by_now": row.expected if row.minimum is not None else 0,
        "state": row.state,
        "state_label": row.state_label,
        "will_reach": row.will_reach,
        "shortfall": row.shortfall,
        "invited": _counts(row.invited),
    }


def _coverage_row(row: figures.CoverageRow, years: list[int], *, region: bool) -> dict:
    return {
        "key": row.code if region else row.key,
        "label": row.label,
        "region_code": row.code or None,
        "schools": row.schools,
        "reached": row.reached,
        "uncovered": row.uncovered,
        "rate": round(row.rate, 4),
        "yearly": [
            {"year": year, "reached": reached}
            for year, reached in zip(years, row.yearly, strict=True)
        ],
    }


def _allowed(request) -> None:
    if not request.scope.can(PERMISSION):
        raise refused(request.scope, PERMISSION)


@router.get(
    "/quotas",
    response=QuotasOut,
    summary="场次指标完成情况",
    url_name="oversight_quotas",
)
def oversight_quotas(request: HttpRequest, params: Query[YearQuery]):
    """全年场次指标（002 三（一）3）的完成情况：每项指标的已验收、已举办待验收、已计划场次，
    进度判断，
    以及指标以外的学校自行邀请场次。县级账号只得到本县（区）一行；市级账号得到本市合计、市级统筹和各县（区）；
    省级及以上账号按市分表并给出合计。"""
    _allowed(request)
    scope = request.scope
    today = timezone.localdate()
    year = params.year or today.year
    tables = figures.quota_tables(scope, year, today)
    grand = figures.grand_total(scope, tables)
    return {
        "year": year,
        "as_of": today,
        "elapsed_fraction": round(figures.elapsed_fraction(year, today), 4),
        "total": _quota_row(grand) if grand else None,
        "cities": [
            {
                "city_code": table.city.code,
                "city_name": table.city.name,
                "quota_total": table.programme.quota_total,
                "quota_city": table.programme.quota_city,
                "quota_county": table.programme.quota_county,
                "quota_zone": table.programme.quota_zone,
                "total": None if scope.is_county else _quota_row(table.total),
                "rows": [_quota_row(row) for row in table.rows],
            }
            for table in tables
        ],
    }


@router.get(
    "/coverage",
    response=CoverageOut,
    summary="学校覆盖情况",
    url_name="oversight_coverage",
)
def oversight_coverage(request: HttpRequest, params: Query[YearQuery]):
    """学校覆盖（002 一）：截至 year 年末（本年截至今天）已有通过验收的宣讲活动的学校，
    按区划、学段、
    办学性质分列，逐年累计，并与五年全覆盖目标的均匀进度比较。范围与统计页面相同。"""
    _allowed(request)
    today = timezone.localdate()
    year = params.year or today.year
    result = figures.coverage(request.scope, coverage_day(year, today))
    years = result.years
    return {
        "year": year,
        "as_of": result.as_of,
        "programme_start": result.start,
        "goal_date": result.goal,
        "goal_rate": round(result.goal_fraction, 4),
        "goal_schools": result.goal_schools,
        "total": _coverage_row(result.total, years, region=False),
        "by_region": [_coverage_row(row, years, region=True) for row in result.by_region],
        "by_stage": [_coverage_row(row, years, region=False) for row in result.by_stage],
        "by_ownership": [_coverage_row(row, years, region=False) for row in result.by_ownership],
    }
