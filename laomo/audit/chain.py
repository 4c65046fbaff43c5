"""The audit log's hash chain: each entry carries the hash of the entry before it and a hash of
its own content with that link, so that an entry deleted, edited or slipped in outside the
application breaks the chain at that place.

Written once here and read by the writer (`laomo.audit.services.record`), the migration that
chained the entries written before the chain (audit.0008) and the verification
(`laomo audit-verify`, `laomo check`). What goes into `digest` may never change: the entries
already written were hashed with it.

The hash is SHA-256 without a key: it shows a change made by someone who did not also recompute
every later hash. Whoever can write the table and recomputes the chain is caught only by
comparing with a hash kept elsewhere (`laomo audit-verify` prints the last one).
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC

from django.db import connections
from django.utils.translation import gettext_lazy as _

# The link of the first entry ever written: no entry came before it.
GENESIS = "0" * 64
# `laomo check` looks at this many of the newest entries; `laomo audit-verify` at all of them.
CHECK_RECENT = 1000


def _ip(value) -> str:
    """The address as bytes in hex: the same whatever text the database gives back for it."""
    if not value:
        return ""
    try:
        return ipaddress.ip_address(str(value)).packed.hex()
    except ValueError:
        return str(value)


def _plain(value):
    """JSON data as any database gives it back: a whole float may come back as an integer."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def digest(entry) -> str:
    """The hash of `entry`'s content and its link (`prev_hash`). `at` must be set."""
    content = [
        entry.prev_hash,
        entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        entry.actor_id,
        entry.actor_name,
        _ip(entry.ip),
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.object_repr,
        entry.region_path,
        entry.outcome,
        _plain(entry.data),
    ]
    text = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# PostgreSQL: one writer at a time appends to the chain, from the link to its commit; SQLite's
# writers are one at a time already (transactions begin IMMEDIATE, see settings).
CHAIN_LOCK = 0x6C616F6D6F2D61  # "laomo-a"


def lock(using: str = "default") -> None:
    """Hold the chain until the current transaction ends (call inside `transaction.atomic`)."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])


@dataclass(frozen=True)
class Break:
    """Where the chain is broken: the first entry that does not fit, and how."""

    entry_id: int
    at: object
    reason: str


@dataclass(frozen=True)
class Verdict:
    checked: int
    last_hash: str
    broken: Break | None
    last_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None


def walk(entries: Iterable, *, first_link_ok) -> Verdict:
    """Check `entries` (in the order written). `first_link_ok(entry)` says whether the first
    one's link is as it should be (the start of the log, or where a purge cut it)."""
    previous = None
    checked = 0
    for entry in entries:
        checked += 1
        if previous is None:
            if not first_link_ok(entry):
                return Verdict(checked, "", Break(entry.pk, entry.at, str(_BEFORE_FIRST)))
        elif entry.prev_hash != previous.hash:
            return Verdict(checked, "", Break(entry.pk, entry.at, str(_LINK)))
        if entry.hash != digest(entry):
            return Verdict(checked, "", Break(entry.pk, entry.at, str(_CONTENT)))
        previous = entry
    if previous is None:
        return Verdict(checked, GENESIS, None)
    return Verdict(checked, previous.hash, None, previous.pk)


_BEFORE_FIRST = _("最早一条记录之前的记录被删除（没有哪次清理过期记录说明此处）")
_LINK = _("与前一条记录衔接不上：其间有记录被删除或插入，或前一条被改动")
_CONTENT = _("记录内容与其哈希不符：记录被改动")
