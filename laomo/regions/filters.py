import django_filters
from django.utils.translation import gettext_lazy as _

from laomo.core.filters import RegistryFilterSet
from laomo.core.widgets import SuggestSelect
from laomo.regions.models import Organisation, Region


def _regions(request):
    return Region.objects.restrict(request.scope)


class OrganisationFilterSet(RegistryFilterSet):
    region = django_filters.ModelChoiceFilter(
        label=_("所在区划"),
        queryset=_regions,
        empty_label=_("全部"),
        widget=SuggestSelect("regions"),
    )
    kind = django_filters.ChoiceFilter(
        label=_("类型"), choices=Organisation.Kind.choices, empty_label=_("全部")
    )
    search_field = "name"

    class Meta:
        model = Organisation
        fields = ["q", "region", "kind", "status"]

    def search(self, queryset, name, value):
        return queryset.filter(name__icontains=value.strip())
