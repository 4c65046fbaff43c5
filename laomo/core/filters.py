"""The list pages' shared filters: a search box (Chinese or pinyin initials) and archive status."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from laomo.core.text import search_terms


def search_condition(text: str, field: str = "search_text") -> Q:
    """Every term must occur in `field`: Chinese text, full pinyin or initials ("hcb")."""
    condition = Q()
    for term in search_terms(text):
        condition &= Q(**{f"{field}__contains": term})
    return condition


STATUS_CHOICES = [("archived", _("仅已归档")), ("all", _("全部（含已归档）"))]


class RegistryFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    status = django_filters.ChoiceFilter(
        label=_("状态"), choices=STATUS_CHOICES, empty_label=_("在用"), method="by_status"
    )

    search_field = "search_text"

    def __init__(self, data=None, *args, request=None, **kwargs):
        super().__init__(data, *args, request=request, **kwargs)
        self.scope = request.scope
        for field in self.form.fields.values():
            css = "form-select" if hasattr(field, "choices") else "form-control"
            field.widget.attrs.setdefault("class", css)

    def search(self, queryset, name, value):
        return queryset.filter(search_condition(value, self.search_field))

    def by_status(self, queryset, name, value):
        return queryset  # applied in filter_queryset so that the default (在用) needs no value

    def filter_queryset(self, queryset):
        status = self.form.cleaned_data.get("status")
        if status == "archived":
            queryset = queryset.archived()
        elif status != "all":
            queryset = queryset.current()
        return super().filter_queryset(queryset)
