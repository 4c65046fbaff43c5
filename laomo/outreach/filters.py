import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from laomo.outreach.choices import Level, Status
from laomo.outreach.models import Booking, Talk
from laomo.people.models import Person
from laomo.regions.models import Region
from laomo.schools.models import School

_DATE = forms.DateInput(attrs={"type": "date"})


def _counties(request):
    return Region.objects.restrict(request.scope).filter(level__in=["county", "zone"])


def _people(request):
    return Person.objects.restrict(request.scope).current()


def _schools(request):
    return School.objects.restrict(request.scope).current()


class TalkFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    status = django_filters.ChoiceFilter(
        label=_("状态"), choices=Status.choices, empty_label=_("全部")
    )
    level = django_filters.ChoiceFilter(
        label=_("统筹层级"), choices=Level.choices, empty_label=_("全部")
    )
    region = django_filters.ModelChoiceFilter(
        label=_("县（区）"), queryset=_counties, empty_label=_("全部")
    )
    school = django_filters.ModelChoiceFilter(
        label=_("学校"), queryset=_schools, empty_label=_("全部")
    )
    lecturer = django_filters.ModelChoiceFilter(
        label=_("宣讲员"), queryset=_people, empty_label=_("全部"), method="by_lecturer"
    )
    since = django_filters.DateFilter(
        label=_("起始日期"), field_name="starts_at", lookup_expr="date__gte", widget=_DATE
    )
    until = django_filters.DateFilter(
        label=_("截止日期"), field_name="starts_at", lookup_expr="date__lte", widget=_DATE
    )

    class Meta:
        model = Talk
        fields = ["q", "status", "level", "region", "school", "lecturer", "since", "until"]

    def __init__(self, data=None, *args, request=None, **kwargs):
        super().__init__(data, *args, request=request, **kwargs)
        scope = request.scope
        if scope.is_school or scope.is_lecturer:
            for name in ("region", "school", "lecturer"):
                self.filters.pop(name, None)
                self.form.fields.pop(name, None)
        for field in self.form.fields.values():
            css = "form-select" if hasattr(field, "choices") else "form-control"
            field.widget.attrs.setdefault("class", css)

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(title__icontains=value) | Q(school__name__icontains=value))

    def by_lecturer(self, queryset, name, value):
        return queryset.filter(Exists(Booking.objects.filter(talk=OuterRef("pk"), person=value)))

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset.current())
