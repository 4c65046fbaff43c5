"""The coverage list's filters: which schools were reached by a given date, in a region, stage
or ownership, sorted as a county plans its visits (by county, stage, size)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from laomo.core.filters import search_condition
from laomo.core.scoping import within_q
from laomo.core.widgets import SuggestSelect
from laomo.oversight.figures import WIDE_LEVELS
from laomo.regions.models import Region
from laomo.schools.models import School

REACHED_CHOICES = [("yes", _("已覆盖")), ("all", _("全部学校"))]
ORDERINGS_OFFERED = ("stage", "-students", "students", "name", "reached")
STAGE_ORDER = {value: index for index, value in enumerate(School.Stage.values)}


def with_stage_order(queryset):
    """Schools with `stage_order`: the stages in school order (小学 … 特殊教育), not by code."""
    return queryset.annotate(
        stage_order=Case(
            *[When(stage=value, then=Value(index)) for value, index in STAGE_ORDER.items()],
            output_field=IntegerField(),
        )
    )


def _regions(request):
    return Region.objects.restrict(request.scope)


def _cities(request):
    return Region.objects.restrict(request.scope).cities()


class StableOrderingFilter(django_filters.OrderingFilter):
    """Sorting by a column with ties (a county, a stage) keeps pages stable: name, then id."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if value:
            qs = qs.order_by(*qs.query.order_by, "name", "pk")
        return qs


class CoverageFilterSet(django_filters.FilterSet):
    """`reached` is "not yet reached" when absent: the list a county plans from."""

    q = django_filters.CharFilter(label=_("搜索"), method="search")
    as_of = django_filters.DateFilter(
        label=_("截至日期"),
        method="keep",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    reached = django_filters.ChoiceFilter(
        label=_("覆盖情况"), choices=REACHED_CHOICES, empty_label=_("尚未覆盖"), method="keep"
    )
    city = django_filters.ModelChoiceFilter(
        label=_("市"),
        queryset=_cities,
        empty_label=_("全部"),
        method="within",
        widget=SuggestSelect("cities"),
    )
    region = django_filters.ModelChoiceFilter(
        label=_("县（区）"),
        queryset=_regions,
        empty_label=_("全部"),
        field_name="region",
        widget=SuggestSelect("counties"),
    )
    stage = django_filters.ChoiceFilter(
        label=_("学段"), choices=School.Stage.choices, empty_label=_("全部")
    )
    ownership = django_filters.ChoiceFilter(
        label=_("办学性质"), choices=School.Ownership.choices, empty_label=_("全部")
    )
    # The labels are keyed as django-filter reads them: an ascending one by the model field, a
    # descending one by "-" and the parameter. The default order is by county, then name, so
    # "by county" is the default and not offered a second time.
    o = StableOrderingFilter(
        label=_("排序"),
        fields=(
            ("stage_order", "stage"),
            ("student_count", "students"),
            ("name", "name"),
            ("reached_on", "reached"),
        ),
        field_labels={
            "stage_order": _("按学段"),
            "-students": _("在校生数（多→少）"),
            "student_count": _("在校生数（少→多）"),
            "name": _("按校名"),
            "reached_on": _("首次宣讲（早→晚）"),
        },
        empty_label=_("按县（区）、校名（默认）"),
    )

    class Meta:
        model = School
        fields = ["q", "as_of", "reached", "city", "region", "stage", "ownership", "o"]

    def __init__(self, data=None, *args, request=None, **kwargs):
        super().__init__(data, *args, request=request, **kwargs)
        self.scope = request.scope
        region = self.scope.region
        wide = region is not None and region.level in WIDE_LEVELS
        if not wide:
            self.filters.pop("city")  # before the form is built from the filters
            self.form.fields["region"].queryset = _regions(request).filter(
                level__in=[Region.Level.CITY, Region.Level.COUNTY, Region.Level.ZONE]
            )
        if wide or self.scope.is_county:
            # Thousands of counties make no drop-down: a province picks a city; a county has
            # only itself to pick. The filter still works for the links of the figures.
            self.form.fields["region"].widget = forms.HiddenInput()
        # The ordering choices the page offers, each once: the ones a planner needs, both ways
        # for size. The field adds its empty (default) choice itself.
        labels = dict(self.form.fields["o"].choices)
        self.form.fields["o"].choices = [(key, labels[key]) for key in ORDERINGS_OFFERED]
        for field in self.form.fields.values():
            css = "form-select" if hasattr(field, "choices") else "form-control"
            field.widget.attrs.setdefault("class", css)

    @property
    def day(self):
        """The day coverage is counted on: the date asked for, or today."""
        data = self.form.cleaned_data if self.is_bound and self.form.is_valid() else {}
        return data.get("as_of") or timezone.localdate()

    @property
    def reached_mode(self) -> str:
        data = self.form.cleaned_data if self.is_bound and self.form.is_valid() else {}
        return data.get("reached") or "no"

    def keep(self, queryset, name, value):
        return queryset  # applied in filter_queryset, where both values are known

    def within(self, queryset, name, value):
        return queryset.filter(within_q(value))

    def search(self, queryset, name, value):
        return queryset.filter(search_condition(value))

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset.current())
        reached = Q(reached_on__lte=self.day)
        mode = self.reached_mode
        if mode == "yes":
            return queryset.filter(reached)
        if mode == "all":
            return queryset
        return queryset.exclude(reached)
