"""The demo talks: every status, level and place, each through the services; loading twice adds
nothing."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.db.models import Count

from laomo.core import demo
from laomo.notices.models import Notification
from laomo.outreach.choices import BookingStatus, Level, Place, ReportStatus, Status
from laomo.outreach.demo import TALKS
from laomo.outreach.models import Booking, ReportPhoto, Talk, TalkReport


def counts() -> dict[str, object]:
    talks = Talk.objects.unrestricted()
    return {
        "talks": talks.count(),
        "demo talks": talks.filter(is_demo=True).count(),
        "bookings": Booking.objects.unrestricted().count(),
        "reports": TalkReport.objects.unrestricted().count(),
        "photos": ReportPhoto.objects.unrestricted().count(),
        "notices": Notification.objects.unrestricted().count(),
        "statuses": dict(talks.values_list("status").annotate(n=Count("id"))),
    }


def test_no_lecturer_is_booked_twice_in_three_days():
    """Talks planned days apart: moved off weekends and holidays, they also skip a day on which
    their lecturer already speaks (see `_Loader.day_of`)."""
    days = defaultdict(list)
    for spec in TALKS:
        for lecturer in spec.lecturers:
            days[lecturer].append(spec.day)
    for lecturer, booked in days.items():
        booked.sort()
        gaps = [later - earlier for earlier, later in pairwise(booked)]
        assert all(gap >= 3 for gap in gaps), f"{lecturer}: {booked}"
    assert len({spec.title for spec in TALKS}) == len(TALKS), "a title names one demo talk"


# A Wednesday from which seven of the demo's school talks, counted in days, would fall on a
# weekday public holiday (清明、五一、国庆、元旦 …): they must move to school days.
NOW = datetime(2026, 5, 13, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_seeding_twice_gives_the_same_data_with_every_status(db, client):
    """(One test: loading the talks takes seconds.)"""
    seeded = demo.seed(now=NOW)
    summary = seeded.talks
    assert summary is not None
    assert not summary.skipped, summary.skipped
    assert summary.added == len(TALKS)
    first = counts()

    again = demo.seed(now=NOW)
    assert again.talks.added == again.talks.reports == again.talks.photos == 0
    assert counts() == first
    assert str(again.talks).startswith(f"演示宣讲活动共{len(TALKS)}场")

    talks = Talk.objects.unrestricted().filter(is_demo=True)
    assert set(first["statuses"]) == set(Status.values)
    assert set(talks.values_list("level", flat=True)) == set(Level.values)
    assert set(talks.values_list("place", flat=True)) == set(Place.values)
    county_planners = set(
        talks.filter(level=Level.COUNTY).values_list("organiser_region__name", flat=True)
    )
    assert county_planners == {
        "原州区",
        "西吉县",
        "隆德县",
        "泾源县",
        "彭阳县",
        "固原经济技术开发区",
    }
    assert 40 <= first["demo talks"] <= 60
    shows_what_the_checks_and_reminders_are_for()
    holds_school_talks_on_school_days_only()
    shows_something_on_the_public_showcase(client)


def holds_school_talks_on_school_days_only():
    talks = Talk.objects.unrestricted().filter(is_demo=True, place=Place.SCHOOL)
    days = {talk.title: talk.local_date for talk in talks}
    assert len(days) > 30
    off = {title: day for title, day in days.items() if not chinese_calendar.is_workday(day)}
    assert off == {}
    # Counted from NOW, these fell on holidays (not weekends): the rule was needed, and held.
    today = NOW.date()
    on_holiday = {
        spec.title: today + timedelta(days=spec.day)
        for spec in TALKS
        if spec.title in days
        and (today + timedelta(days=spec.day)).weekday() < 5
        and chinese_calendar.is_holiday(today + timedelta(days=spec.day))
    }
    assert len(on_holiday) >= 5
    assert all(days[title] != holiday for title, holiday in on_holiday.items())


def shows_something_on_the_public_showcase(client):
    response = client.get("/showcase/")
    assert response.status_code == 200
    shown = list(response.context["talks"])
    assert shown, "a fresh demo has something on the public showcase"
    for talk in shown:
        assert talk.accepted
        assert any(report.shown_photos for report in talk.accepted)
        assert all(
            report.public_consent_at
            for report in talk.reports.unrestricted().filter(status=ReportStatus.ACCEPTED)
        )
    photo = next(p for talk in shown for report in talk.accepted for p in report.shown_photos)
    assert client.get(f"/showcase/photos/{photo.pk}/").status_code == 200


def test_demo_genders_fit_the_names(db):
    """Each demo person's gender is given with the name; women's given names here end in
    characters like 兰、梅、燕、霞、娟、花、英、玲、莲."""
    from laomo.people.models import Person

    demo.seed(talks=False)
    people = list(Person.objects.unrestricted().filter(is_demo=True))
    assert len(people) > 30
    feminine = set("兰梅燕霞娟花英玲莲")
    wrong = [
        (person.name, person.gender)
        for person in people
        if person.gender != ("女" if person.name[-1] in feminine else "男")
    ]
    assert wrong == []
    # The city's roster as printed in the implementation plan (002, 附件).
    roster = dict(
        Person.objects.unrestricted()
        .filter(name__in=["何成斌", "张小玲", "马国霞", "马金莲", "李强"])
        .values_list("name", "gender")
    )
    assert roster == {"何成斌": "男", "张小玲": "女", "马国霞": "女", "马金莲": "女", "李强": "男"}


def shows_what_the_checks_and_reminders_are_for():
    reports = TalkReport.objects.unrestricted()
    accepted = reports.filter(status=ReportStatus.ACCEPTED)
    assert all(report.audience >= 30 for report in reports)
    resubmitted = accepted.filter(number=2)
    assert resubmitted.count() >= 2, "some accepted only on the second submission"
    for report in resubmitted:
        first = reports.get(talk=report.talk, number=1)
        assert first.status == ReportStatus.RETURNED
        assert first.return_reasons

    photos = ReportPhoto.objects.unrestricted()
    reused = photos.filter(duplicate_of__isnull=False).select_related("duplicate_of__report")
    assert [p.duplicate_of.report.talk.title for p in reused] == ["致敬劳模交流会·西吉县回民中学"]
    wrong_date = photos.filter(date_mismatch=True)
    assert wrong_date.filter(report__talk__title="春季开学第一课：致敬劳动者").exists()
    assert wrong_date.count() == 2, "the rehearsal photo, and the one reused from another day"
    for report in reports.filter(status__in=[ReportStatus.ACCEPTED, ReportStatus.SUBMITTED]):
        shown = report.photos.all()
        assert any(p.shows_banner for p in shown)
        assert any(p.shows_lecturer for p in shown)
        assert any(p.shows_audience for p in shown)

    invitations = Booking.objects.unrestricted().filter(
        person__name="何成斌",
        status=BookingStatus.INVITED,
        talk__status__in=[Status.PLANNED, Status.CONFIRMED],
    )
    assert invitations.count() >= 2, "lecturer-hcb has invitations to answer"
    reminder = Notification.objects.unrestricted().filter(
        user__username="school-yz", kind="upcoming"
    )
    assert reminder.count() == 1, "school-yz hears of its talk two days ahead"
    assert Notification.objects.unrestricted().filter(kind="overdue").exists()


@pytest.mark.parametrize("username", ["longde-union", "jingyuan-union", "kaifaqu-union"])
def test_every_county_has_a_login_to_plan_its_talks(db, username):
    from laomo.accounts.models import User

    logins = {login.username for login in demo.seed(talks=False).logins}
    assert username in logins
    assert User.objects.get(username=username).region is not None
