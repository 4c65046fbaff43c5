"""The audit log against every write form SQL has (both databases), and its hash chain."""

import importlib
import threading
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from laomo.audit import chain
from laomo.audit.models import AuditEntry
from laomo.audit.services import purge_expired, record, verify
from laomo.audit.tests.test_audit import entry_at

TABLE = AuditEntry._meta.db_table
COLUMNS = (
    "id, at, actor_id, actor_name, ip, action, object_type, object_id, object_repr, "
    "region_path, outcome, data, prev_hash, hash"
)
FORGED = (
    "id, at, actor_id, 'forged', ip, action, object_type, object_id, object_repr, "
    "region_path, outcome, data, prev_hash, hash"
)


def _sql(statement: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _write_forms(young: int, old: int) -> list[tuple[str, tuple]]:
    """Every statement by which the app's own account could rewrite or remove an entry."""
    copy = f"SELECT {FORGED} FROM {TABLE} WHERE id = %s"  # noqa: S608 - test SQL
    forms = [
        (f"UPDATE {TABLE} SET actor_name = 'forged' WHERE id = %s", (young,)),  # noqa: S608
        (f"UPDATE {TABLE} SET actor_name = 'forged' WHERE id = %s", (old,)),  # noqa: S608
        (f"DELETE FROM {TABLE} WHERE id = %s", (young,)),  # noqa: S608
    ]
    if connection.vendor == "sqlite":
        for target in (young, old):
            forms += [
                (f"REPLACE INTO {TABLE} ({COLUMNS}) {copy}", (target,)),
                (f"INSERT OR REPLACE INTO {TABLE} ({COLUMNS}) {copy}", (target,)),
                (
                    f"INSERT INTO {TABLE} ({COLUMNS}) {copy} "
                    "ON CONFLICT(id) DO UPDATE SET actor_name = excluded.actor_name",
                    (target,),
                ),
                (f"UPDATE OR REPLACE {TABLE} SET actor_name = 'x' WHERE id = %s", (target,)),  # noqa: S608
            ]
    else:
        for target in (young, old):
            forms += [
                (
                    f"INSERT INTO {TABLE} ({COLUMNS}) {copy} "
                    "ON CONFLICT (id) DO UPDATE SET actor_name = EXCLUDED.actor_name",
                    (target,),
                ),
                (
                    f"MERGE INTO {TABLE} t USING (SELECT %s::bigint AS id) s ON t.id = s.id "
                    "WHEN MATCHED THEN UPDATE SET actor_name = 'forged'",
                    (target,),
                ),
            ]
        forms.append(
            (
                f"MERGE INTO {TABLE} t USING (SELECT %s::bigint AS id) s ON t.id = s.id "
                "WHEN MATCHED THEN DELETE",
                (young,),
            )
        )
    return forms


@pytest.mark.parametrize("recursive_triggers", [False, True])
def test_no_statement_of_the_apps_account_rewrites_an_entry(world, recursive_triggers):
    """UPDATE, DELETE of a young entry, and on SQLite REPLACE, INSERT OR REPLACE, an upsert and
    UPDATE OR REPLACE (with `recursive_triggers` on or off); on PostgreSQL INSERT … ON CONFLICT
    DO UPDATE and MERGE. The entries stay as written and the chain holds. An old entry (which
    the purge may delete) cannot be replaced either."""
    if recursive_triggers and connection.vendor != "sqlite":
        pytest.skip("recursive_triggers is SQLite's")
    young = record(AuditEntry.Action.REVEAL_PHONE, obj=world.a.person)
    old = entry_at(timezone.now() - timedelta(days=400))
    if recursive_triggers:
        _sql("PRAGMA recursive_triggers = ON")
    try:
        for statement, params in _write_forms(young.pk, old.pk):
            with pytest.raises(IntegrityError, match="审计记录"), transaction.atomic():
                _sql(statement, *params)
    finally:
        if recursive_triggers:
            _sql("PRAGMA recursive_triggers = OFF")
    rows = AuditEntry.objects.unrestricted().filter(pk__in=[young.pk, old.pk])
    assert sorted(rows.values_list("actor_name", "hash")) == sorted(
        [(young.actor_name, young.hash), (old.actor_name, old.hash)]
    )
    assert verify().ok


def test_each_entry_carries_the_hash_of_the_one_before(world, capsys):
    first = record(AuditEntry.Action.REVEAL_PHONE, obj=world.a.person, data={"masked": "1"})
    second = record(AuditEntry.Action.EXPORT, object_repr="台账.xlsx", data={"rows": (1, 2)})
    third = record(AuditEntry.Action.IMPORT, object_repr="花名册.xlsx", data={"rows": 1.0})
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    for entry in (first, second, third):
        stored = AuditEntry.objects.unrestricted().get(pk=entry.pk)
        assert stored.hash == entry.hash == chain.digest(stored)
        assert stored.at == entry.at
    count = AuditEntry.objects.unrestricted().count()
    verdict = verify()
    assert verdict.ok
    assert (verdict.checked, verdict.last_hash) == (count, third.hash)
    call_command("audit_verify")
    assert f"共 {count} 条记录" in capsys.readouterr().out


def _owner(statement: str, *params) -> None:
    """What a table owner can still do: set the triggers aside and write."""
    if connection.vendor == "sqlite":
        _sql("DROP TRIGGER IF EXISTS audit_entry_no_update")
        _sql("DROP TRIGGER IF EXISTS audit_entry_no_early_delete")
    else:
        _sql("SET CONSTRAINTS ALL IMMEDIATE")  # the test's inserts leave checks pending
        _sql(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
    _sql(statement, *params)


def _three(world):
    return [
        record(AuditEntry.Action.REVEAL_PHONE, obj=world.a.person, data={"masked": str(n)})
        for n in range(3)
    ]


def test_an_edit_by_the_table_owner_is_found_and_named(world):
    _first, edited, _last = _three(world)
    _owner(f"UPDATE {TABLE} SET actor_name = 'someone else' WHERE id = %s", edited.pk)  # noqa: S608
    broken = verify().broken
    assert broken.entry_id == edited.pk
    assert "内容与其哈希不符" in broken.reason
    with pytest.raises(CommandError, match=f"编号 {edited.pk} 的记录"):
        call_command("audit_verify")
    # `laomo check` looks at the newest entries and fails the same way.
    with pytest.raises(CommandError, match=f"编号 {edited.pk} 的记录"):
        call_command("check")


def test_a_deletion_by_the_table_owner_is_found_at_the_next_entry(world):
    _first, deleted, last = _three(world)
    _owner(f"DELETE FROM {TABLE} WHERE id = %s", deleted.pk)  # noqa: S608
    broken = verify().broken
    assert (broken.entry_id, broken.at) == (last.pk, last.at)
    assert "衔接不上" in broken.reason


def test_the_oldest_entries_deleted_outside_the_purge_are_found(world):
    """The database lets the app's account delete entries past the retention; only the purge
    says where the chain now starts, so a quiet deletion of the oldest shows."""
    old = entry_at(timezone.now() - timedelta(days=400))
    older_kept = entry_at(timezone.now() - timedelta(days=300))
    record(AuditEntry.Action.EXPORT, object_repr="台账.xlsx")
    _sql(f"DELETE FROM {TABLE} WHERE id <= %s", old.pk)  # noqa: S608 - allowed: past 183 days
    broken = verify().broken
    assert broken.entry_id == older_kept.pk
    assert "最早一条记录之前" in broken.reason


def test_the_chain_survives_the_purge_and_goes_on(world, capsys):
    entry_at(timezone.now() - timedelta(days=400))
    entry_at(timezone.now() - timedelta(days=390))
    kept = entry_at(timezone.now() - timedelta(days=20))
    result = purge_expired()
    assert result.deleted >= 2
    first = AuditEntry.objects.unrestricted().order_by("pk").first()
    assert result.entry.data["chain_from"] == kept.pk == first.pk
    record(AuditEntry.Action.EXPORT, object_repr="台账.xlsx")
    assert verify().ok
    call_command("check")
    assert "哈希链完整" in capsys.readouterr().out


def test_a_purge_that_takes_everything_before_it_leaves_a_sound_chain(world):
    """The purge's own entry is then the first; it says so."""
    entry_at(timezone.now() - timedelta(days=400))
    assert AuditEntry.objects.unrestricted().count() == 1
    purge = purge_expired().entry
    assert purge.data["chain_from"] == ""
    assert AuditEntry.objects.unrestricted().get() == purge
    assert verify().ok


class _Editor:
    """Enough of a schema editor for the migration's data step inside a test's transaction."""

    def __init__(self):
        self.connection = connection

    def execute(self, sql, params=()):
        _sql(sql, *(params or ()))


def test_the_migration_chains_existing_entries_and_may_run_again(world):
    migration = importlib.import_module("laomo.audit.migrations.0007_audit_chain")
    entries = _three(world)
    _owner(f"UPDATE {TABLE} SET prev_hash = '', hash = ''")  # noqa: S608 - as before the chain
    migration.chain_existing(apps, _Editor())
    hashes = list(AuditEntry.objects.unrestricted().order_by("pk").values_list("hash", flat=True))
    assert hashes[-3:] == [entry.hash for entry in entries]  # as the writer computed them
    assert verify().ok
    migration.chain_existing(apps, _Editor())
    again = AuditEntry.objects.unrestricted().order_by("pk").values_list("hash", flat=True)
    assert list(again) == hashes
    # And the guard is back in place afterwards.
    with pytest.raises(IntegrityError), transaction.atomic():
        _sql(f"UPDATE {TABLE} SET actor_name = 'x'")  # noqa: S608


@pytest.mark.django_db(transaction=True)
def test_two_writers_at_once_do_not_fork_the_chain(world):
    """Each writer on its own connection; on PostgreSQL the chain's lock, on SQLite the write
    lock taken at BEGIN, keep every entry hung on a different predecessor."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("an in-memory SQLite database is one connection")
    barrier = threading.Barrier(2)
    errors = []

    def write(n):
        try:
            barrier.wait()
            for i in range(15):
                record(AuditEntry.Action.EXPORT, object_repr=f"{n}-{i}")
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    links = list(AuditEntry.objects.unrestricted().values_list("prev_hash", flat=True))
    assert len(links) == len(set(links))
    assert verify().ok


def test_an_older_copy_of_the_database_put_back_is_found(world, settings, tmp_path, capsys):
    """The head `audit-verify` last saw is kept outside the database: a database that no longer
    holds it (an old copy restored by hand, a tail cut off) fails, though its own chain is sound."""
    settings.LAOMO_AUDIT_ANCHOR = str(tmp_path / "anchor.json")
    _three(world)
    call_command("audit_verify")
    record(AuditEntry.Action.EXPORT, object_repr="台账.xlsx")
    call_command("audit_verify")  # a longer log holds the old head: fine, and the head moves on
    newest = AuditEntry.objects.unrestricted().order_by("-pk").first()
    assert f'"id": {newest.pk}' in (tmp_path / "anchor.json").read_text()
    # The newest entry gone, as in an older copy of the file put back.
    _owner(f"DELETE FROM {TABLE} WHERE id = %s", newest.pk)  # noqa: S608
    assert verify().ok  # the chain alone cannot tell
    with pytest.raises(CommandError, match=f"编号 {newest.pk} 的记录"):
        call_command("audit_verify")
    with pytest.raises(CommandError, match="较旧的副本"):
        call_command("check")
    # `laomo restore` forgets the head: going back to a backup is no tampering.
    from laomo.audit.services import forget_anchor

    forget_anchor()
    call_command("audit_verify")
    assert f'"id": {newest.pk - 1}' in (tmp_path / "anchor.json").read_text()
