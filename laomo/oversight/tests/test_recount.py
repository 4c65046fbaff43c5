"""Every dashboard figure computed a second, independent way: plain Python over the raw rows,
with the local date taken from the stored instant (not from the denormalised starts_on or
reached_on columns), on generated data full of edge cases — talks at 23:30 on 31 December and
00:30 on 1 January Beijing time, cancelled, returned, resubmitted, school-invited and
development-zone talks, archived schools."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from laomo.core.roles import Role
from laomo.core.scoping import Scope
from laomo.core.testing.factories import (
    PersonFactory,
    RegionFactory,
    SchoolFactory,
    UserFactory,
)
from laomo.outreach.choices import BookingStatus, Level, ReportStatus, Status
from laomo.outreach.models import Booking, ProgrammeYear, Talk, TalkReport
from laomo.oversight import figures
from laomo.people.models import Person
from laomo.regions.models import Region
from laomo.schools.models import School
from laomo.schools.services import programme_start, record_reached

BEIJING = ZoneInfo("Asia/Shanghai")
TODAY = timezone.localdate()
YEARS = (2025, 2026)
STATUSES = list(Status.values)


def local(year, month, day, hour, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BEIJING)


@pytest.fixture
def programme(world):
    """The world's city with a zone, more schools and lecturers, and ~300 talks of every kind."""
    rng = random.Random(20231012)
    zone = world.zone
    counties = [world.a.region, world.b.region, zone]
    schools = [world.a.school, world.a.other_school, world.b.school, world.b.other_school]
    for index in range(24):
        county = counties[index % 3]
        schools.append(
            SchoolFactory(
                name=f"{county.name}第{index + 10}学校",
                region=county,
                stage=rng.choice(list(School.Stage.values)),
                ownership=rng.choice(list(School.Ownership.values)),
            )
        )
    archived = schools[-1]
    people = [world.a.person, world.b.person, world.city_person]
    for index in range(9):
        # Named against the order they are created in, so that a tie broken by id and one
        # broken by name come out differently.
        people.append(PersonFactory(name=f"讲师{9 - index}号", region=counties[index % 3]))
    ProgrammeYear.objects.create(
        city=world.city,
        year=2026,
        banner_template="{year}年{city}（{name}专场）",
        quota_total=20,
        quota_city=5,
        quota_county=3,
        quota_zone=2,
    )

    edges = [
        local(2025, 12, 31, 23, 30),
        local(2026, 1, 1, 0, 30),
        local(2025, 1, 1, 0, 0),
        local(2026, 12, 31, 23, 59),
        local(2023, 10, 11, 10),  # the day before the programme began
        local(2023, 10, 12, 10),  # the day it began
    ]
    talks = []
    for index in range(300):
        start = (
            edges[index]
            if index < len(edges)
            else local(
                rng.choice((2024, 2025, 2026)),
                rng.randint(1, 12),
                rng.randint(1, 28),
                rng.randint(7, 20),
            )
        )
        level = rng.choice([Level.CITY, Level.COUNTY, Level.COUNTY, Level.SCHOOL])
        school = rng.choice(schools)
        organiser = world.city if level == Level.CITY else school.region
        status = rng.choice(STATUSES)
        if start.date() > TODAY:  # a talk yet to come has not been held, let alone accepted
            status = rng.choice([Status.PLANNED, Status.CONFIRMED, Status.CANCELLED])
        talk = Talk(
            title=f"第{index}场",
            level=level,
            organiser_region=organiser,
            region=school.region,
            school=school,
            place="school",
            starts_at=start,
            ends_at=start + timedelta(hours=1, minutes=20),
            venue="hall",
            form="first_lesson",
            status=status,
            archived_at=timezone.now() if index % 97 == 5 else None,
        )
        talk.save()
        for person in rng.sample(people, rng.choice((1, 1, 2))):
            Booking.objects.create(
                talk=talk,
                person=person,
                status=rng.choice(
                    [BookingStatus.CONFIRMED, BookingStatus.CONFIRMED, BookingStatus.DECLINED]
                ),
            )
        _reports(talk, rng)
        talks.append(talk)
    archived.archived_at = timezone.now()
    archived.save()
    return {"rng": rng, "schools": schools, "people": people, "talks": talks}


def _reports(talk: Talk, rng) -> None:
    """Reports as the services leave them: accepted talks have an accepted last report (maybe
    after a returned one), returned talks a returned last report, reported talks a pending one."""

    def add(number, status):
        TalkReport.objects.create(
            talk=talk,
            number=number,
            students=rng.randint(10, 400),
            teachers=rng.randint(0, 30),
            others=rng.randint(0, 10),
            account="记述",
            status=status,
        )

    if talk.status == Status.ACCEPTED:
        if rng.random() < 0.3:
            add(1, ReportStatus.RETURNED)
            add(2, ReportStatus.ACCEPTED)
        else:
            add(1, ReportStatus.ACCEPTED)
        if talk.archived_at is None:
            record_reached(talk.school_id, timezone.localtime(talk.starts_at).date())
    elif talk.status == Status.RETURNED:
        add(1, ReportStatus.RETURNED)
    elif talk.status == Status.REPORTED:
        if rng.random() < 0.3:
            add(1, ReportStatus.RETURNED)
            add(2, ReportStatus.SUBMITTED)
        else:
            add(1, ReportStatus.SUBMITTED)


# The independent recount ------------------------------------------------------------------------


def raw_talks():
    """Every talk as a plain dict, with the local date computed here from the instant."""
    rows = []
    for talk in Talk.objects.unrestricted().values(
        "pk",
        "level",
        "status",
        "organiser_region_id",
        "region_id",
        "school_id",
        "starts_at",
        "archived_at",
    ):
        talk["day"] = talk["starts_at"].astimezone(BEIJING).date()
        rows.append(talk)
    return rows


def stage_of(status) -> str | None:
    if status == Status.ACCEPTED:
        return "accepted"
    if status in (Status.HELD, Status.REPORTED, Status.RETURNED):
        return "awaiting"
    if status in (Status.PLANNED, Status.CONFIRMED):
        return "planned"
    return None


def within(region_id, root: Region) -> bool:
    region = Region.objects.unrestricted().get(pk=region_id)
    return region.path.startswith(root.path)


def recount_quotas(scope_region: Region, year: int):
    counted: dict[tuple[int, str], Counter] = defaultdict(Counter)
    for talk in raw_talks():
        if talk["archived_at"] or talk["day"].year != year:
            continue
        stage = stage_of(talk["status"])
        if stage is None or not within(talk["organiser_region_id"], scope_region):
            continue
        kind = "invited" if talk["level"] == Level.SCHOOL else "quota"
        counted[(talk["organiser_region_id"], kind)][stage] += 1
    return counted


def test_quota_tables_equal_a_recount(world, programme):
    for year in YEARS:
        for user in ("city_union", "county_union_a", "county_union_b"):
            scope = Scope.for_user(world.user(user))
            expected = recount_quotas(scope.region, year)
            tables = figures.quota_tables(scope, year, TODAY)
            assert len(tables) == 1
            table = tables[0]
            for row in table.rows:
                mine = expected[(row.region.pk, "quota")]
                got = (row.counts.accepted, row.counts.awaiting, row.counts.planned)
                assert got == (mine["accepted"], mine["awaiting"], mine["planned"]), (
                    user,
                    year,
                    row.label,
                )
                if row.level == "county":
                    invited = expected[(row.region.pk, "invited")]
                    got = (row.invited.accepted, row.invited.awaiting, row.invited.planned)
                    assert got == (invited["accepted"], invited["awaiting"], invited["planned"])
            if user == "city_union":
                total = Counter()
                for (_region, kind), counter in expected.items():
                    if kind == "quota":
                        total.update(counter)
                counts = table.total.counts
                assert (counts.accepted, counts.awaiting, counts.planned) == (
                    total["accepted"],
                    total["awaiting"],
                    total["planned"],
                )
                zone_row = next(row for row in table.rows if row.region == world.zone)
                assert zone_row.minimum == (2 if year == 2026 else None)
            else:
                assert [row.region for row in table.rows] == [scope.region]


def test_pace_is_judged_from_the_recount(world, programme):
    scope = Scope.for_user(world.user("city_union"))
    table = figures.quota_tables(scope, 2026, TODAY)[0]
    fraction = min(max(((TODAY - date(2026, 1, 1)).days + 1) / 365, 0), 1)
    for row in table.rows:
        if row.minimum is None:
            assert row.state == "none"
            continue
        expected = int(row.minimum * fraction + 1e-9)
        if row.counts.accepted >= row.minimum:
            assert row.state == "reached"
        elif row.counts.accepted + row.counts.awaiting >= expected:
            assert row.state == "on_pace"
        else:
            assert row.state == "behind"


def recount_coverage(scope_region: Region, as_of: date):
    start = programme_start()
    first: dict[int, date] = {}
    for talk in raw_talks():
        if talk["archived_at"] or talk["status"] != Status.ACCEPTED or talk["school_id"] is None:
            continue
        if talk["day"] < start or talk["day"] > as_of:
            continue
        first[talk["school_id"]] = min(first.get(talk["school_id"], talk["day"]), talk["day"])
    schools = [
        s
        for s in School.objects.unrestricted()
        .filter(archived_at__isnull=True)
        .select_related("region")
        if s.region.path.startswith(scope_region.path)
    ]
    return schools, first


def test_coverage_equals_a_recount(world, programme):
    for user in ("city_union", "county_union_a", "county_education_b"):
        scope = Scope.for_user(world.user(user))
        for as_of in (date(2024, 12, 31), date(2025, 12, 31), TODAY):
            schools, first = recount_coverage(scope.region, as_of)
            result = figures.coverage(scope, as_of)
            assert result.total.schools == len(schools)
            assert result.total.reached == sum(1 for s in schools if s.pk in first)
            for year, reached in zip(result.years, result.total.yearly, strict=True):
                end = min(date(year, 12, 31), as_of)
                assert reached == sum(1 for s in schools if s.pk in first and first[s.pk] <= end)
            by_stage = Counter(s.stage for s in schools if s.pk in first)
            assert {row.key: row.reached for row in result.by_stage} == {
                key: by_stage[key] for key in {s.stage for s in schools}
            }
            by_owner = Counter(s.ownership for s in schools if s.pk in first)
            assert {row.key: row.reached for row in result.by_ownership} == {
                key: by_owner[key] for key in {s.ownership for s in schools}
            }
            by_region = Counter(str(s.region_id) for s in schools if s.pk in first)
            for row in result.by_region:
                assert row.reached == by_region[row.key], (user, as_of, row.label)
            assert {s.pk for s in figures.uncovered_schools(scope)} == {
                s.pk for s in schools if s.pk not in recount_coverage(scope.region, TODAY)[1]
            }


def test_talks_per_month_equal_a_recount(world, programme):
    scope = Scope.for_user(world.user("city_union"))
    for year in YEARS:
        expected = {stage: [0] * 12 for stage in ("accepted", "awaiting", "planned")}
        for talk in raw_talks():
            stage = stage_of(talk["status"])
            if talk["archived_at"] or stage is None or talk["day"].year != year:
                continue
            expected[stage][talk["day"].month - 1] += 1
        assert figures.talks_per_month(scope, year) == expected


def test_audience_and_lecturers_equal_a_recount(world, programme):
    scope = Scope.for_user(world.user("city_union"))
    for year in YEARS:
        in_year = {t["pk"] for t in raw_talks() if not t["archived_at"] and t["day"].year == year}
        accepted = TalkReport.objects.unrestricted().filter(
            status=ReportStatus.ACCEPTED, talk__in=in_year
        )
        result = figures.audience(scope, year)
        assert result.students == sum(r.students for r in accepted)
        assert result.teachers == sum(r.teachers for r in accepted)
        assert result.others == sum(r.others for r in accepted)
        assert result.talks == len(accepted)

        live = {
            t["pk"]
            for t in raw_talks()
            if not t["archived_at"] and t["day"].year == year and t["status"] != Status.CANCELLED
        }
        load = Counter()
        for booking in Booking.objects.unrestricted().filter(status=BookingStatus.CONFIRMED):
            if booking.talk_id in live:
                load[booking.person_id] += 1
        lecturers = figures.lecturer_load(scope, year, top=100)
        assert {item.person_id: item.talks for item in lecturers.busiest} == dict(load)
        assert lecturers.overloaded == sum(1 for n in load.values() if n > lecturers.limit)
        # The busiest: by load, then name (code point order), then id, cut at `top` even
        # inside a tie, exactly as the lecturers' page sorts them in the database.
        names = dict(Person.objects.unrestricted().values_list("pk", "name"))
        ranked = sorted(load, key=lambda pk: (-load[pk], names[pk], pk))
        assert len(set(load.values())) < len(load), "the data must hold ties to break"
        for top in range(1, len(ranked) + 1):
            busiest = [
                item.person_id for item in figures.lecturer_load(scope, year, top=top).busiest
            ]
            assert busiest == ranked[:top]
        page = [row["person_id"] for row in figures.lecturer_loads(scope, year)]
        assert page == ranked
    never = [
        p
        for p in Person.objects.unrestricted().filter(archived_at__isnull=True, active=True)
        if not Booking.objects.unrestricted().filter(person=p).exists()
    ]
    assert figures.lecturer_load(scope, 2026).never_invited == len(never)


def test_a_lecturers_own_figures_equal_a_recount(world, programme):
    lecturer = world.user("lecturer_a")
    scope = Scope.for_user(lecturer)
    mine = [
        t
        for t in raw_talks()
        if t["status"] == Status.ACCEPTED
        and Booking.objects.unrestricted()
        .filter(talk_id=t["pk"], person=lecturer.person, status=BookingStatus.CONFIRMED)
        .exists()
    ]
    result = figures.lecturer_figures(scope, lecturer.person_id)
    assert result.talks_given == len(mine)
    assert result.schools_reached == len({t["school_id"] for t in mine})
    students = sum(
        r.students
        for r in TalkReport.objects.unrestricted().filter(
            status=ReportStatus.ACCEPTED, talk__in=[t["pk"] for t in mine]
        )
    )
    assert result.students_reached == students
    assert result.by_year == dict(sorted(Counter(t["day"].year for t in mine).items()))


def test_the_year_boundary_is_the_local_date(world, programme):
    late, early = (
        Talk.objects.unrestricted().get(title="第0场"),
        Talk.objects.unrestricted().get(title="第1场"),
    )
    assert late.starts_on == date(2025, 12, 31)
    assert early.starts_on == date(2026, 1, 1)
    # Stored in UTC both are on 31 December: the recount and the figures go by Beijing time.
    assert late.starts_at.astimezone(ZoneInfo("UTC")).date() == date(2025, 12, 31)
    assert early.starts_at.astimezone(ZoneInfo("UTC")).date() == date(2025, 12, 31)


def test_a_province_account_sees_one_table_per_city(world, programme):
    second_city = RegionFactory(
        code="640500", name="中卫市", level=Region.Level.CITY, parent=world.province
    )
    RegionFactory(code="640502", name="沙坡头区", level=Region.Level.COUNTY, parent=second_city)
    user = UserFactory(username="province", role=Role.CITY_UNION, region=world.province)
    tables = figures.quota_tables(Scope.for_user(user), 2026, TODAY)
    assert [table.city.name for table in tables] == ["固原市", "中卫市"]
    city_total = figures.quota_tables(Scope.for_user(world.user("city_union")), 2026, TODAY)[
        0
    ].total
    assert tables[0].total.counts == city_total.counts
