"""`object_url(name, pk)`: `reverse(name, args=[pk])` for a page of one object, at the cost of
a string format. A list page links each of its rows to its page, and Django's `reverse` walks
the URL patterns each time (about as long as the rest of a row takes to render)."""

from __future__ import annotations

import functools

from django.urls import get_script_prefix, reverse

# A number no object has, put where the pk goes and cut out again: the address around it is the
# same for every pk (the pattern's `<int:pk>` converter writes the number as it is).
_MARKER = 9_876_543_210_123


def object_url(name: str, pk: int) -> str:
    before, after = _around_pk(name, get_script_prefix())
    return f"{before}{int(pk)}{after}"


@functools.lru_cache(maxsize=64)
def _around_pk(name: str, script_prefix: str) -> tuple[str, str]:
    url = reverse(name, args=[_MARKER])
    before, marker, after = url.partition(str(_MARKER))
    if not marker or str(_MARKER) in after:
        raise ValueError(f"{name}: the pk is not written as a plain number")
    return before, after
