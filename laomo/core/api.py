"""Pieces every API router uses."""

from ninja.pagination import PageNumberPagination

from laomo.core.filters import search_condition


class Pages(PageNumberPagination):
    """?page=N&page_size=M (at most 200); answers {"items": [...], "count": total}."""

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
