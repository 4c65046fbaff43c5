import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from laomo.audit.models import OUTCOME_LABELS, AuditEntry


class AuditFilterSet(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(
        label=_("事件"), choices=AuditEntry.Action.choices, empty_label=_("全部")
    )
    outcome = django_filters.ChoiceFilter(
        label=_("结果"), choices=list(OUTCOME_LABELS.items()), empty_label=_("全部")
    )
    actor = django_filters.CharFilter(
        label=_("操作人"), field_name="actor_name", lookup_expr="icontains"
    )
    q = django_filters.CharFilter(label=_("对象"), method="filter_object")
    ip = django_filters.CharFilter(label=_("地址"), field_name="ip", method="filter_ip")
    since = django_filters.DateFilter(
        label=_("起始日期"),
        field_name="at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        label=_("截止日期"),
        field_name="at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AuditEntry
        fields = ["action", "outcome", "actor", "q", "ip", "since", "until"]

    def filter_object(self, queryset, name, value):
        """By the record's name as logged (a person, a school, a file), or its number."""
        value = value.strip()
        return queryset.filter(Q(object_repr__icontains=value) | Q(object_id=value))

    def filter_ip(self, queryset, name, value):
        """By address: "10.2." finds the whole subnet."""
        return queryset.filter(ip__startswith=value.strip())

    def __init__(self, data=None, *args, request=None, **kwargs):
        super().__init__(data, *args, request=request, **kwargs)
        for field in self.form.fields.values():
            field.widget.attrs.setdefault(
                "class", "form-select" if hasattr(field, "choices") else "form-control"
            )
