from laomo.core.views import (
    ObjectDetailView,
    ObjectListView,
)
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
    model = School
    permission = "schools.view"
    template_name = "schools/school_detail.html"
