from django.http import Http404

from laomo.core.views import (
    ObjectDetailView,
    ObjectListView,
)
from laomo.outreach.models import Talk
from laomo.schools.exporters import SchoolListExporter
from laomo.schools.filters import SchoolFilterSet
from laomo.schools.models import School


class SchoolListView(ObjectListView):
    model = School
    permission = "schools.view"
    filterset_class = SchoolFilterSet
    exporter_class = SchoolListExporter
    template_name = "schools/school_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("region")


class SchoolDetailView(ObjectDetailView):
    """A school, with the talks held there that the reader may see, newest first."""

    model = School
    permission = "schools.view"
    template_name = "schools/school_detail.html"
    TALK_LIMIT = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        talks = (
            Talk.objects.restrict(self.request.scope)
            .current()
            .filter(school=self.object)
            .order_by("-starts_at", "-id")
        )
        shown = list(talks[: self.TALK_LIMIT + 1])
        context.update(
            talks=shown[: self.TALK_LIMIT],
            more_talks=len(shown) > self.TALK_LIMIT,
            is_own_school=self.request.scope.is_school,
        )
        return context


class MySchoolView(SchoolDetailView):
    """本校: a school contact's own school and its talks, in place of the registry's lists."""

    def get_object(self, queryset=None):
        scope = self.request.scope
        if not scope.is_school or scope.school_id is None:
            raise Http404
        self.kwargs["pk"] = scope.school_id
        return super().get_object()
