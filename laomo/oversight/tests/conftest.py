"""Talks for the figures' tests, taken through the outreach services to the state a test needs
(planned, confirmed, cancelled, held, reported, returned, accepted, or accepted after a return),
at the exact local time it names."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from laomo.core.roles import Role
from laomo.core.scoping import Scope
from laomo.core.testing.factories import PersonFactory, SchoolFactory, UserFactory
from laomo.outreach import services
from laomo.outreach.models import Talk
from laomo.outreach.tests import imagefiles

BEIJING = ZoneInfo("Asia/Shanghai")
STATES = (
    "planned",
    "confirmed",
    "cancelled",
    "held",
    "reported",
    "returned",
    "accepted",
    "resubmitted",
)


def local(year, month, day, hour=9, minute=0) -> datetime:
    """A moment in Beijing time."""
    return datetime(year, month, day, hour, minute, tzinfo=BEIJING)


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


class Programme:
    """The world's city at work: `add(who, when, state)` plans a talk as `who` would and takes it
    through the services to `state`. The development zone gets an account, a school and a
    lecturer of its own."""

    def __init__(self, world):
        self.world = world
        self.seeds = itertools.count(1)
        self.zone_school = SchoolFactory(name="开发区第一小学", region=world.zone)
        self.zone_person = PersonFactory(name="开发区劳模", region=world.zone)
        world.users["zone_union"] = UserFactory(
            username="zone_union", role=Role.COUNTY_UNION, region=world.zone
        )
        self.reviewer = world.user("city_union")

    def defaults(self, who: str):
        world = self.world
        return {
            "city_union": (world.city_person, world.a.school),
            "county_union_a": (world.a.person, world.a.school),
            "county_union_b": (world.b.person, world.b.school),
            "school_a": (world.a.person, world.a.school),
            "school_b": (world.b.person, world.b.school),
            "zone_union": (self.zone_person, self.zone_school),
        }[who]

    def photo(self):
        seed = next(self.seeds)
        return services.PhotoUpload(
            data=imagefiles.jpeg(imagefiles.picture(seed, (240, 200))),
            filename=f"t{seed}.jpg",
            shows_banner=True,
            shows_lecturer=True,
            shows_audience=True,
        )

    def add(
        self,
        who: str,
        when: datetime,
        state: str,
        *,
        school=None,
        lecturers=None,
        audience=(40, 5, 1),
        title=None,
        minutes=50,
    ) -> Talk:
        assert state in STATES, state
        user = self.world.user(who)
        person, home = self.defaults(who)
        plan = services.TalkPlan(
            title=title or f"{state}宣讲{next(self.seeds)}",
            starts_at=when,
            ends_at=when + timedelta(minutes=minutes),
            venue="hall",
            form="first_lesson",
            lecturers=lecturers or [person],
            school=school or home,
            expected_audience=100,
        )
        talk = services.plan_talk(plan, scope=Scope.for_user(user), acting_user=user).talk
        if state == "planned":
            return self._fresh(talk)
        if state == "cancelled":
            services.cancel_talk(talk, reason="临时调整", acting_user=user)
            return self._fresh(talk)
        for booking in talk.bookings.unrestricted():
            services.respond(booking, accept=True, acting_user=user)
        if state == "confirmed":
            return self._fresh(talk)
        if state == "held":
            services.mark_held(talk, acting_user=user)
            return self._fresh(talk)
        students, teachers, others = audience
        report = self._report(talk, user, students, teachers, others)
        if state == "reported":
            return self._fresh(talk)
        if state in ("returned", "resubmitted"):
            services.return_report(report, reasons="横幅看不清", acting_user=self.reviewer)
            if state == "returned":
                return self._fresh(talk)
            report = self._report(talk, user, students, teachers, others)
        services.accept_report(report, acting_user=self.reviewer)
        return self._fresh(talk)

    def _report(self, talk, user, students, teachers, others):
        return services.submit_report(
            talk,
            students=students,
            teachers=teachers,
            others=others,
            account="师生反响热烈",
            photos=[self.photo()],
            acting_user=user,
        )

    @staticmethod
    def _fresh(talk: Talk) -> Talk:
        return Talk.objects.unrestricted().get(pk=talk.pk)


@pytest.fixture
def programme(world):
    return Programme(world)
