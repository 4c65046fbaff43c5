"""What waits for a user among the talks: the home page's to-do cards.

Each item is defined once, here, as the talks it counts. The home page shows the count of that
queryset; the list it opens (the talk list with `?todo=<key>`, or a lecturer's schedule) narrows
its rows with the same queryset. A card's number is therefore the length of its list, whatever
the role: the talks a user may act on (the organiser's, the hosting school's, the reviewer's),
not every talk the user may see in that status.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from laomo.core.scoping import CHANGE, Scope
from laomo.outreach.choices import BookingStatus, Status
from laomo.outreach.models import Booking, Talk

# A lecturer may answer an invitation while the talk can still change (as `respond` requires).
ANSWERABLE = (Status.PLANNED, Status.CONFIRMED)


def invitations_to_answer(scope: Scope) -> QuerySet:
    """A lecturer's own: talks still open whose invitation of them is unanswered."""
    invited = Booking.objects.filter(
        talk=OuterRef("pk"), person_id=scope.person_id, status=BookingStatus.INVITED
    )
    return Talk.objects.restrict(scope).current().filter(Exists(invited), status__in=ANSWERABLE)


def awaiting_lecturers(scope: Scope) -> QuerySet:
    """Talks the user organised (or, a school, invited) that still wait for a lecturer's answer."""
    return Talk.objects.restrict(scope, CHANGE).current().filter(status=Status.PLANNED)


def awaiting_report(scope: Scope) -> QuerySet:
    """Talks the user files the report of, begun and not reported yet: marked held, or confirmed
    and past their start (the report itself marks them held)."""
    return (
        Talk.objects.restrict(scope, "report")
        .current()
        .filter(status__in=[Status.CONFIRMED, Status.HELD], starts_at__lte=timezone.now())
    )


def returned_reports(scope: Scope) -> QuerySet:
    """Talks the user files the report of whose report was returned, to be filed again."""
    return Talk.objects.restrict(scope, "report").current().filter(status=Status.RETURNED)


def reports_to_review(scope: Scope) -> QuerySet:
    """Talks whose report waits for the user's acceptance (the city's two offices)."""
    return Talk.objects.restrict(scope, "review").current().filter(status=Status.REPORTED)


@dataclass(frozen=True)
class Todo:
    key: str
    label: str
    shown: Callable[[Scope], bool]  # whether the role has this kind of work at all
    talks: Callable[[Scope], QuerySet]
    list_name: str = "outreach:talk-list"  # the page listing `talks`

    def url(self) -> str:
        path = reverse(self.list_name)
        if self.list_name == "outreach:talk-list":
            return f"{path}?todo={self.key}"
        return f"{path}#pending"


TODOS = (
    Todo(
        "invitations",
        _("待我确认的邀请"),
        lambda scope: scope.is_lecturer and scope.person_id is not None,
        invitations_to_answer,
        list_name="outreach:my-schedule",
    ),
    Todo(
        "awaiting_lecturers",
        _("待宣讲员确认"),
        lambda scope: scope.can("talks.change") or scope.can("talks.invite"),
        awaiting_lecturers,
    ),
    Todo(
        "awaiting_report",
        _("已举办待报送资料"),
        lambda scope: scope.can("talks.report"),
        awaiting_report,
    ),
    Todo(
        "returned",
        _("被退回待重新报送"),
        lambda scope: scope.can("talks.report"),
        returned_reports,
    ),
    Todo(
        "to_review",
        _("待验收的活动资料"),
        lambda scope: scope.can("talks.review"),
        reports_to_review,
    ),
)
BY_KEY = {todo.key: todo for todo in TODOS}


def todos_for(scope: Scope) -> list[Todo]:
    return [todo for todo in TODOS if todo.shown(scope)]


def listed_todos_for(scope: Scope) -> list[Todo]:
    """The items whose list is the talk list (the `todo` filter's choices for this role)."""
    return [todo for todo in todos_for(scope) if todo.list_name == "outreach:talk-list"]


def agenda(scope: Scope) -> list[tuple[str, int, str]]:
    """The home page's to-do cards: (label, count, the list of what is counted)."""
    return [(str(todo.label), todo.talks(scope).count(), todo.url()) for todo in todos_for(scope)]
