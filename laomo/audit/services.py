"""Writing the audit log. Every service that changes or reveals something calls `record`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from laomo.audit.models import MIN_RETENTION_DAYS, AuditEntry
from laomo.core.dates import cn_datetime
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
    using: str = "default",
) -> AuditEntry:
    """Append one entry. `region` defaults to the object's own region, for scoping the log.
    `actor_name` names an actor who is no account (the user name a failed sign-in tried)."""
    if region is None and obj is not None:
        region = getattr(obj, "region", None)
    return AuditEntry.objects.db_manager(using).create(
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


@dataclass(frozen=True)
class PurgeResult:
    cutoff: datetime
    retention_days: int
    deleted: int
    entry: AuditEntry | None


def retention_days(days: int | None = None) -> int:
    """The retention period: `days`, else the setting; never less than the minimum."""
    days = settings.LAOMO_AUDIT_RETENTION_DAYS if days is None else days
    if days < MIN_RETENTION_DAYS:
        raise ValueError(
            _("审计记录至少保留{minimum}天，不能设为{days}天").format(
                minimum=MIN_RETENTION_DAYS, days=days
            )
        )
    return days


@transaction.atomic
def purge_expired(*, days: int | None = None, dry_run: bool = False) -> PurgeResult:
    """Delete the entries older than the retention period and record that it was done, how many
    went and up to when. The purge's own entry is attached to the city, so that the city's
    officials see it in the log."""
    days = retention_days(days)
    cutoff = timezone.now() - timedelta(days=days)
    expired = AuditEntry.objects.unrestricted().filter(at__lt=cutoff)
    if dry_run:
        return PurgeResult(cutoff, days, expired.count(), None)
    oldest = expired.aggregate(oldest=Min("at"))["oldest"]
    deleted = AuditEntry.objects.unrestricted().purge_before(cutoff)
    entry = record(
        AuditEntry.Action.PURGE,
        region=city_region(),
        object_type="audit.auditentry",
        object_repr=_("审计日志"),
        data={
            "retention_days": days,
            "before": cn_datetime(cutoff),
            "deleted": deleted,
            "oldest": cn_datetime(oldest),
        },
    )
    return PurgeResult(cutoff, days, deleted, entry)


def city_region(using: str = "default"):
    """The city's own region (LAOMO_CITY_CODE), to which system events are attached."""
    from laomo.regions.models import Region

    return (
        Region.objects.db_manager(using)
        .unrestricted()
        .filter(code=settings.LAOMO_CITY_CODE)
        .first()
    )
