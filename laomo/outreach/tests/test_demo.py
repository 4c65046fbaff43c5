"""The demo talks: every status, level and place, each through the services; loading twice adds
nothing."""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise

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
    """Talks move by a day at most (off the weekend), so this keeps every lecturer free."""
    days = defaultdict(list)
    for spec in TALKS:
        for lecturer in spec.lecturers:
            days[lecturer].append(spec.day)
    for lecturer, booked in days.items():
        booked.sort()
        gaps = [later - earlier for earlier, later in pairwise(booked)]
        assert all(gap >= 3 for gap in gaps), f"{lecturer}: {booked}"
    assert len({spec.title for spec in TALKS}) == len(TALKS), "a title names one demo talk"


def test_seeding_twice_gives_the_same_data_with_every_status(db):
    """(One test: loading the talks takes seconds.)"""
    seeded = demo.seed()
    summary = seeded.talks
    assert summary is not None
    assert not summary.skipped, summary.skipped
    assert summary.added == len(TALKS)
    first = counts()

    again = demo.seed()
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
