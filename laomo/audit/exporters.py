from django.apps import apps

from laomo.core.dates import cn_datetime
from laomo.core.exporters import ListExporter


def _type_label(object_type: str) -> str:
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type


class AuditLogExporter(ListExporter):
    """The audit log as filtered on the page, newest first, with every entry's details."""

    object_type = "audit.auditentry"
    title = "审计日志"
    headers = ["时间", "操作人", "地址", "事件", "对象类型", "对象编号", "对象", "结果", "详情"]
    column_widths = (20, 16, 16, 14, 14, 10, 32, 10, 60)

    def rows(self):
        labels = {}
        for entry in self.queryset.iterator(chunk_size=2000):
            if entry.object_type not in labels:
                labels[entry.object_type] = _type_label(entry.object_type)
            yield [
                cn_datetime(entry.at),
                entry.actor_name,
                entry.ip or "",
                entry.get_action_display(),
                labels[entry.object_type],
                entry.object_id,
                entry.object_repr,
                "成功" if entry.outcome == "success" else entry.outcome,
                "\n".join(entry.details),
            ]
