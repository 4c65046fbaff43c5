"""What the authorization matrix (`laomo.core.testing.matrix`) needs for the half-year pages: a
report in each place and the payloads of the POST routes.

`add_half_years(fx)` puts a draft of the last half that has ended in county A, county B and the
city (its consolidated report) as `fx.objects[("halfyear", place)]`. The drafts carry an account
of experience, so that an allowed "submit" goes through.
"""

from __future__ import annotations

from django.utils import timezone

from laomo.core.scoping import Scope
from laomo.halfyear import services
from laomo.halfyear.models import HalfYearReport

OWNERS = {"a": "county_union_a", "b": "county_union_b", "city": "city_union"}


def add_half_years(fx):
    today = timezone.localdate()
    year, half = services.latest_ended_half(today)
    for place, key in OWNERS.items():
        user = fx.world.user(key)
        report, _created = services.open_report(
            scope=Scope.for_user(user), year=year, half=half, acting_user=user, today=today
        )
        fx.objects[("halfyear", place)] = services.save_draft(
            report, experience=f"矩阵{place}经验做法", cases="", acting_user=user
        )
    return fx


def open_payload(fx, user_key, obj=None) -> dict:
    """The half under way, which no fixture report is for: an allowed POST creates one."""
    year, half = services.halves(timezone.localdate())[0]
    return {"year": str(year), "half": str(half)}


def narrative_payload(fx, user_key, report=None) -> dict:
    return {"experience": "矩阵改写的经验做法", "cases": "矩阵典型案例"}


def return_payload(fx, user_key, report=None) -> dict:
    return {"reason": "矩阵退回：请补充典型案例"}


def submitted_first(report) -> None:
    """A submitted report, to return."""
    HalfYearReport.objects.unrestricted().filter(pk=report.pk).update(
        status=HalfYearReport.Status.SUBMITTED, submitted_at=timezone.now()
    )


def urge_payload(fx, user_key, obj=None) -> dict:
    """County A and the half before the last one ended, long past its deadline and with no
    report from anyone: late, so the city's 催报 goes through whatever the day."""
    year, half = services.latest_ended_half(timezone.localdate())
    year, half = (year, 1) if half == 2 else (year - 1, 2)
    return {"year": str(year), "half": str(half), "region": str(fx.world.a.region.pk)}
