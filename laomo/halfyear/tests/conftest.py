"""Talks at fixed Beijing times, taken through the outreach services to the wanted stage, and the
half-year of 2025 that the tests count.

The outreach tests' helpers are reused: `plan` plans through `plan_talk`, `report` files a report
with photos that pass the checks; `private_media` keeps the photos in a temporary folder.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from laomo.core.testing.factories import SchoolFactory
from laomo.outreach import services as outreach
from laomo.outreach.tests.conftest import full_set, plan, private_media, report  # noqa: F401

_seeds = itertools.count(1)


def beijing(year, month, day, hour=9, minute=0):
    """An instant given in Beijing time (the project's zone)."""
    return timezone.make_aware(datetime(year, month, day, hour, minute))


@pytest.fixture
def make_talk(world, plan):  # noqa: F811
    """make_talk(user_key, starts_at, stage, ...) → a talk planned by that account through the
    services and taken to `stage`: planned, confirmed, held, reported, returned, accepted or
    cancelled. The lecturer answers (or the organiser for a lecturer without an account)."""

    def lecturer_of(user_key):
        if user_key == "city_union":
            return world.city_person
        if user_key.endswith("_b"):
            return world.b.person
        return world.a.person

    def _make(
        user_key,
        starts_at,
        stage="accepted",
        *,
        minutes=90,
        school=None,
        audience=(40, 5, 0),
        title=None,
    ):
        user = world.user(user_key)
        lecturer = lecturer_of(user_key)
        overrides = {"school": school} if school is not None else {}
        talk = plan(
            user,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=minutes),
            lecturers=[lecturer],
            title=title or f"{user_key}{timezone.localtime(starts_at):%m%d%H%M}宣讲",
            **overrides,
        ).talk
        if stage == "planned":
            return talk
        if stage == "cancelled":
            outreach.cancel_talk(talk, reason="天气原因", acting_user=user)
            talk.refresh_from_db()
            return talk
        booking = talk.bookings.unrestricted().get()
        responder = world.user("lecturer_a") if lecturer == world.a.person else user
        outreach.respond(booking, accept=True, acting_user=responder)
        talk.refresh_from_db()
        if stage == "confirmed":
            return talk
        if stage == "held":
            outreach.mark_held(talk, acting_user=user)
            talk.refresh_from_db()
            return talk
        filed = report(talk, user, audience=audience, photos=full_set(next(_seeds) * 3))
        if stage == "returned":
            outreach.return_report(
                filed, reasons="横幅看不清", acting_user=world.user("city_union")
            )
        elif stage == "accepted":
            outreach.accept_report(filed, acting_user=world.user("city_union"))
        talk.refresh_from_db()
        return talk

    return _make


@dataclass
class HalfYear:
    """The talks of the tests' 2025, by name."""

    talks: dict = field(default_factory=dict)
    third_school: object = None


@pytest.fixture
def year_2025(world, make_talk):
    """County A's year 2025 (and a little of 2024), county B's one talk and the city's own.

    County A, first half: accepted 10 March (40/5/0) and 30 June 23:30 (50/6/2); awaiting —
    reported, returned, held; planned — still planned, confirmed; cancelled one. Second half:
    1 July 00:30 accepted, 1 September planned. School A invited one talk (accepted, 30/3/0) and
    planned another. The city held its own talk at county A's middle school on 20 January (which
    reaches that school); county B one accepted talk. A third school of county A was reached in
    November 2024."""
    a, b = world.a, world.b
    y = HalfYear()
    y.third_school = SchoolFactory(name="原州区第三小学", region=a.region)
    plan_of = {
        "a_2024": ("county_union_a", beijing(2024, 11, 5), "accepted", y.third_school, (30, 2, 0)),
        "city": ("city_union", beijing(2025, 1, 20), "accepted", a.other_school, (100, 10, 5)),
        "cancelled": ("county_union_a", beijing(2025, 2, 10), "cancelled", None, None),
        "march": ("county_union_a", beijing(2025, 3, 10), "accepted", None, (40, 5, 0)),
        "reported": ("county_union_a", beijing(2025, 4, 10), "reported", None, (60, 6, 0)),
        "invited": ("school_a", beijing(2025, 4, 20), "accepted", None, (30, 3, 0)),
        "b": ("county_union_b", beijing(2025, 5, 5), "accepted", None, (70, 7, 7)),
        "returned": ("county_union_a", beijing(2025, 5, 10), "returned", None, (35, 5, 0)),
        "held": ("county_union_a", beijing(2025, 5, 20), "held", None, None),
        "invited_planned": ("school_a", beijing(2025, 5, 25), "planned", None, None),
        "planned": ("county_union_a", beijing(2025, 6, 10), "planned", None, None),
        "confirmed": ("county_union_a", beijing(2025, 6, 12), "confirmed", None, None),
        "june_30": (
            "county_union_a",
            beijing(2025, 6, 30, 23, 30),
            "accepted",
            a.other_school,
            (50, 6, 2),
        ),
        "july_1": ("county_union_a", beijing(2025, 7, 1, 0, 30), "accepted", None, (80, 8, 0)),
        "september": ("county_union_a", beijing(2025, 9, 1), "planned", None, None),
    }
    for name, (user_key, starts, stage, school, audience) in plan_of.items():
        y.talks[name] = make_talk(
            user_key,
            starts,
            stage,
            school=school,
            audience=audience or (40, 5, 0),
            minutes=45 if name == "june_30" else 90,
            title=f"{name}宣讲",
        )
    assert b.school.region == b.region
    return y
