"""A select that stays small however many rows stand behind it.

A county picks among its few dozen schools from a plain select; the whole country has 220,000, and
a page that lists them all weighs megabytes. `SuggestSelect` counts at most `LIMIT + 1` rows: when
they all fit it is a plain select; when not, the page carries the chosen option only, and a search
box beside the select asks `/suggest/<kind>/` for the first matches (htmx). Either way the page
costs two queries a field, whatever the data size.
"""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

LIMIT = 200


class SuggestSelect(forms.Select):
    template_name = "core/widgets/suggest_select.html"

    def __init__(self, kind: str, attrs=None, label_field: str = "name"):
        super().__init__(attrs)
        self.kind = kind
        self.label_field = label_field  # the column that __str__ returns

    def get_context(self, name, value, attrs):
        choices = self.choices  # a ModelChoiceIterator: its queryset is already scoped
        field, queryset = choices.field, choices.queryset
        # Two queries whatever the size: how many rows (at most LIMIT + 1, unsorted, so the
        # database stops early), then the rows to show, sorted: all of them, or the chosen ones.
        found = list(queryset.order_by().values_list("pk", flat=True)[: LIMIT + 1])
        suggest = len(found) > LIMIT
        if suggest:
            chosen = value if isinstance(value, list | tuple) else [value]
            # pk 0 never exists: the query runs even when nothing is chosen (a fixed count).
            found = [0, *(int(pk) for pk in chosen if str(pk).isdigit())]
        options = [("", field.empty_label)] if field.empty_label is not None else []
        rows = queryset.filter(pk__in=found)
        if type(field).label_from_instance is forms.ModelChoiceField.label_from_instance:
            # The rows' own name is their label (their __str__): read that column only, not
            # whole rows (a county's 80 schools as model instances cost more than the page's SQL).
            options += list(rows.values_list("pk", self.label_field))
        else:
            options += [(row.pk, field.label_from_instance(row)) for row in rows]
        self.choices = ()  # the options are written below, not through Django's optgroups
        try:
            context = super().get_context(name, value, attrs)
        finally:
            self.choices = choices
        widget = context["widget"]
        widget["options"] = options_html(options, chosen=widget["value"])
        widget["suggest"] = suggest
        if suggest:
            widget["suggest_url"] = reverse(f"suggest-{self.kind}")
        return context


def options_html(options, *, chosen) -> str:
    """`<option>`s for (value, label) pairs, `chosen` (strings) selected: a county's 200 people
    in one pass, where Django's optgroups build a dictionary and a template context for each."""
    chosen = set(chosen)
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, SELECTED if str(value) in chosen else "", label) for value, label in options),
    )


SELECTED = mark_safe(" selected")
