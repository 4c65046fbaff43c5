"""Personal data at rest is readable by the account the application runs as, and nobody else.

Photos of pupils, roster files waiting to be imported, uploads being read, the secret key and
the SQLite database (phone numbers, password hashes, sessions) are written 0600 in folders
0700: new files by the process's umask (set where every entry point starts, laomo/__main__.py
and laomo/wsgi.py) and by FILE_UPLOAD_PERMISSIONS / FILE_UPLOAD_DIRECTORY_PERMISSIONS for the
storages. Files written before that, or by hand, are found by `laomo check` (laomo.W001) and
closed by `laomo fix-permissions`.

Static files are no personal data and are left as they are, wherever STATIC_ROOT lies.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connections

OTHERS = 0o077  # the group's and everyone else's bits


def sqlite_files(using: str = "default") -> list[Path]:
    """The SQLite database file with its -wal and -shm companions; none on PostgreSQL."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return []
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
        return []
    return [Path(name + suffix) for suffix in ("", "-wal", "-shm")]


def private_roots() -> list[Path]:
    """The folders and files that hold personal data: uploaded media, the talk photos, the
    variable-data folder (database, secret key, imports, uploads) and the SQLite files."""
    roots = [Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_MEDIA_ROOT), Path(settings.VAR_DIR)]
    return roots + sqlite_files()


def _walk(roots: list[Path], *, prune_closed: bool) -> Iterator[tuple[Path, os.stat_result]]:
    """Every folder and file under `roots` (and each root), symbolic links left alone, the static
    files skipped. With `prune_closed`, a folder others cannot enter is not looked into: what is
    in it cannot be read by them whatever its own mode."""
    static_root = Path(settings.STATIC_ROOT).resolve()
    seen: set[Path] = set()
    stack = list(reversed(roots))
    while stack:
        path = stack.pop()
        try:
            info = path.lstat()
        except FileNotFoundError:
            continue
        resolved = path.resolve()
        if resolved in seen or resolved == static_root or stat.S_ISLNK(info.st_mode):
            continue
        seen.add(resolved)
        if not (stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode)):
            continue
        yield path, info
        if stat.S_ISDIR(info.st_mode):
            if prune_closed and not info.st_mode & OTHERS:
                continue
            try:
                children = sorted(path.iterdir(), reverse=True)
            except PermissionError:
                continue
            stack.extend(children)


def exposed(limit: int = 20) -> list[Path]:
    """Up to `limit` files or folders of personal data that others than the owner can read,
    write or enter."""
    found = []
    for path, info in _walk(private_roots(), prune_closed=True):
        if info.st_mode & OTHERS:
            found.append(path)
            if len(found) >= limit:
                break
    return found


@dataclass(frozen=True)
class Change:
    path: Path
    before: int
    after: int


def close_all() -> list[Change]:
    """Take the group's and others' bits off every file and folder of personal data; what was
    changed. The owner's own bits stay as they were."""
    changes = []
    for path, info in _walk(private_roots(), prune_closed=False):
        mode = stat.S_IMODE(info.st_mode)
        if mode & OTHERS:
            os.chmod(path, mode & ~OTHERS)
            changes.append(Change(path, mode, mode & ~OTHERS))
    return changes
