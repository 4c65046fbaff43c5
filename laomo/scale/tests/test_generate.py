"""The city preset of `generate-scale`: sizes within the stated ranges, every derived column equal
to what save() and the services would have written, no lecturer booked twice at once, and every
status, level and edge the programme knows."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from laomo.accounts.models import User
from laomo.core.scoping import Scope
from laomo.core.text import pinyin_keys
from laomo.outreach import photos as photo_checks
from laomo.outreach.choices import BookingStatus, Level, Place, ReportStatus, Status
from laomo.outreach.models import Booking, ReportPhoto, Talk, TalkReport
from laomo.people.models import Honour, LectureGroup, Membership, Person
from laomo.regions.models import Organisation, Region
from laomo.scale.generator import ScaleError, generate
from laomo.schools.models import School
from laomo.schools.services import programme_start

TODAY = date(2026, 6, 15)
PASSWORD = "Scale-test-2026"


@pytest.fixture
def city(db):
    return generate("city", seed=7, today=TODAY, password=PASSWORD)


def _talks():
    return Talk.objects.unrestricted()


def test_sizes_are_those_of_a_city(city):
    regions = Counter(Region.objects.unrestricted().values_list("level", flat=True))
    assert regions == {"country": 1, "province": 1, "city": 1, "county": 5, "zone": 1}
    assert 360 <= School.objects.unrestricted().count() <= 440
    assert Person.objects.unrestricted().count() == 60
    assert 380 <= _talks().count() <= 420
    years = {day.year for day in _talks().values_list("starts_on", flat=True)}
    assert years == set(range(TODAY.year - 4, TODAY.year + 1))
    assert Honour.objects.count() >= 60
    assert LectureGroup.objects.unrestricted().filter(region__level="city").exists()
    assert LectureGroup.objects.unrestricted().filter(region__level="county").count() == 5
    assert Membership.objects.count() >= 40
    unions = Organisation.objects.unrestricted().filter(kind="union").count()
    bureaus = Organisation.objects.unrestricted().filter(kind="education").count()
    assert (unions, bureaus) == (7, 6)  # the zone has a union and no bureau, as in the demo
    assert city.counts["talks"] == _talks().count()
    assert city.counts["photos"] == ReportPhoto.objects.unrestricted().count()


def test_every_stage_ownership_status_and_level_occurs(city):
    assert set(School.objects.unrestricted().values_list("stage", flat=True)) == set(
        School.Stage.values
    )
    assert set(School.objects.unrestricted().values_list("ownership", flat=True)) == {
        "public",
        "private",
    }
    assert set(_talks().values_list("status", flat=True)) == set(Status.values)
    assert set(_talks().values_list("level", flat=True)) == set(Level.values)
    assert set(_talks().values_list("place", flat=True)) == set(Place.values)
    assert set(TalkReport.objects.unrestricted().values_list("status", flat=True)) == set(
        ReportStatus.values
    )
    assert set(Booking.objects.unrestricted().values_list("status", flat=True)) == set(
        BookingStatus.values
    )
    zone = Region.objects.unrestricted().get(level="zone")
    assert _talks().filter(organiser_region=zone, level=Level.COUNTY).exists()
    assert Honour.objects.values("level").distinct().count() == 4


def test_starts_on_is_the_local_date_of_starts_at(city):
    rows = list(_talks().values_list("starts_at", "starts_on"))
    assert all(timezone.localtime(at).date() == on for at, on in rows)
    # Talks at 07:30 Beijing time are on the previous day in UTC: the edge is really there.
    assert any(at.date() != on for at, on in rows)
    edges = {(on.month, on.day) for at, on in rows if at.date() != on}
    assert {(12, 31), (1, 1)} <= edges


def test_reached_on_is_the_first_accepted_talk_since_the_programme_began(city):
    first: dict[int, date] = {}
    for school_id, day in (
        _talks()
        .filter(status=Status.ACCEPTED, school__isnull=False)
        .values_list("school_id", "starts_at")
    ):
        local = timezone.localtime(day).date()
        if local >= programme_start() and (school_id not in first or local < first[school_id]):
            first[school_id] = local
    stored = dict(School.objects.unrestricted().values_list("pk", "reached_on"))
    assert stored == {pk: first.get(pk) for pk in stored}
    assert 0 < sum(1 for day in stored.values() if day) < len(stored)
    assert city.counts["schools_reached"] == len(first)


def test_search_text_and_paths_are_what_save_writes(city):
    for school in School.objects.unrestricted():
        expected = " ".join([school.name.lower(), pinyin_keys(school.name), school.code]).strip()
        assert school.search_text == expected, school.name
    for person in Person.objects.unrestricted():
        stored = person.search_text
        person.refresh_search_text()
        assert stored == person.search_text, person.name
    for region in Region.objects.unrestricted().select_related("parent"):
        parent = region.parent.path if region.parent else "/"
        assert region.path == f"{parent}{region.code}/"
    assert set(School.objects.unrestricted().values_list("is_demo", flat=True)) == {True}


def test_photo_columns_follow_from_the_hash_and_the_capture_time(city):
    photos = ReportPhoto.objects.unrestricted().select_related("report__talk")
    for photo in photos:
        assert len(photo.phash) == 16
        assert (photo.band0, photo.band1, photo.band2, photo.band3) == photo_checks.bands(
            photo.phash
        )
        assert photo.date_mismatch == photo_checks.capture_date_mismatch(
            photo.taken_at, photo.report.talk
        )
    assert photos.filter(date_mismatch=True).exists()
    for photo in photos.filter(duplicate_of__isnull=False).select_related("duplicate_of__report"):
        assert photo.duplicate_of.report.talk_id != photo.report.talk_id
        distance = photo_checks.hamming(photo.phash, photo.duplicate_of.phash)
        assert distance <= photo_checks.NEAR_DUPLICATE_DISTANCE


def test_no_lecturer_is_booked_twice_at_once(city):
    live = (
        Booking.objects.unrestricted()
        .filter(status__in=[BookingStatus.INVITED, BookingStatus.CONFIRMED])
        .exclude(talk__status=Status.CANCELLED)
        .filter(talk__archived_at__isnull=True)
        .values_list("person_id", "talk__starts_at", "talk__ends_at")
    )
    windows = defaultdict(list)
    for person, starts, ends in live:
        windows[person].append((starts, ends))
    for person, spans in windows.items():
        spans.sort()
        for (_s1, e1), (s2, _e2) in itertools.pairwise(spans):
            assert e1 <= s2, f"person {person} double-booked at {s2}"
    # The app's own rule agrees, on a sample.
    for booking in Booking.objects.unrestricted().select_related("talk", "person")[:50]:
        clashes = (
            Booking.objects.unrestricted()
            .overlapping(booking.person, booking.talk.starts_at, booking.talk.ends_at)
            .exclude(talk=booking.talk)
        )
        assert not clashes.exists()


def test_reports_and_bookings_agree_with_the_talks_status(city):
    reports = defaultdict(list)
    for report in TalkReport.objects.unrestricted().order_by("talk_id", "number"):
        reports[report.talk_id].append(report)
    answers = defaultdict(set)
    for talk_id, status in Booking.objects.unrestricted().values_list("talk_id", "status"):
        answers[talk_id].add(status)
    latest_of = {
        Status.ACCEPTED: ReportStatus.ACCEPTED,
        Status.RETURNED: ReportStatus.RETURNED,
        Status.REPORTED: ReportStatus.SUBMITTED,
    }
    photos = Counter(ReportPhoto.objects.unrestricted().values_list("report_id", flat=True))
    for talk in _talks():
        filed = reports[talk.pk]
        assert [r.number for r in filed] == list(range(1, len(filed) + 1))
        if talk.status in latest_of:
            assert filed[-1].status == latest_of[talk.status]
            assert all(r.status == ReportStatus.RETURNED for r in filed[:-1])
        else:
            assert not filed, talk.status
        for report in filed:
            assert report.audience >= 30
            assert photos[report.pk] >= 3
            assert report.submitted_at >= talk.ends_at
            assert report.decided_at is None or report.decided_at >= report.submitted_at
        live = answers[talk.pk] - {BookingStatus.DECLINED}
        assert live, talk.pk
        if talk.status == Status.PLANNED:
            assert BookingStatus.INVITED in live
        elif talk.status != Status.CANCELLED:
            assert live == {BookingStatus.CONFIRMED}
        if talk.starts_on >= TODAY:
            assert talk.status in (Status.PLANNED, Status.CONFIRMED, Status.CANCELLED)
        if talk.level == Level.SCHOOL:
            assert talk.place == Place.SCHOOL
            assert talk.organiser_region_id == talk.region_id


def test_every_report_shows_banner_lecturer_and_audience(city):
    flags = defaultdict(lambda: [False, False, False])
    for report_id, *shows in ReportPhoto.objects.unrestricted().values_list(
        "report_id", "shows_banner", "shows_lecturer", "shows_audience"
    ):
        flags[report_id] = [a or b for a, b in zip(flags[report_id], shows, strict=True)]
    assert flags
    assert all(all(shown) for shown in flags.values())


def test_accounts_see_what_their_region_holds(city):
    national = User.objects.get(username="national")
    national.full_clean(exclude=["password"])
    assert national.check_password(PASSWORD)
    assert national.region.level == Region.Level.COUNTRY
    total = _talks().count()
    assert Talk.objects.restrict(Scope.for_user(national)).count() == total
    county = User.objects.get(username="county-640402")
    seen = Talk.objects.restrict(Scope.for_user(county))
    assert 0 < seen.count() < total
    assert not seen.exclude(region__code="640402").exclude(organiser_region__code="640402")
    assert User.objects.filter(username="city-640400", role="city_union").exists()


def test_refuses_a_database_that_holds_talks(city, capsys):
    with pytest.raises(ScaleError):
        generate("city", seed=7, today=TODAY, password=PASSWORD)
    with pytest.raises(CommandError, match="已有宣讲活动"):
        call_command("generate_scale", preset="city")


def test_the_command_prints_stages_and_accounts(db, capsys):
    call_command("generate_scale", preset="city", seed=3, password=PASSWORD)
    out = capsys.readouterr().out
    assert "宣讲活动、邀请、报送、照片" in out
    for expected in ("national", "city-640400", PASSWORD):
        assert expected in out
    assert "未写入修改历史" in out
