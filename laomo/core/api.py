"""Pieces every API router uses."""

from typing import Annotated

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination
from pydantic import AfterValidator

from laomo.core.filters import search_condition

# The id of a row: what a database column can hold. A larger one is refused (422) rather than
# sent to the database, which fails on it (SQLite cannot bind it, PostgreSQL is out of range).
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL; Django's forms refuse it the same way.
    if "\x00" in value:
        raise ValueError("不能含有空字符（\\x00）")
    return value


def text(max_length: int | None = None, *, min_length: int = 0):
    """A string field as the database column takes it: at most `max_length`, no NUL."""
    return Annotated[
        str, Field(min_length=min_length, max_length=max_length), AfterValidator(_no_nul)
    ]


# A page number past this is refused (422): (page - 1) × page size must stay an offset the
# database takes (SQLite fails on one beyond 64 bits, PostgreSQL on one beyond bigint).
MAX_PAGE = 1_000_000


class Pages(PageNumberPagination):
    """?page=N&page_size=M (at most 200); answers {"items": [...], "count": total}."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=MAX_PAGE)

    def __init__(self, **kwargs):
        super().__init__(page_size=50, max_page_size=200, **kwargs)


def apply_common(
    queryset,
    *,
    q: str | None,
    region: str | None,
    archived: bool | None,
    search_field="search_text",
):
    """The filters every list shares: search text, region code (and below), archive status."""
    if q:
        queryset = queryset.filter(search_condition(q, search_field))
    if region:
        queryset = queryset.filter(region__path__contains=f"/{region}/")
    return queryset.archived() if archived else queryset.current()
