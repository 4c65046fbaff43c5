"""A select that stays small however many rows stand behind it.

A county picks among its few dozen schools from a plain select; the whole country has 220,000, and
a page that lists them all weighs megabytes. `SuggestSelect` counts at most `LIMIT + 1` rows: when
they all fit it is a plain select; when not, the page carries the chosen option only, and a search
box beside the select asks `/suggest/<kind>/` for the first matches (htmx). Either way the page
costs one query a field, whatever the data size.
"""

from __future__ import annotations

from html import escape

from django import forms
from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import connections
from django.urls import reverse
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
        chosen = chosen_ids(value)
        suggest, rows = self.rows(queryset, chosen, field)
        options = [("", field.empty_label)] if field.empty_label is not None else []
        options += rows
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

    def rows(self, queryset, chosen: list[int], field) -> tuple[bool, list]:
        """Whether the rows are too many to list, and the (pk, label) pairs to show, sorted as
        the queryset sorts: all rows when they fit, otherwise the chosen ones.

        One query: the first LIMIT + 1 rows the database finds, unsorted so that it stops early
        however many there are, and beside them the chosen rows; sorted here, by code point as a
        C-collated database sorts (the README's `createdb --locale=C.UTF-8`). The labels are the
        rows' `label_field` column and the ordering plain field names: a field with its own
        `label_from_instance`, or an ordering by expression, is refused rather than shown wrong.
        """
        ordering = list(queryset.query.order_by or queryset.model._meta.ordering)
        if type(field).label_from_instance is not forms.ModelChoiceField.label_from_instance:
            raise ImproperlyConfigured(f"SuggestSelect labels options by {self.label_field!r}")
        if not all(isinstance(key, str) for key in ordering):
            raise ImproperlyConfigured("SuggestSelect sorts by field names only")
        columns = ["pk", self.label_field]
        for key in ordering:
            if key.lstrip("-") not in columns:
                columns.append(key.lstrip("-"))
        plain = queryset.order_by().values_list(*columns)
        first, picked = _union_all(plain[: LIMIT + 1], plain.filter(pk__in=chosen))
        suggest = len(first) > LIMIT
        rows = list({row[0]: row for row in (picked if suggest else first)}.values())
        for key in reversed(ordering):  # the last key first: each sort is stable
            at = columns.index(key.lstrip("-"))
            rows.sort(key=lambda row, at=at: (row[at] is None, row[at]), reverse=key[0] == "-")
        return suggest, [(row[0], row[1]) for row in rows]


def chosen_ids(value) -> list[int]:
    """The ids a submitted value can name: whole numbers in ASCII digits that a database's
    integer column holds (not "²", nor twenty nines), after 0, which never exists, so that the
    query is the same whether or not something is chosen."""
    values = value if isinstance(value, list | tuple) else [value]
    texts = (str(pk) for pk in values)
    return [
        0,
        *(int(text) for text in texts if text.isascii() and text.isdigit() and int(text) <= MAX_ID),
    ]


MAX_ID = 2**63 - 1  # the largest value of a 64-bit integer column


def _union_all(*querysets) -> list[list[tuple]]:
    """The rows of each queryset, read in one statement (UNION ALL with a part number).

    Django's own union() refuses sliced parts on SQLite; wrapped as subqueries they work on both
    databases. The querysets arrive restricted to the request's scope, and stay so here.
    """
    parts, params = [], []
    for number, queryset in enumerate(querysets):
        try:
            sql, part_params = queryset.query.get_compiler(queryset.db).as_sql()
        except EmptyResultSet:  # nothing to read (a scope with no such rows: .none())
            continue
        # Only Django's compiled SQL and our own part numbers go into the text; values are params.
        parts.append(f"SELECT {number} AS part, p{number}.* FROM ({sql}) AS p{number}")  # noqa: S608
        params.extend(part_params)
    found: list[list[tuple]] = [[] for _ in querysets]
    if not parts:
        return found
    with connections[querysets[0].db].cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for part, *row in cursor.fetchall():
            found[part].append(tuple(row))
    return found


def options_html(options, *, chosen) -> str:
    """`<option>`s for (value, label) pairs, `chosen` (strings) selected: a county's 200 people
    in one pass, where Django's optgroups build a dictionary and a template context for each and
    `format_html` costs more per option than the rest of the select."""
    chosen = set(chosen)
    return mark_safe(  # noqa: S308 -- every value and label is escaped by text_html
        "".join(
            f'<option value="{text_html(value)}"'
            f"{SELECTED if str(value) in chosen else ''}>{text_html(label)}</option>"
            for value, label in options
        )
    )


def text_html(value) -> str:
    """`conditional_escape` without its lazy-string wrapper: text escaped, safe HTML kept."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return escape(str(value))


SELECTED = mark_safe(" selected")
