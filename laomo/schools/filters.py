import django_filters
from django.utils.translation import gettext_lazy as _

from laomo.core.filters import RegistryFilterSet
from laomo.core.widgets import SuggestSelect
from laomo.regions.models import Region
from laomo.schools.models import School


def _counties(request):
    return Region.objects.restrict(request.scope).counties()


class SchoolFilterSet(RegistryFilterSet):
    region = django_filters.ModelChoiceFilter(
        label=_("县（区）"),
        queryset=_counties,
        empty_label=_("全部"),
        widget=SuggestSelect("counties"),
    )
    stage = django_filters.ChoiceFilter(
        label=_("学段"), choices=School.Stage.choices, empty_label=_("全部")
    )
    ownership = django_filters.ChoiceFilter(
        label=_("办学性质"), choices=School.Ownership.choices, empty_label=_("全部")
    )
    reached = django_filters.ChoiceFilter(
        label=_("覆盖情况"),
        choices=[("yes", _("已覆盖")), ("no", _("尚未覆盖"))],
        empty_label=_("全部"),
        method="by_reached",
    )
    city = django_filters.ModelChoiceFilter(
        label=_("市"),
        queryset=lambda request: Region.objects.restrict(request.scope).cities(),
        empty_label=_("全部"),
        field_name="region__parent",
        widget=SuggestSelect("cities"),
    )
    o = django_filters.OrderingFilter(
        label=_("排序"),
        fields=(("name", "name"), ("student_count", "student_count"), ("reached_on", "reached_on")),
        field_labels={
            "name": _("校名"),
            "-name": _("校名（倒序）"),
            "student_count": _("在校生数（少→多）"),
            "-student_count": _("在校生数（多→少）"),
            "reached_on": _("首次宣讲（早→晚）"),
            "-reached_on": _("首次宣讲（晚→早）"),
        },
        empty_label=_("默认"),
    )

    class Meta:
        model = School
        fields = ["q", "region", "stage", "ownership", "reached", "status", "o"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        region = self.scope.region
        if region is None or region.level not in ("province", "country"):
            self.filters.pop("city")
            self.form.fields.pop("city")

    def by_reached(self, queryset, name, value):
        return queryset.filter(reached_on__isnull=value != "yes")
