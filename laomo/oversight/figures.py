"""The figures that go upward: quotas (002 三(一)3), coverage (一), talks, lecturers and
audience. Every figure is counted in the database from the caller's scope, in a fixed number of
queries whatever the size of the data, and carries the filter that lists what it counts.

Definitions, kept in one place:
- a talk counts towards the quota of its organising region in the year of its (local) date,
  once its report is accepted; talks taken place and awaiting acceptance (held, reported,
  returned) and those planned (planned, confirmed) are shown beside; cancelled ones not at all;
- school-invited talks are outside the quotas and shown beside them (三(二));
- a school is reached from the date of its first accepted talk since the programme began.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.urls import reverse

from laomo.outreach.choices import BookingStatus, Level, ReportStatus, Status
from laomo.outreach.models import Booking, ProgrammeYear, Talk, TalkReport
from laomo.people.models import Person
from laomo.regions.models import Region
from laomo.schools.models import School
from laomo.schools.services import programme_start

STAGES = {
    "accepted": (Status.ACCEPTED,),
    "awaiting": (Status.HELD, Status.REPORTED, Status.RETURNED),
    "planned": (Status.PLANNED, Status.CONFIRMED),
}
STAGE_OF = {status: stage for stage, statuses in STAGES.items() for status in statuses}
STAGE_LABELS = {"accepted": "已验收", "awaiting": "已举办待验收", "planned": "已计划"}


def year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def elapsed_fraction(year: int, today: date) -> float:
    """How much of `year` has passed on `today` (0 before it, 1 after it)."""
    start, end = year_bounds(year)
    if today < start:
        return 0.0
    if today > end:
        return 1.0
    return ((today - start).days + 1) / ((end - start).days + 1)


def talk_list_url(**params) -> str:
    query = {key: value for key, value in params.items() if value not in (None, "")}
    return f"{reverse('outreach:talk-list')}?{urlencode(query)}"


@dataclass
class Counts:
    accepted: int = 0
    awaiting: int = 0
    planned: int = 0

    @property
    def done(self) -> int:
        """Talks that have taken place: accepted, or held and awaiting acceptance."""
        return self.accepted + self.awaiting

    @property
    def total(self) -> int:
        return self.accepted + self.awaiting + self.planned

    def add(self, other: Counts) -> None:
        self.accepted += other.accepted
        self.awaiting += other.awaiting
        self.planned += other.planned


@dataclass
class QuotaRow:
    """One quota: who owes it, the minimum, what has been done, and whether the pace holds."""

    label: str
    region: Region
    level: str  # "total", "city" or "county"
    minimum: int | None
    counts: Counts
    fraction: float
    urls: dict[str, str] = field(default_factory=dict)
    invited: Counts = field(default_factory=Counts)  # school-invited, outside the quota
    invited_urls: dict[str, str] = field(default_factory=dict)

    @property
    def expected(self) -> int:
        """Talks that should have taken place by now at an even pace (rounded down)."""
        return math.floor((self.minimum or 0) * self.fraction + 1e-9)

    @property
    def state(self) -> str:
        if self.minimum is None:
            return "none"
        if self.counts.accepted >= self.minimum:
            return "reached"
        if self.counts.done >= self.expected:
            return "on_pace"
        return "behind"

    @property
    def state_label(self) -> str:
        return {
            "none": "不设指标",
            "reached": "已完成",
            "on_pace": "进度正常",
            "behind": "进度落后",
        }[self.state]

    @property
    def will_reach(self) -> bool:
        """Whether what has taken place and what is planned together meet the minimum."""
        return self.minimum is None or self.counts.total >= self.minimum

    @property
    def shortfall(self) -> int:
        return max((self.minimum or 0) - self.counts.accepted, 0)


@dataclass
class QuotaTable:
    city: Region
    year: int
    programme: ProgrammeYear
    fraction: float
    total: QuotaRow
    rows: list[QuotaRow]  # the city's own, then each county and the zone

    @property
    def behind(self) -> list[QuotaRow]:
        return [row for row in self.rows if row.state == "behind"]


def _stage_urls(year: int, **params) -> dict[str, str]:
    since, until = year_bounds(year)
    return {
        stage: talk_list_url(
            stage=stage, since=since.isoformat(), until=until.isoformat(), **params
        )
        for stage in STAGES
    }


def quota_tables(scope, year: int, today: date) -> list[QuotaTable]:
    """The quota table of every city within the caller's scope (a county sees its own row).
    Three queries: the regions, the settings, the talks grouped by organiser, level and status."""
    if scope.region is None:
        return []
    since, until = year_bounds(year)
    grouped = (
        Talk.objects.restrict(scope)
        .current()
        .filter(organiser_region__path__startswith=scope.region.path)
        .filter(starts_on__gte=since, starts_on__lte=until)
        .exclude(status=Status.CANCELLED)
        .order_by()
        .values("organiser_region_id", "level", "status")
        .annotate(n=Count("pk"))
    )
    quota_counts: dict[int, Counts] = defaultdict(Counts)
    invited_counts: dict[int, Counts] = defaultdict(Counts)
    for row in grouped:
        target = invited_counts if row["level"] == Level.SCHOOL else quota_counts
        counts = target[row["organiser_region_id"]]
        stage = STAGE_OF[row["status"]]
        setattr(counts, stage, getattr(counts, stage) + row["n"])

    cities = _cities(scope)
    regions = list(
        Region.objects.unrestricted()
        .filter(parent__in=cities, level__in=[Region.Level.COUNTY, Region.Level.ZONE])
        .order_by("code")
    )
    settings_of = {p.city_id: p for p in ProgrammeYear.objects.filter(city__in=cities, year=year)}
    fraction = elapsed_fraction(year, today)
    tables = []
    for city in cities:
        programme = settings_of.get(city.pk) or ProgrammeYear.default(city, year)
        rows = [
            QuotaRow(
                label=f"{city.name}（市级统筹）",
                region=city,
                level="city",
                minimum=programme.quota_city,
                counts=quota_counts[city.pk],
                fraction=fraction,
                urls=_stage_urls(year, level=Level.CITY, organiser=city.pk),
            )
        ]
        for county in (r for r in regions if r.parent_id == city.pk):
            rows.append(
                QuotaRow(
                    label=county.name,
                    region=county,
                    level="county",
                    minimum=programme.quota_of(county),
                    counts=quota_counts[county.pk],
                    fraction=fraction,
                    urls=_stage_urls(year, level=Level.COUNTY, organiser=county.pk),
                    invited=invited_counts[county.pk],
                    invited_urls=_stage_urls(year, level=Level.SCHOOL, organiser=county.pk),
                )
            )
        total_counts = Counts()
        invited_total = Counts()
        for row in rows:
            total_counts.add(row.counts)
            invited_total.add(row.invited)
        total = QuotaRow(
            label=f"{city.name}全市",
            region=city,
            level="total",
            minimum=programme.quota_total,
            counts=total_counts,
            fraction=fraction,
            urls=_stage_urls(year, level="quota", organiser=city.pk),
            invited=invited_total,
            invited_urls=_stage_urls(year, level=Level.SCHOOL, organiser=city.pk),
        )
        if scope.is_county:
            rows = [row for row in rows if row.region.pk == scope.region.pk]
        tables.append(QuotaTable(city, year, programme, fraction, total, rows))
    return tables


def _cities(scope) -> list[Region]:
    region = scope.region
    if region.level in (Region.Level.CITY,):
        return [region]
    if region.level in (Region.Level.COUNTY, Region.Level.ZONE):
        return [Region.objects.unrestricted().get(pk=region.parent_id)]
    return list(
        Region.objects.unrestricted()
        .filter(path__startswith=region.path, level=Region.Level.CITY)
        .order_by("code")
    )


# Coverage ---------------------------------------------------------------------------------------


@dataclass
class CoverageRow:
    label: str
    key: str
    schools: int
    reached: int
    yearly: list[int] = field(default_factory=list)  # reached by the end of each year
    url: str = ""
    uncovered_url: str = ""

    @property
    def rate(self) -> float:
        return self.reached / self.schools if self.schools else 0.0

    @property
    def percent(self) -> str:
        return f"{self.rate * 100:.1f}%"


@dataclass
class Coverage:
    as_of: date
    start: date
    goal: date
    years: list[int]
    total: CoverageRow
    by_region: list[CoverageRow]
    by_stage: list[CoverageRow]
    by_ownership: list[CoverageRow]

    @property
    def goal_fraction(self) -> float:
        """Where an even march to full coverage by the goal date would stand today."""
        span = (self.goal - self.start).days
        return min(max((self.as_of - self.start).days / span, 0.0), 1.0) if span else 1.0


def coverage(scope, as_of: date) -> Coverage:
    """Schools reached by `as_of`, by county (or city), stage and ownership, year by year. One
    query per breakdown, each a GROUP BY over the schools in scope."""
    start = programme_start()
    goal = date(start.year + settings.LAOMO_COVERAGE_YEARS, start.month, start.day)
    years = list(range(start.year, max(as_of.year, start.year) + 1))
    schools = School.objects.restrict(scope).current()

    def ends(year: int) -> date:
        return min(date(year, 12, 31), as_of)

    aggregates = {
        "total_schools": Count("pk"),
        "reached_now": Count("pk", filter=Q(reached_on__lte=as_of)),
        **{f"y{year}": Count("pk", filter=Q(reached_on__lte=ends(year))) for year in years},
    }

    def rows(group: str, labels: dict, key_of=str) -> list[CoverageRow]:
        found = {row[group]: row for row in schools.order_by().values(group).annotate(**aggregates)}
        result = []
        for key, label in labels.items():
            row = found.get(key)
            if row is None:
                continue
            filters = {_SCHOOL_FILTER[group]: key_of(key)}
            result.append(
                CoverageRow(
                    label=str(label),
                    key=str(key),
                    schools=row["total_schools"],
                    reached=row["reached_now"],
                    yearly=[row[f"y{year}"] for year in years],
                    url=_school_list_url(**filters),
                    uncovered_url=_school_list_url(reached="no", **filters),
                )
            )
        return result

    regions = _coverage_regions(scope, schools)
    region_group = "region_id" if not regions[1] else "region__parent_id"
    by_region = rows(region_group, regions[0])
    total = schools.order_by().aggregate(**aggregates)
    return Coverage(
        as_of=as_of,
        start=start,
        goal=goal,
        years=years,
        total=CoverageRow(
            label="合计",
            key="total",
            schools=total["total_schools"],
            reached=total["reached_now"],
            yearly=[total[f"y{year}"] for year in years],
            url=_school_list_url(),
            uncovered_url=_school_list_url(reached="no"),
        ),
        by_region=by_region,
        by_stage=rows("stage", dict(School.Stage.choices)),
        by_ownership=rows("ownership", dict(School.Ownership.choices)),
    )


_SCHOOL_FILTER = {
    "region_id": "region",
    "region__parent_id": "city",
    "stage": "stage",
    "ownership": "ownership",
}


def _school_list_url(**params) -> str:
    return (
        f"{reverse('schools:school-list')}?{urlencode(params)}"
        if params
        else reverse("schools:school-list")
    )


def _coverage_regions(scope, schools) -> tuple[dict[int, str], bool]:
    """The rows coverage is broken down by: the counties of a city (or a county itself); for a
    province or the country, its cities. The flag says whether rows are cities."""
    region = scope.region
    if region.level in (Region.Level.COUNTY, Region.Level.ZONE):
        return {region.pk: region.name}, False
    if region.level == Region.Level.CITY:
        children = Region.objects.unrestricted().filter(parent=region).order_by("code")
        return {child.pk: child.name for child in children}, False
    cities = Region.objects.unrestricted().filter(
        path__startswith=region.path, level=Region.Level.CITY
    )
    return {city.pk: city.name for city in cities.order_by("code")}, True


def uncovered_schools(scope):
    """The schools not yet reached: the list a county plans from."""
    return School.objects.restrict(scope).current().filter(reached_on__isnull=True)


# Talks, lecturers, audience -----------------------------------------------------------------------


def talks_per_month(scope, year: int) -> dict[str, list[int]]:
    """Talks of each month of the year by stage (grouped by day in the database, folded here:
    no date arithmetic in SQL, whatever the database)."""
    since, until = year_bounds(year)
    rows = (
        Talk.objects.restrict(scope)
        .current()
        .filter(starts_on__gte=since, starts_on__lte=until)
        .exclude(status=Status.CANCELLED)
        .order_by()
        .values("starts_on", "status")
        .annotate(n=Count("pk"))
    )
    months = {stage: [0] * 12 for stage in STAGES}
    for row in rows:
        months[STAGE_OF[row["status"]]][row["starts_on"].month - 1] += row["n"]
    return months


@dataclass
class LecturerLoad:
    person_id: int
    name: str
    talks: int
    url: str


@dataclass
class Lecturers:
    busiest: list[LecturerLoad]
    overloaded: int
    limit: int
    never_invited: int
    never_invited_url: str
    active: int


def lecturer_load(scope, year: int, *, top: int = 10) -> Lecturers:
    """Who carries too much (more than settings.LAOMO_LECTURER_YEARLY_LIMIT confirmed talks a
    year), and how many active lecturers have never been invited at all."""
    since, until = year_bounds(year)
    talks = Talk.objects.restrict(scope).current().exclude(status=Status.CANCELLED)
    loads = list(
        Booking.objects.unrestricted()
        .filter(
            talk__in=talks.filter(starts_on__gte=since, starts_on__lte=until),
            status=BookingStatus.CONFIRMED,
        )
        .order_by()
        .values("person_id", "person__name")
        .annotate(n=Count("talk", distinct=True))
        .order_by("-n", "person__name")
    )
    limit = settings.LAOMO_LECTURER_YEARLY_LIMIT
    people = Person.objects.restrict(scope).current().filter(active=True)
    never = people.exclude(Exists(Booking.objects.filter(person=OuterRef("pk"))))
    return Lecturers(
        busiest=[
            LecturerLoad(
                row["person_id"],
                row["person__name"],
                row["n"],
                talk_list_url(lecturer=row["person_id"], since=since, until=until),
            )
            for row in loads[:top]
        ],
        overloaded=sum(1 for row in loads if row["n"] > limit),
        limit=limit,
        never_invited=never.count(),
        never_invited_url=f"{reverse('people:person-list')}?invited=never",
        active=people.count(),
    )


@dataclass
class Audience:
    students: int
    teachers: int
    others: int
    talks: int

    @property
    def total(self) -> int:
        return self.students + self.teachers + self.others


def audience(scope, year: int) -> Audience:
    """The audience counted in the accepted reports of the year's talks."""
    since, until = year_bounds(year)
    totals = (
        TalkReport.objects.unrestricted()
        .filter(
            status=ReportStatus.ACCEPTED,
            talk__in=Talk.objects.restrict(scope)
            .current()
            .filter(starts_on__gte=since, starts_on__lte=until),
        )
        .aggregate(
            students=Sum("students"),
            teachers=Sum("teachers"),
            others=Sum("others"),
            talks=Count("pk"),
        )
    )
    return Audience(
        students=totals["students"] or 0,
        teachers=totals["teachers"] or 0,
        others=totals["others"] or 0,
        talks=totals["talks"] or 0,
    )


@dataclass
class LecturerFigures:
    talks_given: int
    schools_reached: int
    students_reached: int
    by_year: dict[int, int]


def lecturer_figures(scope, person_id: int) -> LecturerFigures:
    """A lecturer's own: accepted talks given, distinct schools, students counted."""
    accepted = Talk.objects.restrict(scope).filter(
        status=Status.ACCEPTED,
        bookings__person_id=person_id,
        bookings__status=BookingStatus.CONFIRMED,
    )
    by_day = accepted.order_by().values("starts_on").annotate(n=Count("pk", distinct=True))
    by_year: dict[int, int] = defaultdict(int)
    for row in by_day:
        by_year[row["starts_on"].year] += row["n"]
    totals = accepted.aggregate(
        talks=Count("pk", distinct=True),
        schools=Count("school", distinct=True),
    )
    students = (
        TalkReport.objects.unrestricted()
        .filter(status=ReportStatus.ACCEPTED, talk__in=accepted.values("pk"))
        .aggregate(n=Sum("students"))["n"]
        or 0
    )
    return LecturerFigures(
        talks_given=totals["talks"] or 0,
        schools_reached=totals["schools"] or 0,
        students_reached=students,
        by_year=dict(sorted(by_year.items())),
    )
