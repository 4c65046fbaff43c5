from laomo.audit.exporters import AuditLogExporter
from laomo.audit.filters import AuditFilterSet
from laomo.audit.models import AuditEntry
from laomo.audit.services import refusal_summary
from laomo.core.views import ObjectListView


class AuditListView(ObjectListView):
    """The audit log of the user's region, newest first; the city's offices may export it."""

    model = AuditEntry
    permission = "audit.view"
    filterset_class = AuditFilterSet
    exporter_class = AuditLogExporter
    export_permission = "audit.export"
    template_name = "audit/audit_list.html"
    paginate_by = 50

    def get_queryset(self):
        return super().get_queryset().select_related("actor", "window")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Over the reader's whole log (their region's), not the filtered page.
        context["refusals"] = refusal_summary(self.scoped())
        return context
