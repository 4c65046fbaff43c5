"""How often /api/ may be called: per client address (every call, before its token is read) and
per token (`LAOMO_API_RATE_PER_ADDRESS`, `LAOMO_API_RATE_PER_TOKEN` calls in
`LAOMO_API_RATE_WINDOW` seconds).

A fixed window: the calls of each (address or token, window) are counted in Django's cache under
a key naming the window, which the cache forgets when the window is over. `add` and `incr` are
atomic in Redis (REDIS_URL) and within one process in local memory, so of the calls that cross
the limit exactly one sees the count limit + 1: that one leaves the audit entry, one per caller
per window however long they go on. (A fixed window lets a caller make up to twice the limit
across a window's edge; for keeping a runaway integration or a scanner from flooding the server,
that is close enough, and it costs one cache round trip per call.)
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from laomo.accounts.models import ApiToken
from laomo.audit.models import AuditEntry
from laomo.audit.services import record


@dataclass(frozen=True)
class Verdict:
    """Over the limit: how long until the window ends, and whether this call is the first one
    refused in it (the one to record)."""

    retry_after: int
    first: bool


def _count(kind: str, who: str, limit: int) -> Verdict | None:
    """Count one call of `who`; a Verdict once they are past `limit` in this window."""
    window = settings.LAOMO_API_RATE_WINDOW
    if limit <= 0 or window <= 0:
        return None
    now = time.time()
    number = int(now // window)
    key = f"api-rate:{kind}:{who}:{number}"
    cache.add(key, 0, timeout=window + 1)
    try:
        calls = cache.incr(key)
    except ValueError:  # the key expired between add and incr: a new window has begun
        cache.add(key, 1, timeout=window + 1)
        calls = 1
    if calls <= limit:
        return None
    retry_after = max(1, math.ceil((number + 1) * window - now))
    return Verdict(retry_after=retry_after, first=calls == limit + 1)


def check_address(ip: str | None) -> Verdict | None:
    return _count("ip", ip or "-", settings.LAOMO_API_RATE_PER_ADDRESS)


def check_token(token: ApiToken) -> Verdict | None:
    return _count("token", str(token.pk), settings.LAOMO_API_RATE_PER_TOKEN)


def refusal_detail(limit: int, verdict: Verdict) -> str:
    return _("调用过于频繁：每{window}秒最多{limit}次，请{seconds}秒后再试").format(
        window=settings.LAOMO_API_RATE_WINDOW, limit=limit, seconds=verdict.retry_after
    )


def record_address_limited(ip: str | None) -> None:
    """One entry per address per window, filed with the city (an address names no account)."""
    from laomo.accounts.services import audit_region

    record(
        AuditEntry.Action.RATE_LIMITED,
        actor_name=_("API 调用方"),
        object_repr=_("地址 {ip}").format(ip=ip or "-"),
        region=audit_region(None),
        outcome="denied",
        data={
            "reason": _("同一地址每{window}秒调用超过{limit}次").format(
                window=settings.LAOMO_API_RATE_WINDOW, limit=settings.LAOMO_API_RATE_PER_ADDRESS
            ),
        },
    )


def record_token_limited(token: ApiToken) -> None:
    """One entry per token per window, filed where its account's sign-ins are."""
    from laomo.accounts.services import audit_region, describe_token

    user = token.user
    record(
        AuditEntry.Action.RATE_LIMITED,
        actor=user,
        obj=token,
        object_repr=describe_token(token),
        region=audit_region(user),
        outcome="denied",
        data={
            "reason": _("同一令牌每{window}秒调用超过{limit}次").format(
                window=settings.LAOMO_API_RATE_WINDOW, limit=settings.LAOMO_API_RATE_PER_TOKEN
            ),
        },
    )
