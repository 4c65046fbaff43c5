"""Service functions shared by every registry model: create, update, archive, restore, export.

Views, the API and commands all call these, so every change leaves the same audit entry.
Domain services (people, schools) build on them.
"""

from __future__ import annotations

from django.db import models, transaction
from django.utils import timezone

from laomo.audit.models import AuditEntry
from laomo.audit.services import record


def _display(value) -> str:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (list, tuple, set, models.QuerySet)):
        return "、".join(str(item) for item in value)
    return "" if value is None else str(value)


@transaction.atomic
def create_object(form, *, acting_user) -> models.Model:
    obj = form.save()
    record(AuditEntry.Action.CREATE, actor=acting_user, obj=obj)
    return obj


@transaction.atomic
def update_object(form, *, acting_user) -> models.Model:
    changed = {
        name: [_display(form.initial.get(name)), _display(form.cleaned_data.get(name))]
        for name in form.changed_data
    }
    obj = form.save()
    if changed:
        record(AuditEntry.Action.UPDATE, actor=acting_user, obj=obj, data={"changed": changed})
    return obj


@transaction.atomic
def archive_object(obj, *, acting_user, reason: str = "") -> None:
    if obj.archived_at is not None:
        return
    obj.archived_at = timezone.now()
    obj._history_user = acting_user
    obj.save(update_fields=["archived_at", "updated_at"])
    record(AuditEntry.Action.ARCHIVE, actor=acting_user, obj=obj, data={"reason": reason})


@transaction.atomic
def restore_object(obj, *, acting_user) -> None:
    if obj.archived_at is None:
        return
    obj.archived_at = None
    obj._history_user = acting_user
    obj.save(update_fields=["archived_at", "updated_at"])
    record(AuditEntry.Action.RESTORE, actor=acting_user, obj=obj)


def record_export(exporter, *, actor, scope) -> None:
    record(
        AuditEntry.Action.EXPORT,
        actor=actor,
        region=scope.region,
        object_type=exporter.object_type,
        object_repr=exporter.filename,
        data={"rows": exporter.row_count, "filename": exporter.filename},
    )
