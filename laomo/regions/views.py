from django.db.models import Count, Q
from django.views.generic import ListView

from laomo.core.views import (
    ArchiveView,
    HistoryView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedViewMixin,
)
from laomo.people.models import LectureGroup, Person
from laomo.regions.filters import OrganisationFilterSet
from laomo.regions.forms import OrganisationForm
from laomo.regions.models import Organisation, Region
from laomo.schools.models import School


def _current(related: str) -> Q:
    return Q(**{f"{related}__archived_at__isnull": True})


class RegionListView(ScopedViewMixin, ListView):
    """The regions within the user's own, with how many schools, people and groups each has."""

    model = Region
    permission = "regions.view"
    template_name = "regions/region_list.html"

    def get_queryset(self):
        return (
            self.scoped()
            .annotate(
                school_count=Count("schools", filter=_current("schools"), distinct=True),
                person_count=Count("people", filter=_current("people"), distinct=True),
            )
            .select_related("parent")
        )


class RegionDetailView(ObjectDetailView):
    model = Region
    permission = "regions.view"
    template_name = "regions/region_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        scope = self.request.scope
        region = self.object
        context.update(
            children=Region.objects.restrict(scope).filter(parent=region),
            school_count=School.objects.restrict(scope).current().filter(region=region).count(),
            person_count=Person.objects.restrict(scope).current().filter(region=region).count(),
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


class OrganisationEditView(ObjectEditView):
    model = Organisation
    permission = "organisations.change"
    form_class = OrganisationForm


class OrganisationArchiveView(ArchiveView):
    model = Organisation
    permission = "organisations.change"


class OrganisationRestoreView(OrganisationArchiveView):
    restore = True


class OrganisationHistoryView(HistoryView):
    model = Organisation
    permission = "organisations.view"
