from django.db.models import Count
from django.views.generic import ListView

from laomo.core.views import (
    ObjectDetailView,
    ObjectListView,
    ScopedViewMixin,
)
from laomo.people.models import LectureGroup, Person
from laomo.regions.filters import OrganisationFilterSet
from laomo.regions.models import Organisation, Region
from laomo.schools.models import School


class RegionListView(ScopedViewMixin, ListView):
    """The regions within the user's own, each with the schools and people in it and below it."""

    model = Region
    permission = "regions.view"
    template_name = "regions/region_list.html"

    def get_queryset(self):
        scope = self.request.scope
        regions = list(self.scoped().select_related("parent"))
        schools = _counts_by_region(School.objects.restrict(scope))
        people = _counts_by_region(Person.objects.restrict(scope))
        by_pk = {region.pk: region for region in regions}
        for region in regions:
            region.school_count = region.person_count = 0
        # Each region's own rows are added to it and to every region above it in the scope
        # (the scope is a whole subtree: the way up stays inside it until it leaves it).
        for region in regions:
            own_schools, own_people = schools.get(region.pk, 0), people.get(region.pk, 0)
            above = region
            while above is not None:
                above.school_count += own_schools
                above.person_count += own_people
                above = by_pk.get(above.parent_id)
        return regions


def _counts_by_region(queryset) -> dict[int, int]:
    rows = queryset.current().order_by().values("region_id").annotate(n=Count("pk"))
    return {row["region_id"]: row["n"] for row in rows}


class RegionDetailView(ObjectDetailView):
    model = Region
    permission = "regions.view"
    template_name = "regions/region_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        scope = self.request.scope
        region = self.object
        within = {"region__path__startswith": region.path}
        context.update(
            children=Region.objects.restrict(scope).filter(parent=region),
            school_count=School.objects.restrict(scope).current().filter(**within).count(),
            person_count=Person.objects.restrict(scope).current().filter(**within).count(),
            direct_person_count=Person.objects.restrict(scope)
            .current()
            .filter(region=region)
            .count(),
            groups=LectureGroup.objects.restrict(scope).current().filter(region=region),
            organisations=Organisation.objects.restrict(scope).current().filter(region=region),
        )
        return context


class OrganisationListView(ObjectListView):
    model = Organisation
    permission = "organisations.view"
    filterset_class = OrganisationFilterSet
    template_name = "regions/organisation_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("region")


class OrganisationDetailView(ObjectDetailView):
    model = Organisation
    permission = "organisations.view"
    template_name = "regions/organisation_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["groups"] = LectureGroup.objects.restrict(self.request.scope).filter(
            organisers=self.object
        )
        return context
