"""Service functions shared by every registry model: create, update, archive, restore, export.

Views, the API and commands all call these, so every change leaves the same audit entry.
Domain services (people) build on them.
"""

from __future__ import annotations

from django.db import models, transaction
from django.utils import timezone

from laomo.audit.models import AuditEntry
from laomo.audit.services import record
from laomo.core.dates import cn_moment


def describe(obj: models.Model, names) -> dict[str, str]:
    """Field values as the audit log shows them. Personal data named in the model's
    `audit_masked` ({"phone": "masked_phone"}) is shown only masked."""
    masked = getattr(obj, "audit_masked", {})
    values = {}
    for name in names:
        if name in masked:
            values[name] = getattr(obj, masked[name])
            continue
        field = obj._meta.get_field(name)
        if field.many_to_many:
            related = getattr(obj, name).unrestricted() if obj.pk else []
            values[name] = "、".join(str(item) for item in related)
        elif field.choices:
            values[name] = str(getattr(obj, f"get_{name}_display")())
        else:
            value = getattr(obj, name)
            if isinstance(value, bool):
                value = "是" if value else "否"
            values[name] = "" if value is None else str(cn_moment(value))
    return values


@transaction.atomic
def save_object(form, *, acting_user) -> models.Model:
    """Create or update the form's instance, recording what changed, from what, to what."""
    creating = form.instance.pk is None
    names = form.changed_data
    before = (
        {}
        if creating
        else describe(type(form.instance)._base_manager.get(pk=form.instance.pk), names)
    )
    form.instance._history_user = acting_user
    obj = form.save()
    if creating:
        record(AuditEntry.Action.CREATE, actor=acting_user, obj=obj)
    elif names:
        after = describe(obj, names)
        changed = {
            name: [before[name], after[name]] for name in names if before[name] != after[name]
        }
        if changed:
            record(AuditEntry.Action.UPDATE, actor=acting_user, obj=obj, data={"changed": changed})
    return obj


@transaction.atomic
def archive_object(obj, *, acting_user, reason: str = "") -> None:
    if obj.archived_at is not None:
        return
    obj.archived_at = timezone.now()
    _save_recorded(obj, acting_user)
    record(AuditEntry.Action.ARCHIVE, actor=acting_user, obj=obj, data={"reason": reason})


@transaction.atomic
def restore_object(obj, *, acting_user) -> None:
    if obj.archived_at is None:
        return
    obj.archived_at = None
    _save_recorded(obj, acting_user)
    record(AuditEntry.Action.RESTORE, actor=acting_user, obj=obj)


def _save_recorded(obj, acting_user) -> None:
    obj._history_user = acting_user
    obj.save(update_fields=["archived_at", "updated_at"])


def record_export(exporter, *, actor, region, obj: models.Model | None = None) -> None:
    """An export, against `obj` when it is one record's document (a group's roster), so that it
    shows among that record's events."""
    record(
        AuditEntry.Action.EXPORT,
        actor=actor,
        obj=obj,
        region=region,
        object_type=exporter.object_type,
        object_repr=exporter.filename,
        data={"rows": exporter.row_count, "filename": exporter.filename, **exporter.audit_data()},
    )
