import django_filters
from django.utils.translation import gettext_lazy as _

from laomo.core.filters import RegistryFilterSet
from laomo.regions.models import Region
from laomo.schools.models import School


def _counties(request):
    return Region.objects.restrict(request.scope).filter(level__in=["county", "zone"])


class SchoolFilterSet(RegistryFilterSet):
    region = django_filters.ModelChoiceFilter(
        label=_("县（区）"), queryset=_counties, empty_label=_("全部")
    )
    stage = django_filters.ChoiceFilter(
        label=_("学段"), choices=School.Stage.choices, empty_label=_("全部")
    )
    ownership = django_filters.ChoiceFilter(
        label=_("办学性质"), choices=School.Ownership.choices, empty_label=_("全部")
    )

    class Meta:
        model = School
        fields = ["q", "region", "stage", "ownership", "status"]
