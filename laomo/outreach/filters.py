import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from laomo.core.scoping import within_q
from laomo.core.widgets import SuggestSelect
from laomo.outreach.choices import Level, Status
from laomo.outreach.models import Booking, Talk
from laomo.outreach.todo import BY_KEY, listed_todos_for
from laomo.people.models import Person
from laomo.regions.models import Region
from laomo.schools.models import School

_DATE = forms.DateInput(attrs={"type": "date"})


def _counties(request):
    return Region.objects.restrict(request.scope).counties()


def _people(request):
    return Person.objects.restrict(request.scope).current()


def _schools(request):
    return School.objects.restrict(request.scope).current()


STAGE_CHOICES = [
    ("accepted", _("已验收")),
    ("awaiting", _("已举办待验收")),
    ("planned", _("已计划")),
    ("lapsed", _("时间已过（未标记举办）")),
]
STAGE_STATUSES = {
    "accepted": [Status.ACCEPTED],
    "awaiting": [Status.HELD, Status.REPORTED, Status.RETURNED],
    "planned": [Status.PLANNED, Status.CONFIRMED],
}
LEVEL_CHOICES = [*Level.choices, ("quota", _("计入指标（市级、县级统筹）"))]


def _regions(request):
    return Region.objects.restrict(request.scope)


def booked(person) -> Exists:
    """The talk has a booking of `person` (invited, confirmed or declined)."""
    return Exists(Booking.objects.filter(talk=OuterRef("pk"), person=person))


def holds_one_county(scope) -> bool:
    """A county's or a zone's lists hold one county: a county filter has nothing to choose."""
    return scope.region is not None and scope.region.is_county_level


class TalkFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    status = django_filters.ChoiceFilter(
        label=_("状态"), choices=Status.choices, empty_label=_("全部")
    )
    stage = django_filters.ChoiceFilter(
        label=_("进度"), choices=STAGE_CHOICES, empty_label=_("全部"), method="by_stage"
    )
    level = django_filters.ChoiceFilter(
        label=_("统筹层级"), choices=LEVEL_CHOICES, empty_label=_("全部"), method="by_level"
    )
    organiser = django_filters.ModelChoiceFilter(
        label=_("统筹区划"),
        queryset=_regions,
        empty_label=_("全部"),
        method="by_organiser",
        widget=SuggestSelect("regions"),
    )
    region = django_filters.ModelChoiceFilter(
        label=_("县（区）"),
        queryset=_counties,
        empty_label=_("全部"),
        widget=SuggestSelect("counties"),
    )
    school = django_filters.ModelChoiceFilter(
        label=_("学校"), queryset=_schools, empty_label=_("全部"), widget=SuggestSelect("schools")
    )
    lecturer = django_filters.ModelChoiceFilter(
        label=_("宣讲员"),
        queryset=_people,
        empty_label=_("全部"),
        method="by_lecturer",
        widget=SuggestSelect("people"),
    )
    since = django_filters.DateFilter(
        label=_("起始日期"), field_name="starts_on", lookup_expr="gte", widget=_DATE
    )
    until = django_filters.DateFilter(
        label=_("截止日期"), field_name="starts_on", lookup_expr="lte", widget=_DATE
    )
    # The home page's to-do cards open this list narrowed by the card's own definition.
    todo = django_filters.ChoiceFilter(
        label=_("待办"), choices=[], empty_label=_("全部"), method="by_todo"
    )

    class Meta:
        model = Talk
        fields = [
            "q",
            "status",
            "stage",
            "level",
            "organiser",
            "region",
            "school",
            "lecturer",
            "since",
            "until",
            "todo",
        ]

    def __init__(self, data=None, *args, request=None, **kwargs):
        super().__init__(data, *args, request=request, **kwargs)
        scope = request.scope
        hidden = ()
        if scope.is_school or scope.is_lecturer:
            hidden = ("region", "school", "lecturer", "organiser")
        elif holds_one_county(scope):
            hidden = ("region",)
        for name in hidden:
            self.filters.pop(name, None)
            self.form.fields.pop(name, None)
        todos = [(item.key, item.label) for item in listed_todos_for(scope)]
        if todos:
            self.form.fields["todo"].choices = todos  # the field adds its empty choice
        else:
            self.filters.pop("todo", None)
            self.form.fields.pop("todo", None)
        for field in self.form.fields.values():
            css = "form-select" if hasattr(field, "choices") else "form-control"
            field.widget.attrs.setdefault("class", css)

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(title__icontains=value) | Q(school__name__icontains=value))

    def by_stage(self, queryset, name, value):
        if value == "lapsed":
            return queryset.lapsed()
        return queryset.filter(status__in=STAGE_STATUSES[value])

    def by_level(self, queryset, name, value):
        if value == "quota":
            return queryset.filter(level__in=[Level.CITY, Level.COUNTY])
        return queryset.filter(level=value)

    def by_organiser(self, queryset, name, value):
        return queryset.filter(within_q(value, "organiser_region"))

    def by_todo(self, queryset, name, value):
        return queryset.filter(pk__in=BY_KEY[value].talks(self.request.scope).values("pk"))

    def by_lecturer(self, queryset, name, value):
        return queryset.filter(booked(value))

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset.current())


class CalendarFilterForm(forms.Form):
    """The calendar's county and lecturer: selects that stay small however many there are."""

    region = forms.ModelChoiceField(
        label=_("县（区）"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("全部"),
        widget=SuggestSelect("counties"),
    )
    lecturer = forms.ModelChoiceField(
        label=_("宣讲员"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("全部"),
        widget=SuggestSelect("people"),
    )

    def __init__(self, data, *, request):
        super().__init__(data)
        scope = request.scope
        if scope.is_school or scope.is_lecturer or holds_one_county(scope):
            del self.fields["region"]
        else:
            self.fields["region"].queryset = _counties(request)
        if scope.is_official:
            self.fields["lecturer"].queryset = _people(request)
        else:
            del self.fields["lecturer"]

    def narrow(self, talks):
        """The talks of the chosen county and lecturer (a choice outside the scope is refused as
        a field error and narrows nothing), and those choices as the talk list's parameters."""
        self.is_valid()
        region, lecturer = self.cleaned_data.get("region"), self.cleaned_data.get("lecturer")
        chosen = {}
        if region is not None:
            talks = talks.filter(region=region)
            chosen["region"] = region.pk
        if lecturer is not None:
            talks = talks.filter(booked(lecturer))
            chosen["lecturer"] = lecturer.pk
        return talks, chosen
