"""`laomo backup` and `laomo restore`: a populated database and its files go through a backup and
a restore into a fresh database and fresh folders, and come back row for row, file for file; a
tampered, truncated or foreign archive is refused before anything is touched.

They run on the database the suite runs on: SQLite (the test database in memory, restored into a
file) and PostgreSQL (restored into a database created for the test and dropped after it).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connections, transaction
from django.db.utils import load_backend

from laomo.audit.models import AuditEntry
from laomo.core import backup
from laomo.core.backup import BackupError, create_backup, restore_backup, verify_backup
from laomo.core.testing.matrix import add_talks, build_matrix_world
from laomo.core.testing.world import build_world

pytestmark = pytest.mark.django_db(transaction=True)

RESTORED = "restored"


@pytest.fixture
def trees(tmp_path, settings):
    """The folders of uploaded files, empty and of this test alone."""
    settings.MEDIA_ROOT = tmp_path / "live" / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "live" / "private"
    return backup.media_trees()


@pytest.fixture
def populated(trees):
    """The test city with talks, bookings, reports and their photos (in the private folder),
    notices, history and audit entries; and a file in the public media folder."""
    fx = add_talks(build_matrix_world(build_world()))
    default_storage.save("notices/说明.txt", ContentFile("公开目录中的文件".encode()))
    assert sum(1 for _ in backup._walk(trees["private"])) >= 10  # photos and thumbnails
    return fx


@pytest.fixture
def fresh_database(tmp_path):
    """A second database alias, `restored`, naming an empty database: an SQLite file, or on
    PostgreSQL a database created here and dropped afterwards."""
    default = connections["default"].settings_dict
    vendor = connections["default"].vendor
    if vendor == "sqlite":
        name = str(tmp_path / "restored.sqlite3")
    else:
        name = f"{default['NAME']}_restored"[:63]
        _pg_admin(
            default, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'
        )
    # Set as a connection, not declared in settings.DATABASES: Django's test case allows such
    # a connection, and it leaves the test database alone.
    backend = load_backend(default["ENGINE"])
    connections[RESTORED] = backend.DatabaseWrapper({**default, "NAME": name}, RESTORED)
    try:
        yield RESTORED
    finally:
        connections[RESTORED].close()
        del connections[RESTORED]
        if vendor != "sqlite":
            _pg_admin(default, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_admin(settings_dict, *statements):
    import psycopg

    params = backup._pg_params({**settings_dict, "NAME": "postgres"})
    with psycopg.connect(**params, autocommit=True) as admin:
        for statement in statements:
            admin.execute(statement)


@pytest.fixture
def restored_trees(tmp_path):
    return {"media": tmp_path / "restored" / "media", "private": tmp_path / "restored" / "private"}


def snapshot(alias: str) -> dict[str, tuple[list[str], list[tuple]]]:
    """Every row of every table, in primary-key order: {table: (columns, rows)}."""
    connection = connections[alias]
    tables = {}
    with connection.cursor() as cursor:
        for table in backup._list_tables(cursor, connection.vendor):
            quoted = backup._quote(connection.vendor, table)
            keys = connection.introspection.get_primary_key_columns(cursor, table) or []
            order = ", ".join(backup._quote(connection.vendor, key) for key in keys)
            cursor.execute(f"SELECT * FROM {quoted}" + (f" ORDER BY {order}" if order else ""))  # noqa: S608
            columns = [column[0] for column in cursor.description]
            rows = cursor.fetchall()
            if not order:
                rows.sort(key=repr)
            tables[table] = (columns, rows)
    return tables


def file_hashes(trees: dict[str, Path]) -> dict[str, str]:
    return {
        f"{name}/{relative}": hashlib.sha256(path.read_bytes()).hexdigest()
        for name, root in trees.items()
        for relative, path in backup._walk(Path(root))
    }


def without_actions(table, *actions):
    columns, rows = table
    index = columns.index("action")
    return columns, [row for row in rows if row[index] not in actions]


def test_round_trip_restores_every_row_and_every_file(
    populated, trees, tmp_path, fresh_database, restored_trees
):
    before = snapshot("default")
    files_before = file_hashes(trees)
    assert len(before) > 30
    assert all(before[t][1] for t in ("outreach_reportphoto", "people_person"))

    result = create_backup(tmp_path / "laomo.tar.gz")

    manifest = result.manifest
    assert manifest["tables"] == {table: len(rows) for table, (_c, rows) in before.items()}
    assert {name: entry["sha256"] for name, entry in manifest["files"].items()} == {
        **files_before,
        manifest["database"]["member"]: manifest["files"][manifest["database"]["member"]]["sha256"],
    }
    assert manifest["laomo_version"]
    assert manifest["django_version"]
    assert "0001_initial" in manifest["migrations"]["audit"]
    assert (os.stat(result.path).st_mode & 0o777) == 0o600

    restored = restore_backup(result.path, using=fresh_database, trees=restored_trees)

    after = snapshot(fresh_database)
    assert set(after) == set(before)
    for table in before:
        if table == "audit_auditentry":
            # The restore records itself in the database it restored (and the backup itself in
            # the one it copied, after the copy was taken).
            recover = [
                r for r in after[table][1] if r[after[table][0].index("action")] == "recover"
            ]
            assert len(recover) == 1
            assert without_actions(after[table], "recover") == before[table], table
        else:
            assert after[table] == before[table], table
    assert file_hashes(restored_trees) == files_before
    assert restored.rows == sum(manifest["tables"].values())
    assert restored.files == len(files_before)
    assert restored.pending_migrations == []
    assert restored.set_aside == []


def test_backup_and_restore_are_audited(populated, tmp_path, fresh_database, restored_trees):
    result = create_backup(tmp_path)
    assert result.path.parent == tmp_path
    assert result.path.name.endswith(".tar.gz")
    made = AuditEntry.objects.unrestricted().get(action=AuditEntry.Action.BACKUP)
    assert made.data["sha256"] == result.sha256
    assert made.data["size"] == result.size
    assert made.region_path == populated.world.city.path  # the city's officials see it

    restore_backup(result.path, using=fresh_database, trees=restored_trees)
    entry = AuditEntry.objects.db_manager(fresh_database).unrestricted().get(action="recover")
    assert entry.data["sha256"] == result.sha256
    assert entry.data["created_at"] == result.manifest["created_at"]
    assert entry.actor_name == "命令行"
    # The database's guard of the log (audit migration 0005) came back with the backup.
    with (
        pytest.raises(IntegrityError, match="审计记录不可修改"),
        transaction.atomic(using=fresh_database),
        connections[fresh_database].cursor() as cursor,
    ):
        cursor.execute("UPDATE audit_auditentry SET outcome = 'x' WHERE id = %s", [entry.pk])


def test_restore_refuses_a_database_or_folders_with_data_unless_forced(
    populated, tmp_path, fresh_database, restored_trees
):
    archive = create_backup(tmp_path / "laomo.tar.gz").path
    restore_backup(archive, using=fresh_database, trees=restored_trees)
    with pytest.raises(BackupError, match=r"目标数据库不是空的.*--force"):
        restore_backup(archive, using=fresh_database, trees=restored_trees)

    (restored_trees["private"] / "留在原处.jpg").write_bytes(b"kept")
    forced = restore_backup(archive, using=fresh_database, trees=restored_trees, force=True)
    # Nothing is lost: the files that were there are moved aside, not deleted.
    assert sorted(path.name.split(".")[0] for path in forced.set_aside) == ["media", "private"]
    (private_aside,) = [path for path in forced.set_aside if path.name.startswith("private.")]
    assert (private_aside / "留在原处.jpg").read_bytes() == b"kept"
    assert not (restored_trees["private"] / "留在原处.jpg").exists()
    assert (
        AuditEntry.objects.db_manager(fresh_database)
        .unrestricted()
        .filter(action="recover")
        .count()
        == 1
    )  # the forced restore replaced the first restore's rows, then recorded itself


def test_restore_refuses_folders_with_files_even_into_an_empty_database(
    populated, tmp_path, fresh_database, restored_trees
):
    archive = create_backup(tmp_path / "laomo.tar.gz").path
    restored_trees["media"].mkdir(parents=True)
    (restored_trees["media"] / "旧文件.txt").write_text("旧")
    with pytest.raises(BackupError, match="文件目录不是空的"):
        restore_backup(archive, using=fresh_database, trees=restored_trees)
    assert backup._data_tables(fresh_database) == {}


def _rewrite(source: Path, target: Path, change) -> Path:
    """Copy an archive member by member; `change(name, data)` returns the new (name, data) or
    None to leave the member out. Returns target."""
    with tarfile.open(source) as old, tarfile.open(target, "w:gz") as new:
        for member in old:
            data = old.extractfile(member).read()
            changed = change(member.name, data)
            if changed is None:
                continue
            name, data = changed
            info = tarfile.TarInfo(name)
            info.size = len(data)
            new.addfile(info, io.BytesIO(data))
    return target


def _photo(name: str) -> bool:
    return name.startswith("private/photos/")


def _manifest_with(change):
    def edit(name, data):
        if name != "manifest.json":
            return name, data
        manifest = json.loads(data)
        change(manifest)
        return name, json.dumps(manifest).encode()

    return edit


def _add_member(source, target, name, data=b"x", kind=tarfile.REGTYPE, linkname=""):
    """The archive with one more member, first, so that it is met before the manifest."""
    with tarfile.open(source) as old:
        members = [(member, old.extractfile(member).read()) for member in old]
    with tarfile.open(target, "w:gz") as new:
        info = tarfile.TarInfo(name)
        info.type = kind
        info.linkname = linkname
        if kind == tarfile.REGTYPE:
            info.size = len(data)
            new.addfile(info, io.BytesIO(data))
        else:
            new.addfile(info)
        for member, content in members:
            new.addfile(member, io.BytesIO(content))
    return target


def _write(target: Path, data: bytes) -> Path:
    target.write_bytes(data)
    return target


TAMPERINGS = {
    "a photo changed": (
        lambda s, t: _rewrite(s, t, lambda n, d: (n, d + b"\0" if _photo(n) else d)),
        r"校验失败.*哈希值或大小不符",
    ),
    "the database changed": (
        lambda s, t: _rewrite(
            s, t, lambda n, d: (n, d[:-1] + bytes([d[-1] ^ 1]) if n.startswith("database/") else d)
        ),
        r"校验失败.*database/",
    ),
    "a photo removed": (
        lambda s, t: _rewrite(
            s, t, lambda n, d: None if n.startswith("private/thumbs/") else (n, d)
        ),
        r"校验失败.*缺少 private/thumbs/",
    ),
    "a file slipped in": (
        lambda s, t: _add_member(s, t, "private/photos/00/extra.jpg"),
        r"校验失败.*多出清单之外的 private/photos/00/extra.jpg",
    ),
    "a path out of the folder": (
        lambda s, t: _add_member(s, t, "private/../../escaped.txt"),
        "不安全的路径",
    ),
    "an absolute path": (
        lambda s, t: _add_member(s, t, str(t.parent / "escaped-absolute.txt")),
        "不安全的路径",
    ),
    "a symbolic link": (
        lambda s, t: _add_member(s, t, "private/link", kind=tarfile.SYMTYPE, linkname="/etc"),
        "非普通文件",
    ),
    "a stranger's folder": (
        lambda s, t: _add_member(s, t, "etc/cron.d/job"),
        "不属于备份的内容",
    ),
    "no manifest": (
        lambda s, t: _rewrite(s, t, lambda n, d: None if n == "manifest.json" else (n, d)),
        "没有 manifest.json",
    ),
    "a manifest without tables": (
        lambda s, t: _rewrite(s, t, _manifest_with(lambda m: m.pop("tables"))),
        "备份清单不完整",
    ),
    "cut short": (
        lambda s, t: _write(t, s.read_bytes()[: s.stat().st_size // 2]),
        "无法读取，已损坏或不完整",
    ),
    "not an archive": (
        lambda s, t: _write(t, b"PK\x03\x04 not a tar"),
        "无法读取",
    ),
    "from a newer Laomo": (
        lambda s, t: _rewrite(
            s, t, _manifest_with(lambda m: m["migrations"]["audit"].append("9999_future"))
        ),
        r"更新的 Laomo 版本.*audit.9999_future",
    ),
}


def test_restore_refuses_a_tampered_or_broken_archive_before_touching_anything(
    world, trees, tmp_path, fresh_database, restored_trees
):
    default_storage.save("notices/说明.txt", ContentFile(b"public"))
    from laomo.outreach.models import private_storage

    private_storage.save("photos/00/one.jpg", ContentFile(b"photo"))
    private_storage.save("thumbs/00/one.jpg", ContentFile(b"thumb"))
    good = create_backup(tmp_path / "good.tar.gz").path
    assert verify_backup(good).manifest["tables"]["people_person"] == 3
    for case, (tamper, message) in TAMPERINGS.items():
        bad = tamper(good, tmp_path / f"{case}.tar.gz")
        with pytest.raises(BackupError, match=message):
            restore_backup(bad, using=fresh_database, trees=restored_trees)
        assert backup._data_tables(fresh_database) == {}, case
        assert not any(path.exists() for path in restored_trees.values()), case
        assert not list(restored_trees["media"].parent.parent.rglob("*restoring*")), case
    assert not (tmp_path / "escaped-absolute.txt").exists()
    assert not (tmp_path.parent / "escaped.txt").exists()

    with pytest.raises(BackupError, match="SHA-256 与给出的不符"):
        restore_backup(good, using=fresh_database, trees=restored_trees, expect_sha256="0" * 64)
    restore_backup(
        good, using=fresh_database, trees=restored_trees, expect_sha256=backup.file_sha256(good)
    )


def test_backup_is_readable_by_its_owner_only_and_never_overwrites(world, trees, tmp_path):
    result = create_backup(tmp_path / "one.tar")
    assert (result.path.stat().st_mode & 0o777) == 0o600
    with tarfile.open(result.path, "r:") as plain:  # ".tar": not compressed
        assert "manifest.json" in plain.getnames()
    with pytest.raises(BackupError, match="已存在"):
        create_backup(result.path)
    trees["private"].mkdir(parents=True, exist_ok=True)
    with pytest.raises(BackupError, match="不能写在要备份的目录"):
        create_backup(trees["private"] / "inside.tar.gz")
    assert not list(tmp_path.glob(".*.partial"))


def test_commands_back_up_verify_and_refuse_to_overwrite(world, trees, tmp_path, capsys):
    call_command("backup", "-o", str(tmp_path))
    out = capsys.readouterr().out
    assert "备份完成" in out
    assert "SHA-256" in out
    (archive,) = tmp_path.glob("laomo-*.tar.gz")
    call_command("restore", str(archive), "--verify-only")
    assert "核对无误" in capsys.readouterr().out
    with pytest.raises(CommandError, match="目标数据库不是空的"):
        call_command("restore", str(archive))
    with pytest.raises(CommandError, match="找不到备份文件"):
        call_command("restore", str(tmp_path / "missing.tar.gz"))


KEY = "a key kept apart from the backups, long enough"


def _swap_photo_and_manifest(source: Path, target: Path) -> Path:
    """What someone who can write the archive does: change a photo, and its size and hash in the
    manifest to match, leaving any signature as it was."""
    with tarfile.open(source) as old:
        members = {member.name: old.extractfile(member).read() for member in old}
    photo = next(name for name in members if _photo(name))
    members[photo] = b"another picture"
    manifest = json.loads(members["manifest.json"])
    manifest["files"][photo] = {
        "size": len(members[photo]),
        "sha256": hashlib.sha256(members[photo]).hexdigest(),
    }
    members["manifest.json"] = json.dumps(manifest).encode()
    return _rewrite(source, target, lambda name, data: (name, members[name]))


def test_a_signed_manifest_edited_to_match_a_changed_photo_is_refused(
    world, trees, tmp_path, fresh_database, restored_trees, settings
):
    from laomo.outreach.models import private_storage

    private_storage.save("photos/00/one.jpg", ContentFile(b"photo"))
    settings.LAOMO_BACKUP_KEY = KEY
    good = create_backup(tmp_path / "good.tar.gz").path
    with tarfile.open(good) as archive:
        assert "manifest.sig" in archive.getnames()
    assert verify_backup(good).signature == "verified"
    forged = _swap_photo_and_manifest(good, tmp_path / "forged.tar.gz")
    unsigned = _rewrite(
        good, tmp_path / "unsigned.tar.gz", lambda n, d: None if n == "manifest.sig" else (n, d)
    )

    with pytest.raises(BackupError, match="签名与 LAOMO_BACKUP_KEY 不符"):
        restore_backup(forged, using=fresh_database, trees=restored_trees)
    with pytest.raises(BackupError, match="签名与 LAOMO_BACKUP_KEY 不符"):
        verify_backup(forged)
    with pytest.raises(BackupError, match="清单没有签名"):
        restore_backup(unsigned, using=fresh_database, trees=restored_trees)
    assert backup._data_tables(fresh_database) == {}
    assert not any(path.exists() for path in restored_trees.values())

    settings.LAOMO_BACKUP_KEY = "another key, as after a careless rotation"
    with pytest.raises(BackupError, match="签名与 LAOMO_BACKUP_KEY 不符"):
        restore_backup(good, using=fresh_database, trees=restored_trees)

    settings.LAOMO_BACKUP_KEY = KEY
    result = restore_backup(good, using=fresh_database, trees=restored_trees)
    assert result.signature == "verified"
    entry = AuditEntry.objects.using(fresh_database).get(action="recover")
    assert entry.data["signature"] == "verified"


def test_without_a_key_a_forged_archive_restores_with_a_plain_warning(
    world, trees, tmp_path, fresh_database, restored_trees, settings, capsys
):
    from laomo.outreach.models import private_storage

    private_storage.save("photos/00/one.jpg", ContentFile(b"photo"))
    settings.LAOMO_BACKUP_KEY = ""
    call_command("backup", "-o", str(tmp_path / "plain.tar.gz"))
    assert "未设置 LAOMO_BACKUP_KEY，清单没有签名" in capsys.readouterr().out
    forged = _swap_photo_and_manifest(tmp_path / "plain.tar.gz", tmp_path / "forged.tar.gz")

    call_command("restore", str(forged), "--verify-only")
    captured = capsys.readouterr()
    assert "查不出有人同时改了文件和清单" in captured.err
    assert "清单没有签名" in captured.out

    # --sha256 stands in for the key: the forged file's own hash is not the one printed.
    with pytest.raises(CommandError, match="SHA-256 与给出的不符"):
        call_command(
            "restore",
            str(forged),
            "--verify-only",
            "--sha256",
            backup.file_sha256(tmp_path / "plain.tar.gz"),
        )
    assert "查不出" not in capsys.readouterr().err

    result = restore_backup(forged, using=fresh_database, trees=restored_trees)
    assert result.signature == "unsigned"
    assert (restored_trees["private"] / "photos/00/one.jpg").read_bytes() == b"another picture"


def test_a_short_backup_key_is_warned_about(settings):
    from django.core.checks import run_checks

    settings.LAOMO_BACKUP_KEY = "short"
    assert "laomo.W002" in {message.id for message in run_checks()}
    settings.LAOMO_BACKUP_KEY = KEY
    assert "laomo.W002" not in {message.id for message in run_checks()}
