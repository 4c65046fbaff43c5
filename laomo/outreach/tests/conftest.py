"""Talks for tests: a planner that goes through the services, and photos that pass the checks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from laomo.core.scoping import Scope
from laomo.outreach import services
from laomo.outreach.tests import imagefiles


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


def at(days: int, hour: int = 9, minute: int = 0):
    """A time `days` from today (negative: in the past), in the city's zone."""
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(timezone.datetime(day.year, day.month, day.day, hour, minute))


@pytest.fixture
def plan(world):
    """plan(user, **overrides) → Outcome: a talk planned by `user` through the service."""

    def _plan(user, *, lecturers=None, school=None, days=10, hours=(9, 11), **overrides):
        scope = Scope.for_user(user)
        if school is None and not scope.is_school:
            school = world.a.school if scope.covers(world.a.school.region) else world.b.school
        fields = {
            "title": "劳模精神进课堂",
            "starts_at": at(days, hours[0]),
            "ends_at": at(days, hours[1]),
            "venue": "hall",
            "form": "first_lesson",
            "lecturers": lecturers if lecturers is not None else [world.a.person],
            "school": school,
            "expected_audience": 200,
        }
        fields.update(overrides)
        return services.plan_talk(services.TalkPlan(**fields), scope=scope, acting_user=user)

    return _plan


def photo(kind: str, seed: int, **exif):
    """An upload showing `kind` ("banner", "lecturer", "audience"), a different picture per seed."""
    data = (
        imagefiles.jpeg(imagefiles.picture(seed), exif=imagefiles.exif(**exif))
        if exif
        else (imagefiles.jpeg(imagefiles.picture(seed)))
    )
    return services.PhotoUpload(
        data=data,
        filename=f"{kind}-{seed}.jpg",
        shows_banner=kind == "banner",
        shows_lecturer=kind == "lecturer",
        shows_audience=kind == "audience",
    )


def full_set(seed: int = 1):
    return [photo("banner", seed), photo("lecturer", seed + 1), photo("audience", seed + 2)]


@pytest.fixture
def held_talk(world, plan):
    """A county-A talk that took place yesterday, its lecturer confirmed."""
    outcome = plan(world.user("county_union_a"), days=-1)
    talk = outcome.talk
    booking = talk.bookings.unrestricted().get()
    services.respond(booking, accept=True, acting_user=world.user("lecturer_a"))
    talk.refresh_from_db()
    return talk


def report(talk, user, *, audience=(40, 5, 0), photos=None, account="师生反响热烈"):
    students, teachers, others = audience
    return services.submit_report(
        talk,
        students=students,
        teachers=teachers,
        others=others,
        account=account,
        photos=photos if photos is not None else full_set(),
        acting_user=user,
    )
