"""Writing the audit log. Every service that changes or reveals something calls `record`; every
refusal (a request for something outside the caller's scope or rights, a refused file, token or
sign-in) calls `record_refusal`."""

from __future__ import annotations

import contextvars
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Min
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from laomo.audit import chain
from laomo.audit.models import MIN_RETENTION_DAYS, AuditEntry, Refusal, RefusalWindow
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
    entry = AuditEntry(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=(actor_name or _actor_name(actor))[:150],
        ip=current_ip(),
        action=action,
        object_type=object_type or (obj._meta.label_lower if obj is not None else ""),
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:200],
        region_path=region.path if region is not None else "",
        outcome=outcome,
        # As the database will give it back (tuples as lists, keys as text), which is what the
        # hash is checked against later.
        data=json.loads(json.dumps(data or {})),
    )
    # The link and the time are taken under the chain's lock, so that two writers never hang
    # their entries on the same predecessor (a fork) and times follow the order of the chain.
    with transaction.atomic(using=using):
        chain.lock(using)
        last = (
            AuditEntry.objects.db_manager(using)
            .unrestricted()
            .order_by("-pk")
            .values_list("hash", flat=True)
            .first()
        )
        entry.at = timezone.now()
        entry.prev_hash = last or chain.GENESIS
        entry.hash = chain.digest(entry)
        entry.save(using=using)
    return entry


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
    deleted, first_kept = AuditEntry.objects.unrestricted().purge_before(cutoff)
    entry = record(
        AuditEntry.Action.PURGE,
        region=city_region(),
        object_type="audit.auditentry",
        object_repr=_("审计日志"),
        data={
            "retention_days": days,
            "before": cn_datetime(cutoff),
            "deleted": deleted,
            "oldest": cn_datetime(oldest) if oldest else "",
            # Where the chain now begins: `verify` accepts its first entry's link on this word
            # (and, with nothing left before this entry, on this entry's own).
            "chain_from": first_kept.pk if first_kept is not None else "",
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


# Verifying the chain ----------------------------------------------------------------------------


def verify(*, recent: int | None = None, using: str = "default") -> chain.Verdict:
    """Check the chain, from the oldest entry left (all of it), or only the newest `recent`
    entries and their links to each other (`laomo check`)."""
    entries = AuditEntry.objects.db_manager(using).unrestricted()
    first_link_ok = _chain_starts_at
    if recent is not None:
        boundary = entries.order_by("-pk").values_list("pk", flat=True)[recent - 1 : recent]
        if boundary:
            entries = entries.filter(pk__gte=boundary[0])

            def first_link_ok(entry):
                return True  # its predecessor is not read

    return chain.walk(entries.order_by("pk").iterator(chunk_size=2000), first_link_ok=first_link_ok)


# The chain's head as last verified, kept outside the database (LAOMO_AUDIT_ANCHOR): an old copy
# of the database put back, or a run of entries removed and the hashes recomputed, no longer
# holds the entry it names.


def anchor_problem(using: str = "default") -> str | None:
    """Why the database no longer holds the head that `laomo audit-verify` last saw, if so."""
    path = settings.LAOMO_AUDIT_ANCHOR
    if not path:
        return None
    try:
        anchor = json.loads(Path(path).read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return _("无法读取 {path}").format(path=path)
    held = (
        AuditEntry.objects.db_manager(using)
        .unrestricted()
        .filter(pk=anchor["id"], hash=anchor["hash"])
        .exists()
    )
    if held:
        return None
    return _(
        "上次核对（{checked}）时最后一条记录是编号 {id} 的记录，"
        "现在数据库中已没有这条记录或它已改变："
        "数据库可能被换成了较旧的副本，或有一段记录被删除后重算了哈希"
    ).format(checked=anchor.get("checked", ""), id=anchor["id"])


def save_anchor(verdict: chain.Verdict) -> None:
    """Remember the verified head (written whole, then moved into place)."""
    path = settings.LAOMO_AUDIT_ANCHOR
    if not path or verdict.last_id is None:
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    checked = f"{timezone.localtime():%Y-%m-%d %H:%M:%S}"
    text = json.dumps({"id": verdict.last_id, "hash": verdict.last_hash, "checked": checked})
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text)
    partial.replace(path)


def forget_anchor() -> None:
    """After `laomo restore`: the database is an older one on purpose (and the log says so)."""
    if settings.LAOMO_AUDIT_ANCHOR:
        Path(settings.LAOMO_AUDIT_ANCHOR).unlink(missing_ok=True)


def _chain_starts_at(entry: AuditEntry) -> bool:
    """Whether the chain may begin at `entry`: the first entry ever written, or the first one a
    purge left (the purge's own entry, chained after it, says so)."""
    if entry.prev_hash == chain.GENESIS:
        return True
    purges = AuditEntry.objects.db_manager(entry._state.db).unrestricted()
    purges = purges.filter(action=AuditEntry.Action.PURGE)
    if entry.action == AuditEntry.Action.PURGE and entry.data.get("chain_from") == "":
        return True  # the purge took everything before itself
    return purges.filter(data__chain_from=entry.pk).exists()


# Refusals ---------------------------------------------------------------------------------------

# Refusals of one kind to one account (or to anonymous callers) from one address within this time
# of the first leave one entry, and a count of them.
REFUSAL_WINDOW = timedelta(hours=1)

REFUSAL_ACTIONS = {
    Refusal.SCOPE: AuditEntry.Action.ACCESS_DENIED,
    Refusal.PERMISSION: AuditEntry.Action.ACCESS_DENIED,
    Refusal.METHOD: AuditEntry.Action.ACCESS_DENIED,
    Refusal.UPLOAD: AuditEntry.Action.UPLOAD_REFUSED,
    Refusal.IMPORT: AuditEntry.Action.UPLOAD_REFUSED,
    Refusal.TOKEN: AuditEntry.Action.TOKEN_REFUSED,
}

# The refusals of the request being served, written once its response is ready
# (`RefusalMiddleware`): after any transaction of the view has ended, so that a refusal raised
# inside one (a 404 rolls it back) is not rolled back with it.
pending_refusals: contextvars.ContextVar[list | None] = contextvars.ContextVar(
    "laomo_refusals", default=None
)


def record_refusal(
    who,
    kind: str,
    *,
    obj: models.Model | None = None,
    detail: str = "",
    object_repr: str = "",
    region=None,
    data: dict[str, Any] | None = None,
) -> None:
    """Record that something was refused (a `Refusal` kind): to `who` — a request, an account, a
    `Scope`, or None for the request being served (anonymous, or the command line outside one).

    `obj` is what was asked for; it is named by type and number only, since the entry is filed
    in the caller's region and must not show them what lies outside it. `detail` says why (the
    file's name and its fault, say). The first refusal of a kind to an account from an address
    is recorded in full, the others within `REFUSAL_WINDOW` counted into it (`RefusalWindow`).
    Inside a request the entry is written when its response is ready."""
    refusal = {
        "who": who,
        "kind": kind,
        "obj": obj,
        "detail": str(detail),
        "object_repr": str(object_repr),
        "region": region,
        "data": data or {},
    }
    pending = pending_refusals.get()
    if pending is not None:
        pending.append(refusal)
    else:
        write_refusal(actor=actor_of(who), ip=current_ip(), **refusal)


def actor_of(who):
    from laomo.accounts.models import User
    from laomo.core.scoping import Scope

    if isinstance(who, HttpRequest):
        who = getattr(who, "user", None)
    elif isinstance(who, Scope):
        who = User.objects.filter(pk=who.user_id).first() if who.user_id else None
    return who if getattr(who, "pk", None) else None


def write_refusal(*, actor, ip, who, kind, obj, detail, object_repr, region, data) -> None:
    key = f"{kind}|{actor.pk if actor is not None else '-'}|{ip or '-'}"[:200]
    if _count_into_window(key):
        return
    with transaction.atomic():
        chain.lock()
        if _count_into_window(key):  # another request of the same caller was first
            return
        if region is None:
            region = getattr(actor, "scope_region", None) if actor is not None else None
            region = region or city_region()
        if obj is not None and not object_repr:
            object_repr = f"{obj._meta.verbose_name} {obj.pk}"
        entry = record(
            REFUSAL_ACTIONS[kind],
            actor=actor,
            # No account and no address: the command line; no account with one: anonymous.
            actor_name="" if actor is not None or ip is None else _("匿名访问"),
            obj=obj,
            object_repr=object_repr,
            region=region,
            outcome="denied",
            data={"kind": str(kind), **({"reason": detail} if detail else {}), **data},
        )
        RefusalWindow.objects.create(key=key, started_at=entry.at, last_at=entry.at, entry=entry)


def user_id_of(request) -> int | None:
    return getattr(getattr(request, "user", None), "pk", None)


def _count_into_window(key: str) -> bool:
    now = timezone.now()
    return bool(
        RefusalWindow.objects.filter(key=key, started_at__gt=now - REFUSAL_WINDOW).update(
            count=F("count") + 1, last_at=now
        )
    )


# The week's refusals, for the audit page --------------------------------------------------------

SUMMARY_ACTIONS = (
    AuditEntry.Action.ACCESS_DENIED,
    AuditEntry.Action.UPLOAD_REFUSED,
    AuditEntry.Action.TOKEN_REFUSED,
    AuditEntry.Action.LOGIN_FAILED,
    AuditEntry.Action.LOCKOUT,
)


@dataclass(frozen=True)
class RefusalSummary:
    since: datetime
    total: int
    by_kind: list[tuple[str, int]]
    by_actor: list[tuple[str, int]]
    by_ip: list[tuple[str, int]]


def refusal_summary(entries, *, days: int = 7, top: int = 5) -> RefusalSummary:
    """The refusals among `entries` (the log as the reader may see it) of the last `days` days:
    how many of each kind, and the accounts and addresses refused most (repeats counted)."""
    from collections import Counter

    since = timezone.now() - timedelta(days=days)
    kinds, actors, ips = Counter(), Counter(), Counter()
    labels = dict(AuditEntry.Action.choices)
    refusal_labels = dict(Refusal.choices)
    rows = (
        entries.filter(at__gte=since, action__in=SUMMARY_ACTIONS)
        .order_by()
        .values_list("action", "data", "actor_name", "ip", "window__count")
    )
    for action, data, actor_name, ip, count in rows.iterator(chunk_size=2000):
        n = count or 1
        kind = (data or {}).get("kind") if isinstance(data, dict) else None
        label = labels.get(action, action)
        if kind in refusal_labels and action == AuditEntry.Action.ACCESS_DENIED:
            label = f"{label}（{refusal_labels[kind]}）"
        kinds[label] += n
        actors[actor_name or "—"] += n
        ips[ip or "—"] += n
    return RefusalSummary(
        since=since,
        total=sum(kinds.values()),
        by_kind=kinds.most_common(),
        by_actor=actors.most_common(top),
        by_ip=ips.most_common(top),
    )
