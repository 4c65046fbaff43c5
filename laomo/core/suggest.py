"""`/suggest/<kind>/?q=`: the options a `SuggestSelect` offers for what was typed, scoped like the
filter they belong to (the same `restrict` and the same rows), the first `SHOWN` of them."""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404
from django.shortcuts import render

from laomo.core.filters import search_condition
from laomo.people.models import LectureGroup, Person
from laomo.regions.models import Organisation, Region
from laomo.schools.models import School

SHOWN = 50


def _by_name(text: str) -> Q:
    condition = Q()
    for term in text.split():
        condition &= Q(name__contains=term)
    return condition


KINDS = {
    "schools": (
        lambda scope: School.objects.restrict(scope).current().select_related("region"),
        search_condition,
    ),
    "people": (
        lambda scope: Person.objects.restrict(scope).current().select_related("region"),
        search_condition,
    ),
    "bases": (
        lambda scope: (
            Organisation.objects.restrict(scope)
            .current()
            .filter(kind=Organisation.Kind.PRACTICE_BASE)
            .select_related("region")
        ),
        _by_name,
    ),
    "groups": (
        lambda scope: LectureGroup.objects.restrict(scope).current().select_related("region"),
        _by_name,
    ),
    "regions": (lambda scope: Region.objects.restrict(scope), _by_name),
    "cities": (lambda scope: Region.objects.restrict(scope).cities(), _by_name),
    "counties": (lambda scope: Region.objects.restrict(scope).counties(), _by_name),
    "localities": (lambda scope: Region.objects.restrict(scope).local(), _by_name),
}


def suggest(request, kind: str):
    if kind not in KINDS:
        raise Http404
    rows, condition = KINDS[kind]
    text = request.GET.get("q", "").strip()[:50]
    queryset = rows(request.scope)
    if text:
        queryset = queryset.filter(condition(text))
    found = list(queryset.order_by("name", "pk")[: SHOWN + 1])
    return render(
        request,
        "core/suggest_options.html",
        {"rows": found[:SHOWN], "more": len(found) > SHOWN, "text": text},
    )
