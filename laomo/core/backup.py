"""Backups and restores: one archive holds the database, the uploaded files (public media and the
private talk photos) and a manifest of their hashes; a restore checks all of it before it touches
anything.

The archive is a tar file, gzip-compressed unless its name ends in ".tar". Tar because it is
written and read as a stream (nothing is held in memory, however many photos), keeps each file's
name and size in a format every server's `tar` can list, and Python reads it member by member, so
that every name can be checked before anything is written. Inside:

    database/laomo.sqlite3   SQLite: a copy made with SQLite's online backup API
    database/laomo.pgdump    PostgreSQL: `pg_dump --format=custom`
    media/…                  MEDIA_ROOT
    private/…                PRIVATE_MEDIA_ROOT (LAOMO_PRIVATE_ROOT)
    manifest.json            every other member's size and SHA-256; the row count of every
                             table; when, by which Laomo and Django version; the migrations applied
    manifest.sig             with LAOMO_BACKUP_KEY set: the HMAC-SHA256 of manifest.json's bytes

The hashes in the manifest find an archive damaged or changed by someone who did not also rewrite
the manifest; whoever can write the archive can rewrite the manifest too. The signature closes
that: it is made with a key kept apart from the backups (LAOMO_BACKUP_KEY, in the environment of
the server, never in the archive), and a restore with the key refuses an archive whose manifest
does not carry its signature. HMAC rather than a public-key signature: the same machine (the
application's server) writes and restores backups and holds the key either way, and the standard
library's hmac needs no further dependency.

The database is copied first, as one consistent snapshot while the app keeps running (SQLite's
backup API copies in one step under a read transaction; on PostgreSQL pg_dump runs in a snapshot
exported by a repeatable-read transaction, in which the rows are also counted). The files follow:
a photo is stored before the row that names it is committed, so every file the snapshot names is
already on disk when the files are read.

Messages are in Chinese: the people who run these commands read them.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path, PurePosixPath

import django
from django.conf import settings
from django.db import connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

FORMAT = "laomo-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
SIGNATURE_SCHEME = "hmac-sha256"
CHUNK = 1024 * 1024
# Tables a migrated but otherwise untouched database already holds rows in.
BOOKKEEPING_TABLES = frozenset({"django_migrations", "django_content_type", "auth_permission"})


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the operator."""


def media_trees() -> dict[str, Path]:
    """The folders of uploaded files, by the name of their folder in the archive."""
    return {"media": Path(settings.MEDIA_ROOT), "private": Path(settings.PRIVATE_MEDIA_ROOT)}


def laomo_version() -> str:
    try:
        return metadata.version("laomo")
    except metadata.PackageNotFoundError:  # pragma: no cover - always installed
        return "unknown"


# The database side ------------------------------------------------------------------------------


def _vendor(using: str) -> str:
    return connections[using].vendor


def _pg_params(settings_dict: dict) -> dict[str, str]:
    """libpq parameters for the database: what psycopg, pg_dump and pg_restore connect with."""
    options = settings_dict.get("OPTIONS") or {}
    params = {
        "dbname": settings_dict.get("NAME"),
        "user": settings_dict.get("USER"),
        "password": settings_dict.get("PASSWORD"),
        "host": settings_dict.get("HOST"),
        "port": settings_dict.get("PORT"),
    }
    for key in ("sslmode", "sslrootcert", "sslcert", "sslkey", "passfile", "service"):
        params[key] = options.get(key)
    return {key: str(value) for key, value in params.items() if value not in (None, "")}


_PG_ENV = {
    "dbname": "PGDATABASE",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "host": "PGHOST",
    "port": "PGPORT",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
}


def _pg_env(settings_dict: dict) -> dict[str, str]:
    """The environment for pg_dump and pg_restore: the password travels here, never in argv."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env.update({_PG_ENV[key]: value for key, value in _pg_params(settings_dict).items()})
    return env


def _pg_tool(name: str) -> str:
    """pg_dump or pg_restore: from LAOMO_PG_BINDIR if set, else from PATH."""
    bindir = settings.LAOMO_PG_BINDIR
    path = str(Path(bindir) / name) if bindir else shutil.which(name)
    if not path or not Path(path).is_file():
        raise BackupError(
            f"找不到 {name}：请安装与数据库服务器同一大版本的 PostgreSQL 客户端"
            "（如 apt install postgresql-client），或用 LAOMO_PG_BINDIR 指定其目录"
        )
    return path


def _tool_major(path: str) -> int:
    output = subprocess.run(  # noqa: S603
        [path, "--version"], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", output)
    return int(match.group(1)) if match else 0


def _run_pg_tool(args: list[str], settings_dict: dict, what: str) -> None:
    result = subprocess.run(  # noqa: S603
        args, env=_pg_env(settings_dict), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise BackupError(
            f"{what}失败（{Path(args[0]).name} 退出码 {result.returncode}）：{detail}"
        )


def _quote(vendor: str, name: str) -> str:
    if vendor == "postgresql":
        from psycopg import sql

        return sql.Identifier(name).as_string(None)
    return '"' + name.replace('"', '""') + '"'


def _count_rows(cursor, vendor: str, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(vendor, table)}")  # noqa: S608
        counts[table] = cursor.fetchone()[0]
    return counts


def _applied_migrations(cursor, tables) -> dict[str, list[str]]:
    if "django_migrations" not in tables:
        return {}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    applied: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        applied.setdefault(app, []).append(name)
    return applied


def _list_tables(cursor, vendor: str) -> list[str]:
    """Every table of the database (of the current schema on PostgreSQL), SQLite's own
    bookkeeping (sqlite_sequence, sqlite_stat1) aside."""
    if vendor == "sqlite":
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    else:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
        )
    return [row[0] for row in cursor.fetchall()]


def _dump_sqlite(using: str, target: Path) -> dict:
    """Copy the live database with SQLite's backup API (one step, one read transaction: a
    consistent snapshot while others keep writing), then count the copy's rows."""
    connection = connections[using]
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)
        cursor = copy.cursor()
        tables = _list_tables(cursor, "sqlite")
        return {
            "vendor": "sqlite",
            "server_version": sqlite3.sqlite_version,
            "tables": _count_rows(cursor, "sqlite", tables),
            "migrations": _applied_migrations(cursor, tables),
        }
    finally:
        copy.close()


def _dump_postgresql(using: str, target: Path) -> dict:
    """pg_dump in a snapshot exported by a repeatable-read transaction, in which the rows are
    counted too: the dump and the counts are of the same instant."""
    import psycopg

    settings_dict = connections[using].settings_dict
    pg_dump = _pg_tool("pg_dump")
    with psycopg.connect(**_pg_params(settings_dict)) as snapshot:
        snapshot.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        snapshot.read_only = True
        server_major = snapshot.info.server_version // 10000
        dump_major = _tool_major(pg_dump)
        if dump_major < server_major:
            raise BackupError(
                f"{pg_dump} 的版本低于数据库服务器（PostgreSQL {server_major}）："
                "请安装同一大版本的客户端，或用 LAOMO_PG_BINDIR 指定其目录"
            )
        with snapshot.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot_id = cursor.fetchone()[0]
            tables = _list_tables(cursor, "postgresql")
            counts = _count_rows(cursor, "postgresql", tables)
            migrations = _applied_migrations(cursor, tables)
            _run_pg_tool(
                [
                    pg_dump,
                    "--format=custom",
                    "--no-password",
                    f"--snapshot={snapshot_id}",
                    f"--file={target}",
                ],
                settings_dict,
                "导出数据库",
            )
        snapshot.rollback()
    return {
        "vendor": "postgresql",
        "server_version": str(server_major),
        "pg_dump_version": str(dump_major),
        "tables": counts,
        "migrations": migrations,
    }


DUMP_MEMBERS = {"sqlite": "database/laomo.sqlite3", "postgresql": "database/laomo.pgdump"}


# Writing the archive ----------------------------------------------------------------------------


@dataclass
class BackupResult:
    path: Path
    size: int
    sha256: str
    manifest: dict
    seconds: float

    @property
    def rows(self) -> int:
        return sum(self.manifest["tables"].values())


class _HashingReader(io.RawIOBase):
    """Reads `size` bytes of a file into the archive, hashing them on the way."""

    def __init__(self, handle, size: int):
        self.handle = handle
        self.left = size
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.left <= 0:
            return 0
        data = self.handle.read(min(len(buffer), self.left))
        if not data:
            raise BackupError("文件在备份过程中被截短")
        buffer[: len(data)] = data
        self.left -= len(data)
        self.digest.update(data)
        return len(data)


def _tarinfo(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(mtime)
    info.mode = 0o600
    return info


def _add_file(archive: tarfile.TarFile, name: str, path: Path) -> dict | None:
    """Add one file; None if it vanished since it was listed (a photo removed meanwhile)."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return None
    with handle:
        stat = os.fstat(handle.fileno())
        reader = _HashingReader(handle, stat.st_size)
        archive.addfile(_tarinfo(name, stat.st_size, stat.st_mtime), reader)
        return {"size": stat.st_size, "sha256": reader.digest.hexdigest()}


def _walk(root: Path) -> Iterator[tuple[str, Path]]:
    """(posix path below root, path) of every regular file under root, in a stable order.
    Symbolic links are not followed: nothing outside the folder gets into the archive."""
    if not root.is_dir():
        return
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file():
                continue
            yield path.relative_to(root).as_posix(), path


def _archive_mode(path: Path, writing: bool) -> str:
    if writing:
        return "w" if path.name.endswith(".tar") else "w:gz"
    return "r:*"


def default_backup_name(now: datetime | None = None) -> str:
    return f"laomo-{timezone.localtime(now):%Y%m%d-%H%M%S}.tar.gz"


def _fill(archive, vendor: str, dump: Path, database: dict, trees, created_at) -> dict:
    """Add the dump and every file to the archive, then the manifest of them all."""
    files: dict[str, dict] = {}
    member = DUMP_MEMBERS[vendor]
    files[member] = _add_file(archive, member, dump)
    tree_totals = {}
    for tree, root in trees.items():
        count = size = 0
        for relative, path in _walk(Path(root)):
            entry = _add_file(archive, f"{tree}/{relative}", path)
            if entry is not None:
                files[f"{tree}/{relative}"] = entry
                count += 1
                size += entry["size"]
        tree_totals[tree] = {"files": count, "bytes": size}
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": timezone.localtime(created_at).isoformat(),
        "laomo_version": laomo_version(),
        "django_version": django.get_version(),
        "database": {
            "vendor": vendor,
            "member": member,
            "server_version": database["server_version"],
            **({"pg_dump_version": database["pg_dump_version"]} if vendor == "postgresql" else {}),
        },
        "migrations": database["migrations"],
        "tables": database["tables"],
        "trees": tree_totals,
        "files": files,
    }
    data = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode()
    archive.addfile(_tarinfo(MANIFEST, len(data), time.time()), io.BytesIO(data))
    if key := backup_key():
        signature = f"{SIGNATURE_SCHEME}:{sign_manifest(data, key)}\n".encode()
        archive.addfile(_tarinfo(SIGNATURE, len(signature), time.time()), io.BytesIO(signature))
    return manifest


# The manifest's signature -----------------------------------------------------------------------


def backup_key() -> bytes:
    """LAOMO_BACKUP_KEY as bytes; b"" when none is configured."""
    return (settings.LAOMO_BACKUP_KEY or "").encode()


def sign_manifest(data: bytes, key: bytes) -> str:
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def _check_signature(manifest_data: bytes, signature: bytes | None, key: bytes) -> str:
    """With a key: refuse a manifest without its signature or with a wrong one. Returns what was
    found ("verified", "unsigned" or "unchecked"), for the audit entry and the operator."""
    if not key:
        return "unchecked" if signature is not None else "unsigned"
    if signature is None:
        raise BackupError(
            "备份清单没有签名：已设置 LAOMO_BACKUP_KEY，只恢复用这个密钥签名的备份。"
            "备份可能来自未设置密钥的服务器，也可能被人去掉了签名，拒绝恢复"
        )
    scheme, _sep, digest = signature.decode("ascii", "replace").strip().partition(":")
    if scheme != SIGNATURE_SCHEME or not hmac.compare_digest(
        digest, sign_manifest(manifest_data, key)
    ):
        raise BackupError(
            "备份清单的签名与 LAOMO_BACKUP_KEY 不符：清单在备份之后被改动过，"
            "或备份是用另一个密钥签名的，拒绝恢复"
        )
    return "verified"


def integrity_warning(*, expect_sha256: str | None) -> str:
    """What a restore without the key and without --sha256 cannot promise, in plain words; ""
    when one of them is given."""
    if backup_key() or expect_sha256:
        return ""
    return (
        "注意：未设置 LAOMO_BACKUP_KEY，也没有用 --sha256 给出备份时打印的哈希值。"
        "这次只能查出文件损坏，查不出有人同时改了文件和清单（比如换了一张照片再改清单里的哈希值）。"
        "备份来源不确定时，请设置备份时所用的 LAOMO_BACKUP_KEY，或加 --sha256 后再恢复。"
    )


def create_backup(
    output: Path, *, using: str = "default", trees: dict[str, Path] | None = None
) -> BackupResult:
    """Write the archive to `output` (a folder: a dated name inside it). The archive holds
    personal data and photos of minors, so it is created readable by its owner only, and
    appears under its name only once complete."""
    started = time.monotonic()
    output = Path(output)
    if output.is_dir():
        output = output / default_backup_name()
    if output.exists():
        raise BackupError(f"{output} 已存在，不会覆盖")
    if not output.parent.is_dir():
        raise BackupError(f"目录不存在：{output.parent}")
    trees = media_trees() if trees is None else trees
    for root in trees.values():
        if output.resolve().is_relative_to(Path(root).resolve()):
            raise BackupError(f"备份文件不能写在要备份的目录 {root} 之内")
    vendor = _vendor(using)
    if vendor not in DUMP_MEMBERS:
        raise BackupError(f"不支持备份 {vendor} 数据库")
    partial = output.with_name(f".{output.name}.partial")
    created_at = timezone.now()
    try:
        with tempfile.TemporaryDirectory(prefix="laomo-backup-", dir=output.parent) as scratch:
            dump = Path(scratch) / "dump"
            dumper = _dump_sqlite if vendor == "sqlite" else _dump_postgresql
            database = dumper(using, dump)
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as raw:
                mode = _archive_mode(output, writing=True)
                with tarfile.open(fileobj=raw, mode=mode, format=tarfile.PAX_FORMAT) as archive:
                    manifest = _fill(archive, vendor, dump, database, trees, created_at)
                raw.flush()
                os.fsync(raw.fileno())
        os.replace(partial, output)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        raise
    result = BackupResult(
        output, output.stat().st_size, file_sha256(output), manifest, time.monotonic() - started
    )
    _record(
        "backup",
        using,
        output.name,
        {
            "filename": output.name,
            "size": result.size,
            "sha256": result.sha256,
            "files": len(manifest["files"]) - 1,
            "signed": bool(backup_key()),
        },
    )
    return result


def _record(action: str, using: str, name: str, data: dict) -> None:
    """The backup's or restore's entry in the audit log (of the database it concerns),
    attached to the city so that the city's officials see it."""
    from laomo.audit.services import city_region, record

    record(
        action,
        region=city_region(using),
        object_type="core.backup",
        object_repr=name,
        data=data,
        using=using,
    )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# Reading and checking the archive ---------------------------------------------------------------


def _safe_path(name: str) -> PurePosixPath:
    """The member's name as a path, refused if it could land outside its folder."""
    path = PurePosixPath(name.removesuffix("/"))
    if (
        path.is_absolute()
        or not path.parts
        or any(part in ("", ".", "..") or "\\" in part or "\x00" in part for part in path.parts)
        or str(path) != name.removesuffix("/")
    ):
        raise BackupError(f"备份文件中有不安全的路径：{name!r}，拒绝恢复")
    return path


def _member_path(name: str, trees) -> tuple[str, PurePosixPath] | None:
    """(tree, path below it) for a file member, None for the manifest and the database."""
    path = _safe_path(name)
    if name in (MANIFEST, SIGNATURE) or name in DUMP_MEMBERS.values():
        return None
    tree = path.parts[0]
    if tree not in trees or len(path.parts) < 2:
        raise BackupError(f"备份文件中有不属于备份的内容：{name!r}，拒绝恢复")
    return tree, PurePosixPath(*path.parts[1:])


@dataclass
class _Staged:
    """What a restore has unpacked, checked, and not yet put in place."""

    manifest: dict
    dump: Path
    trees: dict[str, Path] = field(default_factory=dict)
    signature: str = ""  # "verified", "unsigned" or "unchecked" (signed, no key to check it)


def _unpack(archive_path: Path, scratch: Path, staging: dict[str, Path], trees) -> _Staged:
    """Unpack into `scratch` (the dump) and `staging` (each tree's files), hashing every
    member, then hold the hashes, sizes and names against the manifest. Raises BackupError, in
    words the operator can act on, if anything differs."""
    seen: dict[str, dict] = {}
    manifest_data = None
    signature = None
    try:
        with tarfile.open(archive_path, _archive_mode(archive_path, writing=False)) as archive:
            for member in archive:
                if member.isdir():  # folders are made as their files need them
                    _safe_path(member.name)
                    continue
                place = _member_path(member.name, trees)
                if not member.isfile():
                    raise BackupError(f"备份文件中有非普通文件：{member.name!r}，拒绝恢复")
                if (
                    member.name in seen
                    or (member.name == MANIFEST and manifest_data is not None)
                    or (member.name == SIGNATURE and signature is not None)
                ):
                    raise BackupError(f"备份文件中 {member.name} 出现了两次，拒绝恢复")
                source = archive.extractfile(member)
                if member.name == MANIFEST:
                    if member.size > 64 * 1024 * 1024:
                        raise BackupError("备份清单过大，拒绝恢复")
                    manifest_data = source.read()
                    continue
                if member.name == SIGNATURE:
                    if member.size > 1024:
                        raise BackupError("备份清单的签名过大，拒绝恢复")
                    signature = source.read()
                    continue
                if place is None:
                    target = scratch / PurePosixPath(member.name).name
                else:
                    tree, relative = place
                    target = staging[tree].joinpath(*relative.parts)
                    target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                size = 0
                with target.open("xb") as out:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
                seen[member.name] = {"size": size, "sha256": digest.hexdigest()}
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise BackupError(f"备份文件无法读取，已损坏或不完整：{exc}") from exc
    # Before anything in the manifest is believed: the signature covers its bytes.
    signed = _check_signature(manifest_data, signature, backup_key()) if manifest_data else ""
    manifest = _read_manifest(manifest_data)
    listed = manifest["files"]
    problems = []
    for name in sorted(set(listed) | set(seen)):
        if name not in seen:
            problems.append(f"缺少 {name}")
        elif name not in listed:
            problems.append(f"多出清单之外的 {name}")
        elif seen[name] != listed[name]:
            problems.append(f"{name} 与清单记录的哈希值或大小不符")
    if problems:
        shown = "；".join(problems[:10]) + ("；……" if len(problems) > 10 else "")
        raise BackupError(
            f"备份文件校验失败，可能已被篡改或损坏，拒绝恢复（共{len(problems)}处）：{shown}"
        )
    member = manifest["database"]["member"]
    return _Staged(
        manifest=manifest,
        dump=scratch / PurePosixPath(member).name,
        trees=staging,
        signature=signed,
    )


def _read_manifest(data: bytes | None) -> dict:
    """The manifest, if it is one and has the shape this code reads."""
    if data is None:
        raise BackupError("备份文件中没有 manifest.json：这不是 Laomo 的备份，或文件不完整")
    try:
        manifest = json.loads(data)
    except ValueError as exc:
        raise BackupError(f"备份清单 manifest.json 无法解析：{exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("manifest.json 不是 Laomo 备份清单")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"备份格式版本 {manifest.get('format_version')} 与本程序（{FORMAT_VERSION}）不符"
        )
    database = manifest.get("database")
    files = manifest.get("files")
    tables = manifest.get("tables")
    if not (
        isinstance(database, dict)
        and database.get("vendor") in DUMP_MEMBERS
        and database.get("member") == DUMP_MEMBERS[database["vendor"]]
        and isinstance(files, dict)
        and database["member"] in files
        and isinstance(tables, dict)
        and all(isinstance(n, int) for n in tables.values())
        and isinstance(manifest.get("migrations"), dict)
    ):
        raise BackupError("备份清单不完整（缺少数据库、文件或行数记录），拒绝恢复")
    return manifest


@dataclass
class Verified:
    manifest: dict
    signature: str  # "verified", "unsigned" or "unchecked" (signed, no key to check it)


def verify_backup(path: Path, *, expect_sha256: str | None = None) -> Verified:
    """Check the signature and every hash of the archive without restoring anything; the
    manifest if all match."""
    _check_whole(Path(path), expect_sha256)
    with tempfile.TemporaryDirectory(prefix="laomo-verify-") as scratch:
        trees = media_trees()
        staging = {}
        for tree in trees:
            staging[tree] = Path(scratch) / "trees" / tree
            staging[tree].mkdir(parents=True)
        staged = _unpack(Path(path), Path(scratch), staging, trees)
        return Verified(manifest=staged.manifest, signature=staged.signature)


def _check_whole(path: Path, expect_sha256: str | None) -> None:
    if not path.is_file():
        raise BackupError(f"找不到备份文件：{path}")
    if expect_sha256 and file_sha256(path) != expect_sha256.strip().lower():
        raise BackupError("备份文件的 SHA-256 与给出的不符：文件可能已被篡改或损坏，拒绝恢复")


# Restoring --------------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    manifest: dict
    tables: int
    rows: int
    files: int
    pending_migrations: list[str]
    set_aside: list[Path]
    seconds: float
    signature: str = ""


def _table_names(using: str) -> list[str]:
    connection = connections[using]
    with connection.cursor() as cursor:
        return _list_tables(cursor, connection.vendor)


def _data_tables(using: str) -> dict[str, int]:
    """The row counts of the target's tables that hold data of their own (not the tables that
    `migrate` alone fills)."""
    connection = connections[using]
    tables = [name for name in _table_names(using) if name not in BOOKKEEPING_TABLES]
    with connection.cursor() as cursor:
        return {name: n for name, n in _count_rows(cursor, connection.vendor, tables).items() if n}


def _tree_has_files(root: Path) -> bool:
    return root.is_dir() and any(root.iterdir())


def _check_migrations(manifest: dict) -> list[str]:
    """Refuse a backup from a newer Laomo (migrations this code does not know); return the
    migrations this code has that the backup lacks (`laomo migrate` applies them after)."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    applied = {
        (app, name) for app, names in manifest.get("migrations", {}).items() for name in names
    }
    unknown = sorted(applied - known)
    if unknown:
        names = "、".join(f"{app}.{name}" for app, name in unknown[:5])
        raise BackupError(
            f"备份来自更新的 Laomo 版本（{manifest.get('laomo_version')}），其中有本程序没有的"
            f"数据库迁移：{names}。请先升级程序再恢复"
        )
    return sorted(f"{app}.{name}" for app, name in known - applied)


def _restore_sqlite(using: str, dump: Path) -> None:
    """Copy the backup into the target with the backup API: all of it in one transaction, so a
    failure leaves the target as it was."""
    connection = connections[using]
    connection.ensure_connection()
    source = sqlite3.connect(dump)
    try:
        source.backup(connection.connection)
    except sqlite3.Error as exc:
        raise BackupError(f"恢复数据库失败：{exc}") from exc
    finally:
        source.close()


def _restore_postgresql(using: str, dump: Path, manifest: dict) -> None:
    """Drop the tables the backup does not have, then pg_restore the backup in one
    transaction, replacing the tables it has."""
    connection = connections[using]
    pg_restore = _pg_tool("pg_restore")
    made_with = int(manifest["database"].get("pg_dump_version") or 0)
    if _tool_major(pg_restore) < made_with:
        raise BackupError(
            f"{pg_restore} 读不了 PostgreSQL {made_with} 的 pg_dump 写的备份："
            "请安装同一大版本或更新的客户端，或用 LAOMO_PG_BINDIR 指定其目录"
        )
    extra = sorted(set(_table_names(using)) - set(manifest["tables"]))
    if extra:
        with transaction.atomic(using=using), connection.cursor() as cursor:
            for table in extra:
                cursor.execute(f"DROP TABLE IF EXISTS {_quote('postgresql', table)} CASCADE")
    connection.close()
    _run_pg_tool(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            f"--dbname={connection.settings_dict['NAME']}",
            str(dump),
        ],
        connection.settings_dict,
        "恢复数据库",
    )


def _staging_folder(root: Path) -> Path:
    """A new folder beside `root` (so that it can be renamed into its place)."""
    root.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{root.name}.restoring-", dir=root.parent))


def restore_backup(
    path: Path,
    *,
    using: str = "default",
    force: bool = False,
    trees: dict[str, Path] | None = None,
    expect_sha256: str | None = None,
) -> RestoreResult:
    """Check the archive whole, then put its database and files in place of the target's.

    Refuses, before changing anything: with LAOMO_BACKUP_KEY set, an archive whose manifest is
    unsigned or signed otherwise; an archive whose hashes, sizes or names differ from its
    manifest (or, with `expect_sha256`, whose own hash differs); a backup of another database
    kind or from a newer Laomo; and, unless `force`, a target database or file folder that
    already holds data. Files that were in the folders are moved aside, not deleted.
    """
    started = time.monotonic()
    path = Path(path)
    trees = media_trees() if trees is None else {name: Path(root) for name, root in trees.items()}
    _check_whole(path, expect_sha256)
    vendor = _vendor(using)
    if not force:
        occupied = _data_tables(using)
        if occupied:
            shown = "、".join(f"{name}（{n}行）" for name, n in list(occupied.items())[:5])
            raise BackupError(
                f"目标数据库不是空的（{shown}……）。恢复会覆盖其中全部数据；"
                "确需覆盖时先用 laomo backup 备份现有数据，再加 --force"
            )
        busy = [str(root) for root in trees.values() if _tree_has_files(root)]
        if busy:
            raise BackupError(
                f"文件目录不是空的：{'、'.join(busy)}。"
                "确需覆盖时加 --force（现有文件会移到一旁保留）"
            )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    staging: dict[str, Path] = {}
    set_aside: list[Path] = []
    try:
        with tempfile.TemporaryDirectory(prefix="laomo-restore-") as scratch:
            for tree, root in trees.items():
                staging[tree] = _staging_folder(root)
            staged = _unpack(path, Path(scratch), staging, trees)
            manifest = staged.manifest
            if manifest["database"]["vendor"] != vendor:
                kind = manifest["database"]["vendor"]
                raise BackupError(f"这是 {kind} 数据库的备份，不能恢复到 {vendor} 数据库")
            pending = _check_migrations(manifest)
            if vendor == "sqlite":
                _restore_sqlite(using, staged.dump)
            else:
                _restore_postgresql(using, staged.dump, manifest)
            counts = _verify_counts(using, manifest)
            for tree, root in trees.items():
                if root.exists():
                    if _tree_has_files(root):
                        aside = root.with_name(f"{root.name}.before-restore-{stamp}")
                        root.rename(aside)
                        set_aside.append(aside)
                    else:
                        root.rmdir()
                staging.pop(tree).rename(root)
    finally:
        for folder in staging.values():
            shutil.rmtree(folder, ignore_errors=True)
    files = len(manifest["files"]) - 1
    from laomo.audit.services import forget_anchor

    forget_anchor()  # the audit log is an older one now, on purpose
    _record(
        "recover",
        using,
        path.name,
        {
            "filename": path.name,
            "created_at": manifest.get("created_at", ""),
            "sha256": file_sha256(path),
            "files": files,
            "signature": staged.signature,
        },
    )
    return RestoreResult(
        manifest=manifest,
        tables=len(counts),
        rows=sum(counts.values()),
        files=files,
        pending_migrations=pending,
        set_aside=set_aside,
        seconds=time.monotonic() - started,
        signature=staged.signature,
    )


def _verify_counts(using: str, manifest: dict) -> dict[str, int]:
    connection = connections[using]
    with connection.cursor() as cursor:
        counts = _count_rows(cursor, connection.vendor, _list_tables(cursor, connection.vendor))
    if counts != manifest["tables"]:
        differ = sorted(
            name
            for name in set(counts) | set(manifest["tables"])
            if counts.get(name) != manifest["tables"].get(name)
        )
        raise BackupError(
            "恢复后的行数与备份清单不符："
            + "、".join(
                f"{name}（应为{manifest['tables'].get(name)}，实为{counts.get(name)}）"
                for name in differ[:10]
            )
        )
    return counts
