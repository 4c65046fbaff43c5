"""Coverage (002 一): a school is reached once it has had an accepted talk since the programme
began. The date of the first is kept on the school, so that coverage is counted from one column."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db.models import Min, OuterRef, Q, Subquery

from laomo.schools.models import School


def programme_start() -> date:
    return date.fromisoformat(settings.LAOMO_PROGRAMME_START)


def record_reached(school_id: int, on: date) -> None:
    """An accepted talk at the school on `on`: the school is reached from then, unless it already
    was earlier, or the talk predates the programme."""
    if on < programme_start():
        return
    School.objects.unrestricted().filter(pk=school_id).filter(
        Q(reached_on__isnull=True) | Q(reached_on__gt=on)
    ).update(reached_on=on)


def recount_reached() -> int:
    """Set every school's first-reached date again from the talks (for repairs and bulk loads).
    Returns how many schools are reached."""
    from laomo.outreach.choices import Status
    from laomo.outreach.models import Talk

    first = (
        Talk.objects.unrestricted()
        .filter(school=OuterRef("pk"), status=Status.ACCEPTED, starts_on__gte=programme_start())
        .order_by()
        .values("school")
        .annotate(first=Min("starts_on"))
        .values("first")
    )
    School.objects.unrestricted().update(reached_on=Subquery(first))
    return School.objects.unrestricted().filter(reached_on__isnull=False).count()
