"""A select that stays small however many rows stand behind it.

A county picks among its few dozen schools from a plain select; the whole country has 220,000, and
a page that lists them all weighs megabytes. `SuggestSelect` reads at most `LIMIT + 1` rows (one
query): when they all fit it is a plain select; when not, the page carries the chosen option only
and a search box beside the select asks `/suggest/<kind>/` for the first matches (htmx), so the
page costs the same whatever the data size.
"""

from __future__ import annotations

from django import forms
from django.urls import reverse

LIMIT = 200


class SuggestSelect(forms.Select):
    template_name = "core/widgets/suggest_select.html"

    def __init__(self, kind: str, attrs=None):
        super().__init__(attrs)
        self.kind = kind

    def get_context(self, name, value, attrs):
        choices = self.choices  # a ModelChoiceIterator: its queryset is already scoped
        field = choices.field
        rows = list(choices.queryset[: LIMIT + 1])
        suggest = len(rows) > LIMIT
        chosen = {str(v) for v in (value if isinstance(value, list | tuple) else [value]) if v}
        if suggest:
            rows = [row for row in rows if str(row.pk) in chosen]
            missing = {pk for pk in chosen if pk.isdigit()} - {str(row.pk) for row in rows}
            if missing:
                rows += list(choices.queryset.filter(pk__in=missing))
        options = [("", field.empty_label)] if field.empty_label is not None else []
        options += [(row.pk, field.label_from_instance(row)) for row in rows]
        self.choices = options
        try:
            context = super().get_context(name, value, attrs)
        finally:
            self.choices = choices
        context["widget"]["suggest"] = suggest
        if suggest:
            context["widget"]["suggest_url"] = reverse(f"suggest-{self.kind}")
        return context
