"""Writing the audit log. Every service that changes or reveals something calls `record`."""

from __future__ import annotations

from typing import Any

from django.db import models

from laomo.audit.models import AuditEntry
from laomo.core.requests import current_ip


def record(
    action: str,
    *,
    actor=None,
    obj: models.Model | None = None,
    region=None,
    data: dict[str, Any] | None = None,
    outcome: str = "success",
    object_type: str = "",
    object_repr: str = "",
    actor_name: str = "",
) -> AuditEntry:
    """Append one entry. `region` defaults to the object's own region, for scoping the log.
    `actor_name` names an actor who is no account (the user name a failed sign-in tried)."""
    if region is None and obj is not None:
        region = getattr(obj, "region", None)
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=(actor_name or _actor_name(actor))[:150],
        ip=current_ip(),
        action=action,
        object_type=object_type or (obj._meta.label_lower if obj is not None else ""),
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:200],
        region_path=region.path if region is not None else "",
        outcome=outcome,
        data=data or {},
    )


def _actor_name(actor) -> str:
    if actor is None or not getattr(actor, "pk", None):
        return "命令行"
    return str(actor)
