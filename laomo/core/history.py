"""Reading django-simple-history records back as "who changed what, from what, to what"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import models

from laomo.core.dates import cn_moment


@dataclass
class FieldChange:
    field: str
    old: str
    new: str


@dataclass
class ChangeRecord:
    at: datetime
    user: str
    kind: str
    subject: str
    changes: list[FieldChange]


_KINDS = {"+": "新建", "~": "修改", "-": "删除"}


def _value(model: type[models.Model], name: str, value) -> str:
    field = model._meta.get_field(name)
    if value is None or value == "":
        return "—"
    if name in getattr(model, "audit_masked", {}):
        # Personal data is shown masked here as everywhere: in full only through a recorded reveal.
        return getattr(model(**{name: value}), model.audit_masked[name])
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return "是" if value else "否"
    if field.is_relation and field.many_to_one:
        related = field.related_model._base_manager.filter(pk=value).first()
        return str(related) if related is not None else f"#{value}"
    if isinstance(field, models.ManyToManyField):
        return "、".join(str(item) for item in value) or "—"
    if isinstance(field, (models.DateTimeField, models.DateField)):
        return cn_moment(value)
    return str(value)


def history_of(records, subject=None) -> list[ChangeRecord]:
    """ChangeRecords for a queryset of historical records, newest first. `subject(record)` names
    what each record is about (the object itself when not given)."""
    records = list(records.select_related("history_user").order_by("history_date", "history_id"))
    log: list[ChangeRecord] = []
    previous_of: dict[object, object] = {}
    for item in records:
        model = item.instance_type
        changes: list[FieldChange] = []
        previous = previous_of.get(item.id)
        if previous is not None and item.history_type == "~":
            delta = item.diff_against(previous)
            for change in delta.changes:
                field = model._meta.get_field(change.field)
                label = str(field.verbose_name)
                if isinstance(field, models.ManyToManyField):
                    old = [_related(field, row) for row in change.old]
                    new = [_related(field, row) for row in change.new]
                    changes.append(FieldChange(label, "、".join(old) or "—", "、".join(new) or "—"))
                else:
                    changes.append(
                        FieldChange(
                            label,
                            _value(model, change.field, change.old),
                            _value(model, change.field, change.new),
                        )
                    )
            if not changes:
                previous_of[item.id] = item
                continue
        log.append(
            ChangeRecord(
                at=item.history_date,
                user=str(item.history_user) if item.history_user else "命令行/系统",
                kind=_KINDS.get(item.history_type, item.history_type),
                subject=subject(item) if subject else "",
                changes=changes,
            )
        )
        previous_of[item.id] = item
    return log[::-1]


def _related(field, row) -> str:
    target = field.related_model
    key = next(
        (name for name in row if name not in ("id", "history", field.model._meta.model_name)), None
    )
    pk = row.get(target._meta.model_name) or (row.get(key) if key else None)
    obj = target._base_manager.filter(pk=pk).first()
    return str(obj) if obj is not None else f"#{pk}"


def change_log(obj: models.Model, scope) -> list[ChangeRecord]:
    """The object's own history, with that of its parts that `scope` may see (`history_parts`)."""
    log = history_of(obj.history.all())
    parts = obj.history_parts(scope) if hasattr(obj, "history_parts") else []
    for records, subject in parts:
        log.extend(history_of(records, subject=subject))
    return sorted(log, key=lambda record: record.at, reverse=True)
