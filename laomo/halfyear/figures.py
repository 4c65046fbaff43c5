"""The figures of a half-year report, counted from the talks (never typed), in a fixed number of
queries whatever the size of the data.

What a region's report counts (the definitions of `laomo.oversight.figures`, for one half):
- the talks it organised whose local date (`Talk.starts_on`) falls in the half: for a county or
  the development zone its county-level talks, for the city its city-level ones — by stage:
  accepted, awaiting acceptance (held, reported, returned), planned (planned, confirmed) and
  cancelled; cancelled talks are shown but count for nothing;
- the talks schools in the region invited on their own, beside the quota (002 三(二));
- the quota for the year and how far the year has come up to the end of the half;
- the audience counted in the accepted reports of the half's talks (both kinds);
- the schools of the region first reached in the half, and reached by its end (coverage);
- the lecturers (confirmed) of the half's accepted talks;
- the list of the half's talks.

A city's consolidated report has a row for the city's own talks, one for each county and the
zone, and a total; its talk list is the city's own (the counties' are in their reports).

The result is a plain structure that goes into JSON and comes back (`to_dict`, `from_dict`), so a
submitted report renders from its frozen figures exactly as a draft does from the live ones.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict, dataclass, field, fields
from datetime import date

from django.db.models import Count, OuterRef, Prefetch, Q, Subquery, Sum
from django.utils import timezone

from laomo.halfyear.models import Half, half_bounds
from laomo.outreach.choices import BookingStatus, Level, ReportStatus, Status
from laomo.outreach.models import Booking, ProgrammeYear, Talk, TalkReport
from laomo.oversight.figures import STAGE_OF, elapsed_fraction
from laomo.regions.models import Region
from laomo.schools.models import School

FORMAT_VERSION = 1
COUNTY_LEVELS = (Region.Level.COUNTY, Region.Level.ZONE)
# The kinds of talk that reach a school first; "other" when the talk is not found (a repair).
REACHED_LABELS = {
    Level.CITY.value: "市级统筹活动",
    Level.COUNTY.value: "县级统筹活动",
    Level.SCHOOL.value: "学校自行邀请活动",
    "other": "其他",
}


@dataclass
class Stages:
    """Talks by stage. Cancelled ones are listed apart and left out of `total`."""

    accepted: int = 0
    awaiting: int = 0
    planned: int = 0
    cancelled: int = 0

    @property
    def done(self) -> int:
        """Talks that have taken place: accepted, or held and awaiting acceptance."""
        return self.accepted + self.awaiting

    @property
    def total(self) -> int:
        return self.accepted + self.awaiting + self.planned

    def add(self, other: Stages) -> None:
        self.accepted += other.accepted
        self.awaiting += other.awaiting
        self.planned += other.planned
        self.cancelled += other.cancelled

    def count(self, status: str, n: int) -> None:
        stage = "cancelled" if status == Status.CANCELLED else STAGE_OF[status]
        setattr(self, stage, getattr(self, stage) + n)


@dataclass
class Quota:
    """The year's minimum of the region's own level, and the year up to the end of the half:
    accepted and awaiting from 1 January to the half's last day, planned in the whole year."""

    minimum: int | None = None
    accepted: int = 0
    awaiting: int = 0
    planned: int = 0
    fraction: float = 0.0  # how much of the year had passed at the end of the half (or today)
    # For the city's total: the quotas it is made of that are not complete ("西吉县、隆德县未达
    # 3场"), and whether one of them is behind its pace. Set from the rows, never stored alone.
    missing: str = ""
    missing_behind: bool = False

    @property
    def expected(self) -> int:
        """Talks due by then at an even pace (rounded down)."""
        return math.floor((self.minimum or 0) * self.fraction + 1e-9)

    @property
    def state(self) -> str:
        if self.minimum is None:
            return "none"
        if self.accepted >= self.minimum:
            if not self.missing:
                return "reached"
            return "behind" if self.missing_behind else "on_pace"
        if self.accepted + self.awaiting >= self.expected:
            return "on_pace"
        return "behind"

    @property
    def state_label(self) -> str:
        if self.minimum is not None and self.accepted >= self.minimum and self.missing:
            return f"全市已达{self.minimum}场，{self.missing}"
        return {
            "none": "不设指标",
            "reached": "已完成全年任务",
            "on_pace": "进度正常",
            "behind": "进度落后",
        }[self.state]

    @property
    def rate(self) -> float | None:
        """Accepted over the minimum (None without a minimum)."""
        return self.accepted / self.minimum if self.minimum else None

    @property
    def percent(self) -> str:
        if not self.minimum:
            return "—"
        return f"{self.rate * 100:.0f}%"

    def add(self, other: Quota) -> None:
        self.accepted += other.accepted
        self.awaiting += other.awaiting
        self.planned += other.planned


@dataclass
class RegionFigures:
    """One region's row: the city's own, a county's or the zone's, or the total."""

    region_id: int | None
    name: str
    level: str  # "city", "county", "zone" or "total"
    organised: Stages = field(default_factory=Stages)  # the quota level's talks of the half
    invited: Stages = field(default_factory=Stages)  # school-invited talks of the half
    quota: Quota = field(default_factory=Quota)
    students: int = 0
    teachers: int = 0
    others: int = 0
    reports: int = 0  # accepted reports whose audience is counted
    schools: int = 0
    reached_in_half: int = 0
    reached_total: int = 0  # reached by the end of the half
    lecturers: int = 0
    # The schools first reached in the half by the level of the talk that reached them (a
    # county's schools are reached by the city's talks and their own invitations as well).
    reached_by: dict[str, int] = field(default_factory=dict)

    @property
    def audience(self) -> int:
        return self.students + self.teachers + self.others

    @property
    def talks(self) -> int:
        """Talks of the half, both kinds, cancelled ones left out."""
        return self.organised.total + self.invited.total

    @property
    def accepted(self) -> int:
        return self.organised.accepted + self.invited.accepted

    @property
    def coverage_rate(self) -> float:
        return self.reached_total / self.schools if self.schools else 0.0

    @property
    def coverage_percent(self) -> str:
        return f"{self.coverage_rate * 100:.1f}%" if self.schools else "—"

    @property
    def organised_label(self) -> str:
        return "市级统筹" if self.level == "city" else "县级统筹"

    @property
    def reached_parts(self) -> list[tuple[str, int]]:
        """(kind of talk, schools it reached first in the half), the region's own level first;
        empty for figures frozen before they were counted."""
        if sum(self.reached_by.values()) != self.reached_in_half or not self.reached_in_half:
            return []
        own = Level.CITY.value if self.level in ("city", "total") else Level.COUNTY.value
        order = [own, *(level for level in REACHED_LABELS if level != own)]
        return [
            (REACHED_LABELS[level], self.reached_by[level])
            for level in order
            if self.reached_by.get(level)
        ]

    @property
    def reached_text(self) -> str:
        """ "其中县级统筹活动覆盖1所、市级统筹活动覆盖1所" ("" when nothing to split)."""
        parts = self.reached_parts
        if not parts:
            return ""
        return "其中" + "、".join(f"{label}覆盖{n}所" for label, n in parts)

    def add(self, other: RegionFigures) -> None:
        """Sum `other` in, all but the lecturers (a lecturer may speak in two counties)."""
        self.organised.add(other.organised)
        self.invited.add(other.invited)
        self.quota.add(other.quota)
        for name in (
            "students",
            "teachers",
            "others",
            "reports",
            "schools",
            "reached_in_half",
            "reached_total",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for level, n in other.reached_by.items():
            self.reached_by[level] = self.reached_by.get(level, 0) + n


@dataclass
class TalkLine:
    day: date
    title: str
    level: str
    place: str
    lecturers: str
    audience: int | None  # of the accepted report; None before acceptance
    status: str
    cancelled: bool = False


@dataclass
class HalfYearFigures:
    region_id: int
    region_name: str
    region_level: str
    year: int
    half: int
    as_of: date  # the day the figures were counted
    rows: list[RegionFigures]
    total: RegionFigures
    talks: list[TalkLine]
    # For the consolidated report: the plan's quotas of the year, as the total's wording needs.
    quota_city: int | None = None
    quota_county: int | None = None

    def __post_init__(self) -> None:
        """The city's total is complete only with every quota it is made of (002 三(一)3)."""
        if not self.consolidated:
            return
        open_rows = [row for row in self.rows if row.quota.state not in ("none", "reached")]
        by_minimum: dict[int, list[str]] = {}
        for row in open_rows:
            name = "市级统筹" if row.level == "city" else row.name
            by_minimum.setdefault(row.quota.minimum, []).append(name)
        self.total.quota.missing = "，".join(
            f"{'、'.join(names)}未达{minimum}场" for minimum, names in by_minimum.items()
        )
        self.total.quota.missing_behind = any(row.quota.state == "behind" for row in open_rows)

    @property
    def start(self) -> date:
        return half_bounds(self.year, self.half)[0]

    @property
    def end(self) -> date:
        return half_bounds(self.year, self.half)[1]

    @property
    def half_label(self) -> str:
        return Half(self.half).label

    @property
    def consolidated(self) -> bool:
        return self.region_level not in COUNTY_LEVELS

    @property
    def own(self) -> RegionFigures:
        """The region's own row (for the city, its city-level talks)."""
        return self.rows[0]

    @property
    def county_rows(self) -> list[RegionFigures]:
        return self.rows[1:] if self.consolidated else []

    def to_dict(self) -> dict:
        data = asdict(self)
        data["version"] = FORMAT_VERSION
        data["as_of"] = self.as_of.isoformat()
        for line in data["talks"]:
            line["day"] = line["day"].isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict) -> HalfYearFigures:
        def row(values: dict) -> RegionFigures:
            values = dict(values)
            values["organised"] = Stages(**values["organised"])
            values["invited"] = Stages(**values["invited"])
            values["quota"] = Quota(**values["quota"])
            return RegionFigures(**values)

        names = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in names}
        values["as_of"] = date.fromisoformat(data["as_of"])
        values["rows"] = [row(item) for item in data["rows"]]
        values["total"] = row(data["total"])
        values["talks"] = [
            TalkLine(**{**line, "day": date.fromisoformat(line["day"])}) for line in data["talks"]
        ]
        return cls(**values)


def compute(region: Region, year: int, half: int, *, today: date | None = None) -> HalfYearFigures:
    """The figures of `region`'s report of the half, counted now.

    The report's region decides what is counted, whoever reads it: access to the report has
    been checked by the caller, and a county's figures must read the same to the county and to
    the city. Hence the unrestricted querysets below, each narrowed to the region's own talks
    and schools. Nine queries for a city, eight for a county.
    """
    today = today or timezone.localdate()
    start, end = half_bounds(year, half)
    year_start, year_end = date(year, 1, 1), date(year, 12, 31)
    consolidated = region.level not in COUNTY_LEVELS
    if consolidated:
        children = list(
            Region.objects.unrestricted()
            .filter(parent=region, level__in=COUNTY_LEVELS)
            .order_by("code")
        )
        city_id = region.pk
    else:
        children = []
        city_id = region.parent_id
    regions = [region, *children]
    ids = [r.pk for r in regions]

    programme = ProgrammeYear.objects.filter(city_id=city_id, year=year).first()
    if programme is None:
        programme = ProgrammeYear.default(None, year)
    fraction = elapsed_fraction(year, min(today, end))
    rows = {
        r.pk: RegionFigures(
            region_id=r.pk,
            name=r.name,
            level=r.level if r.level in COUNTY_LEVELS else "city",
            quota=Quota(minimum=programme.quota_of(r), fraction=fraction),
        )
        for r in regions
    }
    own_level = {r.pk: Level.COUNTY if r.level in COUNTY_LEVELS else Level.CITY for r in regions}

    talks = Talk.objects.unrestricted().filter(
        organiser_region_id__in=ids, archived_at__isnull=True
    )
    in_half = Q(starts_on__gte=start, starts_on__lte=end)
    grouped = (
        talks.filter(starts_on__gte=year_start, starts_on__lte=year_end)
        .order_by()
        .values("organiser_region_id", "level", "status")
        .annotate(
            in_half=Count("pk", filter=in_half),
            to_end=Count("pk", filter=Q(starts_on__lte=end)),
            in_year=Count("pk"),
        )
    )
    for item in grouped:
        row = rows[item["organiser_region_id"]]
        status = item["status"]
        if item["level"] == Level.SCHOOL:
            row.invited.count(status, item["in_half"])
            continue
        if item["level"] != own_level[row.region_id]:
            continue  # a level the region does not organise (a repaired record, say)
        row.organised.count(status, item["in_half"])
        if status == Status.CANCELLED:
            continue
        stage = STAGE_OF[status]
        if stage == "planned":
            row.quota.planned += item["in_year"]
        else:
            setattr(row.quota, stage, getattr(row.quota, stage) + item["to_end"])

    accepted_in_half = {
        "talk__organiser_region_id__in": ids,
        "talk__status": Status.ACCEPTED,
        "talk__archived_at__isnull": True,
        "talk__starts_on__gte": start,
        "talk__starts_on__lte": end,
    }
    audience = (
        TalkReport.objects.unrestricted()
        .filter(status=ReportStatus.ACCEPTED, **accepted_in_half)
        .order_by()
        .values("talk__organiser_region_id")
        .annotate(
            students=Sum("students"),
            teachers=Sum("teachers"),
            others=Sum("others"),
            reports=Count("pk"),
        )
    )
    for item in audience:
        row = rows[item["talk__organiser_region_id"]]
        row.students = item["students"] or 0
        row.teachers = item["teachers"] or 0
        row.others = item["others"] or 0
        row.reports = item["reports"]

    speakers = (
        Booking.objects.unrestricted()
        .filter(status=BookingStatus.CONFIRMED, **accepted_in_half)
        .order_by()
        .values_list("talk__organiser_region_id", "person_id")
        .distinct()
    )
    people_of: dict[int, set[int]] = defaultdict(set)
    for region_id, person_id in speakers:
        people_of[region_id].add(person_id)
    for region_id, people in people_of.items():
        rows[region_id].lecturers = len(people)

    # The talk that reached a school first: its accepted talk on the day it was reached (as
    # `recount_reached` finds it, archived or not), the earliest of that day.
    reaching = (
        Talk.objects.unrestricted()
        .filter(school=OuterRef("pk"), status=Status.ACCEPTED, starts_on=OuterRef("reached_on"))
        .order_by("starts_at", "pk")
        .values("level")[:1]
    )
    reached_in_half = Q(reached_on__gte=start, reached_on__lte=end)
    levels = [level.value for level in (Level.CITY, Level.COUNTY, Level.SCHOOL)]
    by_level = {
        f"by_{level}": Count("pk", filter=reached_in_half & Q(reaching_level=level))
        for level in levels
    }
    schools = (
        School.objects.unrestricted()
        .filter(region_id__in=ids, archived_at__isnull=True)
        .annotate(reaching_level=Subquery(reaching))
        .order_by()
        .values("region_id")
        .annotate(
            total=Count("pk"),
            in_half=Count("pk", filter=reached_in_half),
            by_end=Count("pk", filter=Q(reached_on__lte=end)),
            **by_level,
        )
    )
    for item in schools:
        row = rows[item["region_id"]]
        row.schools = item["total"]
        row.reached_in_half = item["in_half"]
        row.reached_total = item["by_end"]
        row.reached_by = {level: item[f"by_{level}"] for level in levels}
        row.reached_by["other"] = item["in_half"] - sum(row.reached_by.values())

    ordered = [rows[r.pk] for r in regions]
    if consolidated:
        total = RegionFigures(
            region_id=region.pk,
            name="合计",
            level="total",
            quota=Quota(minimum=programme.quota_total, fraction=fraction),
        )
        for row in ordered:
            total.add(row)
        total.lecturers = len(set().union(*people_of.values()))
    else:
        total = ordered[0]

    return HalfYearFigures(
        region_id=region.pk,
        region_name=region.name,
        region_level=region.level,
        year=year,
        half=half,
        as_of=today,
        rows=ordered,
        total=total,
        talks=talk_lines(talks.filter(in_half, organiser_region_id=region.pk)),
        quota_city=programme.quota_city,
        quota_county=programme.quota_county,
    )


def talk_lines(talks) -> list[TalkLine]:
    """The talks in date order: three queries (talks, bookings, accepted reports)."""
    talks = (
        talks.select_related("school", "base")
        .prefetch_related(
            Prefetch(
                "bookings",
                # Narrowed to the talks above, whose region the caller chose.
                queryset=Booking.objects.unrestricted()
                .exclude(status=BookingStatus.DECLINED)
                .select_related("person")
                .order_by("id"),
                to_attr="listed_bookings",
            ),
            Prefetch(
                "reports",
                queryset=TalkReport.objects.unrestricted().filter(status=ReportStatus.ACCEPTED),
                to_attr="accepted_reports",
            ),
        )
        .order_by("starts_at", "id")
    )
    lines = []
    for talk in talks:
        names = [
            booking.person.name
            if booking.status == BookingStatus.CONFIRMED
            else f"{booking.person.name}（待确认）"
            for booking in talk.listed_bookings
        ]
        report = talk.accepted_reports[0] if talk.accepted_reports else None
        lines.append(
            TalkLine(
                day=talk.starts_on,
                title=talk.title,
                level=str(talk.get_level_display()),
                place=str(talk.place_name),
                lecturers="、".join(names),
                audience=report.audience if report is not None else None,
                status=str(talk.get_status_display()),
                cancelled=talk.status == Status.CANCELLED,
            )
        )
    return lines
