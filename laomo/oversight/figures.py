"""The figures that go upward: quotas (002 三(一)3), coverage (一), talks, lecturers and
audience. Every figure is counted in the database from the caller's scope, in a fixed number of
queries whatever the size of the data, and carries the filter that lists what it counts.

Definitions, kept in one place:
- a talk counts towards the quota of its organising region in the year of its (local) date,
  once its report is accepted; talks taken place and awaiting acceptance (held, reported,
  returned) and those planned (planned, confirmed) are shown beside; cancelled ones not at all;
- school-invited talks are outside the quotas and shown beside them (三(二));
- a school is reached from the date of its first accepted talk since the programme began;
- a lecturer's load is the talks of the year (not cancelled) they have confirmed;
- archived talks and schools count nowhere.

The lists behind the figures: quota, month and audience figures open the talk list
(`outreach:talk-list`) with its stage/level/organiser/since/until filters; coverage figures open
the coverage list (`oversight:coverage`), which can say "reached by date X" for any X and isolate
the schools kept at city level; lecturers' loads open `oversight:lecturers` and
`oversight:lecturer-talks`, which count confirmed bookings only (the talk list's lecturer filter
counts every invitation, declined ones included); never-invited lecturers open the person list.
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.urls import get_script_prefix, reverse

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
WIDE_LEVELS = (Region.Level.PROVINCE, Region.Level.COUNTRY)


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


@functools.cache
def _path(name: str, prefix: str) -> str:
    return reverse(name)


def _url(name: str, params: dict) -> str:
    """A list page's address with its filters (the path reversed once: a country's quota table
    holds some twenty thousand of these)."""
    path = _path(name, get_script_prefix())
    query = {key: value for key, value in params.items() if value not in (None, "")}
    return f"{path}?{urlencode(query)}" if query else path


def talk_list_url(**params) -> str:
    return _url("outreach:talk-list", params)


@dataclass
class Lapsed:
    """时间已过: the caller's talks whose time has passed while still planned or confirmed."""

    count: int
    url: str


def lapsed_talks(scope) -> Lapsed:
    """The dashboard's 时间已过 card and the list it opens count the same rows: the talks the list
    shows the caller (`restrict(scope)`, not archived), through the one `lapsed()` filter that
    the list's `stage=lapsed` applies. Not bound to the dashboard's year: a lapse waits for
    someone to settle it whatever year it fell in."""
    count = Talk.objects.restrict(scope).current().lapsed().count()
    return Lapsed(count, talk_list_url(stage="lapsed"))


def coverage_list_url(**params) -> str:
    """The coverage list: `reached` is "no" when absent, "yes" or "all"; `as_of` a date."""
    return _url("oversight:coverage", params)


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
    level: str  # "total", "city" or "county" (the development zone is a "county" row)
    minimum: int | None
    counts: Counts
    fraction: float
    year: int
    filters: dict = field(default_factory=dict)  # the talk list's filters for this quota
    invited: Counts = field(default_factory=Counts)  # school-invited, outside the quota
    invited_filters: dict = field(default_factory=dict)
    # For a total: the quotas it is made of (the city's own and each county's; a province's
    # cities). The plan requires each as much as the total (002 三(一)3).
    parts: list[QuotaRow] = field(default_factory=list)

    # The links are made when a page shows the row: a country's quota table holds some
    # twenty thousand of them, and shows thirty rows.
    @functools.cached_property
    def urls(self) -> dict[str, str]:
        return _stage_urls(self.year, **self.filters)

    @functools.cached_property
    def invited_urls(self) -> dict[str, str]:
        return _stage_urls(self.year, **self.invited_filters)

    @property
    def expected(self) -> int:
        """Talks that should have taken place by now at an even pace (rounded down)."""
        return math.floor((self.minimum or 0) * self.fraction + 1e-9)

    @property
    def missing(self) -> list[QuotaRow]:
        """The parts of a total whose own quota is not complete."""
        return [part for part in self.parts if part.state not in ("none", "reached")]

    @property
    def state(self) -> str:
        if self.minimum is None:
            return "none"
        if self.counts.accepted >= self.minimum:
            missing = self.missing
            if not missing:
                return "reached"
            # The total is met and a part is not: as far along as the part furthest behind.
            return "behind" if any(part.state == "behind" for part in missing) else "on_pace"
        if self.counts.done >= self.expected:
            return "on_pace"
        return "behind"

    @property
    def missing_label(self) -> str:
        """What of a total is not complete, e.g. "西吉县、隆德县未达3场" ("" if nothing)."""
        by_minimum: dict[int, list[str]] = {}
        whole = []
        for part in self.missing:
            if part.parts:
                whole.append(part.region.name)
            else:
                name = "市级统筹" if part.level == "city" else part.region.name
                by_minimum.setdefault(part.minimum, []).append(name)
        texts = [f"{'、'.join(names)}未达{minimum}场" for minimum, names in by_minimum.items()]
        if whole:
            texts.append(f"{'、'.join(whole)}未完成")
        return "，".join(texts)

    @property
    def missing_note(self) -> str:
        """What of a total is missing, where the state's label does not already say it."""
        if self.minimum is None or self.counts.accepted >= self.minimum:
            return ""
        return self.missing_label

    @property
    def state_label(self) -> str:
        if self.minimum is not None and self.counts.accepted >= self.minimum and self.missing:
            where = "全市" if self.region.level == Region.Level.CITY else self.region.name
            return f"{where}已达{self.minimum}场，{self.missing_label}"
        if self.fraction >= 1 and self.state in ("on_pace", "behind"):
            # The year is over: no pace left to keep. Enough talks took place but some still
            # await acceptance (they count for this year once accepted), or too few took place.
            return "待验收后完成" if self.state == "on_pace" else "未完成"
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
        .filter(scope.region_q("organiser_region"))
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
                year=year,
                filters={"level": Level.CITY, "organiser": city.pk},
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
                    year=year,
                    filters={"level": Level.COUNTY, "organiser": county.pk},
                    invited=invited_counts[county.pk],
                    invited_filters={"level": Level.SCHOOL, "organiser": county.pk},
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
            year=year,
            filters={"level": "quota", "organiser": city.pk},
            invited=invited_total,
            invited_filters={"level": Level.SCHOOL, "organiser": city.pk},
            parts=list(rows),
        )
        if scope.is_county:
            rows = [row for row in rows if row.region.pk == scope.region.pk]
        tables.append(QuotaTable(city, year, programme, fraction, total, rows))
    return tables


def grand_total(scope, tables: list[QuotaTable]) -> QuotaRow | None:
    """For a province or the country: its cities' totals added up, against the sum of their
    minimums. None for a city or county, whose own total is in its table."""
    region = scope.region
    if region is None or region.level not in WIDE_LEVELS or not tables:
        return None
    counts, invited = Counts(), Counts()
    for table in tables:
        counts.add(table.total.counts)
        invited.add(table.total.invited)
    year = tables[0].year
    return QuotaRow(
        label=f"{region.name}合计",
        region=region,
        level="total",
        minimum=sum(table.total.minimum or 0 for table in tables),
        counts=counts,
        fraction=tables[0].fraction,
        year=year,
        filters={"level": "quota", "organiser": region.pk},
        invited=invited,
        invited_filters={"level": Level.SCHOOL, "organiser": region.pk},
        parts=[table.total for table in tables],
    )


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
    code: str = ""  # the region's code, for rows that are regions
    filters: dict = field(default_factory=dict)  # the coverage list's filters for this row
    as_of: date | None = None
    year_ends: list[date] = field(default_factory=list)  # the day each year's count stops

    # The links are made when a page shows them (a country's rows are some three hundred).
    @functools.cached_property
    def url(self) -> str:
        """Every school of the row."""
        return coverage_list_url(reached="all", **self.filters)

    @functools.cached_property
    def uncovered_url(self) -> str:
        """Those not reached by `as_of`."""
        return coverage_list_url(as_of=self.as_of.isoformat(), **self.filters)

    @functools.cached_property
    def reached_url(self) -> str:
        """Those reached by `as_of`."""
        return coverage_list_url(reached="yes", as_of=self.as_of.isoformat(), **self.filters)

    @functools.cached_property
    def yearly_urls(self) -> list[str]:
        """Those reached by each year's end."""
        return [
            coverage_list_url(reached="yes", as_of=end.isoformat(), **self.filters)
            for end in self.year_ends
        ]

    @property
    def uncovered(self) -> int:
        return self.schools - self.reached

    @property
    def rate(self) -> float:
        return self.reached / self.schools if self.schools else 0.0

    @property
    def percent(self) -> str:
        return f"{self.rate * 100:.1f}%"

    @property
    def width(self) -> str:
        """The rate as a CSS percentage without the sign (a progress bar's width)."""
        return f"{self.rate * 100:.1f}"


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

    @property
    def goal_schools(self) -> int:
        """Schools that should be reached by `as_of` on that even march (rounded up)."""
        return math.ceil(self.total.schools * self.goal_fraction - 1e-9)

    @property
    def goal_percent(self) -> str:
        return f"{self.goal_fraction * 100:.1f}%"

    @property
    def goal_width(self) -> str:
        return f"{self.goal_fraction * 100:.1f}"

    @property
    def by_year(self) -> list[tuple[int, int, str]]:
        """(year, schools reached by its end, the list of them) for every year so far."""
        return list(zip(self.years, self.total.yearly, self.total.yearly_urls, strict=True))

    @property
    def behind_goal(self) -> bool:
        return self.total.reached < self.goal_schools

    def year_end(self, year: int) -> date:
        return min(date(year, 12, 31), self.as_of)

    def goal_by(self, day: date) -> float:
        span = (self.goal - self.start).days
        return min(max((day - self.start).days / span, 0.0), 1.0) if span else 1.0


def coverage(scope, as_of: date) -> Coverage:
    """Schools reached by `as_of`, by county (or city), stage and ownership, year by year. Two
    queries: the regions the rows are for, and the schools in scope counted in one GROUP BY
    (region, stage, ownership), which is folded here into every breakdown and the total."""
    start = programme_start()
    goal = date(start.year + settings.LAOMO_COVERAGE_YEARS, start.month, start.day)
    years = list(range(start.year, max(as_of.year, start.year) + 1))
    ends = [min(date(year, 12, 31), as_of) for year in years]
    # The counts of a group: its schools, those reached by `as_of`, by each year's end.
    counts = {
        "n": Count("pk"),
        "reached": Count("pk", filter=Q(reached_on__lte=as_of)),
        **{
            f"by_end_{index}": Count("pk", filter=Q(reached_on__lte=end))
            for index, end in enumerate(ends)
        },
    }
    names = list(counts)
    groups = (
        School.objects.restrict(scope)
        .current()
        .order_by()
        .values_list("region__path", "stage", "ownership")
        .annotate(**counts)
    )
    region_rows, target_of = _region_targets(scope)
    sums: dict[tuple[str, object], list[int]] = defaultdict(lambda: [0] * len(names))
    for path, stage, ownership, *values in groups:
        keys = [("total", None), ("stage", stage), ("ownership", ownership)]
        target = target_of(path)
        if target is not None:
            keys.append(("region", target))
        for key in keys:
            into = sums[key]
            for index, value in enumerate(values):
                into[index] += value

    def row(label, key, found, code="", **filters) -> CoverageRow:
        return CoverageRow(
            label=str(label),
            key=str(key),
            code=code,
            schools=found[0],
            reached=found[1],
            yearly=found[2:],
            filters=filters,
            as_of=as_of,
            year_ends=ends,
        )

    def rows(group: str, labels: dict) -> list[CoverageRow]:
        return [
            row(label, key, sums[(group, key)], **{group: key})
            for key, label in labels.items()
            if (group, key) in sums
        ]

    return Coverage(
        as_of=as_of,
        start=start,
        goal=goal,
        years=years,
        total=row("合计", "total", sums[("total", None)]),
        by_region=[
            row(label, region.pk, sums[("region", region.pk)], region.code, **filters)
            for region, label, filters in region_rows
            if ("region", region.pk) in sums
        ],
        by_stage=rows("stage", dict(School.Stage.choices)),
        by_ownership=rows("ownership", dict(School.Ownership.choices)),
    )


def _region_targets(scope):
    """The region rows of the coverage table, and which row a school's region path falls in.

    A city's rows are its counties; a province's or the country's, its cities; a county's, the
    county itself. Schools kept at the scope's own level (a city's 市直 schools) get a row of
    their own, last, so that the rows add up to the total. Rows are (region, label, filters of
    the coverage list)."""
    region = scope.region
    if region is None:
        return [], lambda path: None
    wide = region.level in WIDE_LEVELS
    if region.is_county_level:
        row_regions = [region]
    elif region.level == Region.Level.CITY:
        row_regions = list(Region.objects.unrestricted().filter(parent=region).order_by("code"))
    else:
        row_regions = list(
            Region.objects.unrestricted()
            .filter(path__startswith=region.path, level=Region.Level.CITY)
            .order_by("code")
        )
    rows = [(r, r.name, {"city": r.pk} if wide else {"region": r.pk}) for r in row_regions]
    by_path = {r.path: r.pk for r in row_regions}
    if region.pk not in by_path.values():
        label = f"{region.name}（本级）" if wide else f"{region.name}（市直）"
        rows.append((region, label, {"region": region.pk}))
        own = region.pk
    else:
        own = None

    @functools.cache
    def target_of(path: str):
        return next((by_path[p] for p in _prefixes(path) if p in by_path), own)

    return rows, target_of


def _prefixes(path: str) -> list[str]:
    """ "/1/2/3/" → ["/1/2/3/", "/1/2/", "/1/"], the region and those above it."""
    parts = [part for part in path.split("/") if part]
    return ["/" + "/".join(parts[:n]) + "/" for n in range(len(parts), 0, -1)]


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


def month_urls(year: int, stage: str) -> list[str]:
    """The talk list of each month of `year` at `stage`: what each bar of the month chart counts.
    The same for everyone, so made once (the month table and its chart show them on every
    dashboard)."""
    return list(_month_urls(year, stage, get_script_prefix()))


@functools.lru_cache(maxsize=256)
def _month_urls(year: int, stage: str, prefix: str) -> tuple[str, ...]:
    urls = []
    for month in range(1, 13):
        first = date(year, month, 1)
        last = date(year + (month == 12), month % 12 + 1, 1).toordinal() - 1
        urls.append(
            talk_list_url(
                stage=stage,
                since=first.isoformat(),
                until=date.fromordinal(last).isoformat(),
            )
        )
    return tuple(urls)


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
    overloaded_url: str = ""
    active_url: str = ""
    all_url: str = ""


def live_talks(scope, year: int):
    """The talks of the year a lecturer's load is counted over: in scope, not archived, not
    cancelled."""
    since, until = year_bounds(year)
    return (
        Talk.objects.restrict(scope)
        .current()
        .exclude(status=Status.CANCELLED)
        .filter(starts_on__gte=since, starts_on__lte=until)
    )


def lecturer_loads(scope, year: int):
    """Each lecturer's load in the year, busiest first: rows of person_id, person__name,
    person__region__name and n (talks confirmed). A queryset, so that a page counts and slices
    it in the database."""
    return (
        Booking.objects.unrestricted()
        .filter(talk__in=live_talks(scope, year), status=BookingStatus.CONFIRMED)
        .order_by()
        .values("person_id", "person__name", "person__region__name")
        .annotate(n=Count("talk", distinct=True))
        .order_by("-n", "person__name", "person_id")
    )


def lecturer_talks(scope, year: int, person_id: int):
    """The talks of the year a lecturer has confirmed: what their load counts."""
    confirmed = Booking.objects.unrestricted().filter(
        talk=OuterRef("pk"), person_id=person_id, status=BookingStatus.CONFIRMED
    )
    return live_talks(scope, year).filter(Exists(confirmed))


def lecturer_talks_url(person_id: int, year: int) -> str:
    return f"{reverse('oversight:lecturer-talks', args=[person_id])}?year={year}"


def lecturer_load(scope, year: int, *, top: int = 10) -> Lecturers:
    """Who carries too much (more than settings.LAOMO_LECTURER_YEARLY_LIMIT confirmed talks a
    year), and how many active lecturers have never been invited at all.

    Three queries: each lecturer's load (grouped once; the busiest and the overloaded are both
    read from it here), the names of those who may be among the busiest, and the active and
    never-invited lecturers counted together."""
    limit = settings.LAOMO_LECTURER_YEARLY_LIMIT
    loads = dict(
        Booking.objects.unrestricted()
        .filter(talk__in=live_talks(scope, year), status=BookingStatus.CONFIRMED)
        .order_by()
        .values_list("person_id")
        .annotate(n=Count("talk", distinct=True))
    )
    # The busiest are sorted by load, then name, then id (as `lecturer_loads` sorts): every
    # lecturer tied with the last of them is a candidate, and only the candidates' names are read.
    loads_desc = sorted(loads.values(), reverse=True)
    cutoff = loads_desc[top - 1] if len(loads_desc) >= top else 0
    candidates = [pk for pk, n in loads.items() if n >= cutoff]
    names = dict(
        Person.objects.unrestricted().filter(pk__in=candidates).order_by().values_list("pk", "name")
    )
    busiest = sorted(candidates, key=lambda pk: (-loads[pk], names[pk], pk))[:top]
    people = Person.objects.restrict(scope).current().filter(active=True)
    counted = people.aggregate(
        active=Count("pk"),
        never=Count("pk", filter=~Q(Exists(Booking.objects.filter(person=OuterRef("pk"))))),
    )
    person_list = reverse("people:person-list")
    load_list = reverse("oversight:lecturers")
    return Lecturers(
        busiest=[
            LecturerLoad(pk, names[pk], loads[pk], lecturer_talks_url(pk, year)) for pk in busiest
        ],
        overloaded=sum(1 for n in loads_desc if n > limit),
        limit=limit,
        never_invited=counted["never"],
        never_invited_url=f"{person_list}?invited=never&active=1",
        active=counted["active"],
        overloaded_url=f"{load_list}?{urlencode({'year': year, 'over': 1})}",
        active_url=f"{person_list}?active=1",
        all_url=f"{load_list}?{urlencode({'year': year})}",
    )


@dataclass
class Audience:
    students: int
    teachers: int
    others: int
    talks: int
    url: str = ""  # the accepted talks of the year, whose reports counted the audience

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
        url=_stage_urls(year)["accepted"],
    )


@dataclass
class LecturerFigures:
    talks_given: int
    schools_reached: int
    students_reached: int
    by_year: dict[int, int]


def given_talks(scope, person_id: int):
    """The talks a lecturer has given: accepted, with their booking confirmed, not archived."""
    confirmed = Booking.objects.unrestricted().filter(
        talk=OuterRef("pk"), person_id=person_id, status=BookingStatus.CONFIRMED
    )
    return Talk.objects.restrict(scope).current().filter(Exists(confirmed), status=Status.ACCEPTED)


def lecturer_figures(scope, person_id: int) -> LecturerFigures:
    """A lecturer's own: accepted talks given, distinct schools, students counted."""
    accepted = given_talks(scope, person_id)
    by_day = accepted.order_by().values("starts_on").annotate(n=Count("pk"))
    by_year: dict[int, int] = defaultdict(int)
    for row in by_day:
        by_year[row["starts_on"].year] += row["n"]
    totals = accepted.order_by().aggregate(
        talks=Count("pk"),
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
