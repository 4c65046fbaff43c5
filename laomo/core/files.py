"""Files written in step with the database, and what a crash leaves of them.

A talk's photos are files in the private storage named by rows (`ReportPhoto`). Each file is
written, and flushed to disk, before the transaction that records it commits, so that no
committed row ever names a missing or half-written file. The other way round cannot be made
atomic: a process killed between the write and the commit (`kill -9`, the OOM killer, a worker
past its timeout, a power cut) leaves a file no row names — a stray, and here a photo of
children that nobody can see, find or delete.

So every such write is first named in a journal, `pending/<token>.txt` in the storage, which the
writer holds locked until its transaction has committed; then the journal goes. The lock is the
writer's process (`flock`, released by the kernel when the process dies however it dies) and, on
PostgreSQL, its transaction (an advisory lock, released when the transaction ends, even when the
server only notices later that its client is gone). A journal nobody holds belongs to a writer
whose transaction is over: `sweep()` deletes the files it names that no row took, then the
journal. Every server process sweeps when it starts (laomo/wsgi.py), so what a crash left is gone
once the server is back.

Uploads too large to keep in memory wait in temporary files while the request is read; a crash
leaves those behind as well. They are kept in a folder of their own (FILE_UPLOAD_TEMP_DIR), held
locked by their request in the same way, and swept with the rest.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import time
import uuid
from contextvars import ContextVar
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.db import connection, models, transaction

log = logging.getLogger(__name__)

PENDING = "pending"
_TOKEN = re.compile(r"^[0-9a-f]{32}\.txt$")
# A temporary upload younger than this is left alone: its request may not have locked it yet.
# (Were it removed all the same, the request would read on from its open file undisturbed.)
_UPLOAD_GRACE_SECONDS = 1.0
_active: ContextVar[Journal | None] = ContextVar("laomo_file_journal", default=None)


def _advisory_key(token: str) -> int:
    return int.from_bytes(bytes.fromhex(token[:16]), "big", signed=True)


class Journal:
    """The names of the files one transaction writes to one storage; see the module's
    docstring. Made by `JournaledStorage.journal()`."""

    def __init__(self, storage: JournaledStorage):
        self.storage = storage
        self.token = uuid.uuid4().hex
        self.names: list[str] = []
        self.dropped: list[str] = []
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_advisory_key(self.token)])
        directory = Path(storage.location) / PENDING
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.path = directory / f"{self.token}.txt"
        # It names photos of children: the owner's alone, as they are (FILE_UPLOAD_PERMISSIONS).
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self.handle = os.fdopen(fd, "w", encoding="utf-8")
        fcntl.flock(self.handle, fcntl.LOCK_EX)

    def note(self, name: str) -> None:
        self.names.append(name)
        self._write(name)

    def drop(self, name: str) -> None:
        """A file whose row this transaction deletes: it goes once the transaction commits.
        Named in the journal first, so that a crash between the commit and the deletion leaves
        it to the sweep (which keeps it if a row still names it: the transaction rolled back)."""
        if name:
            self.dropped.append(name)
            self._write(name)

    def _write(self, name: str) -> None:
        self.handle.write(name + "\n")
        self.handle.flush()  # into the kernel: a killed process's journal still names it

    def discard(self) -> None:
        """The transaction will not commit: its files go, then the journal. A file that cannot
        be deleted now is left, with the journal, to the sweep."""
        kept = False
        for name in self.names:
            try:
                self.storage.delete(name)
            except OSError:
                kept = True
        if not kept:
            self.path.unlink(missing_ok=True)  # the dropped files stay: their rows stay too
        self.handle.close()

    def close(self) -> None:
        """The transaction committed: the dropped files go, then the journal. Removed first,
        unlocked after: a sweep never finds this journal free while it still exists for a
        reason. A dropped file that cannot be deleted now is left, with the journal, to the
        sweep."""
        kept = False
        for name in self.dropped:
            try:
                self.storage.delete(name)
            except OSError:
                kept = True
        if kept:
            self.handle.close()
            return
        self.path.unlink(missing_ok=True)
        self.handle.close()


class JournaledStorage(FileSystemStorage):
    """A file system storage whose files are named by rows: written inside `journal()` and
    flushed to disk before the transaction commits."""

    @contextlib.contextmanager
    def journal(self):
        """Every file this storage saves in the block is named in a journal before it is
        written. Use it inside the transaction that records the files: an error in the block
        deletes them; once the transaction commits, the journal goes."""
        journal = Journal(self)
        active = _active.set(journal)
        try:
            yield journal
        except BaseException:
            journal.discard()
            raise
        finally:
            _active.reset(active)
        # If the transaction rolls back instead, the callback is dropped, the journal's file is
        # closed with it, and the next sweep removes what it names.
        transaction.on_commit(journal.close)

    def _save(self, name, content):
        journal = _active.get()
        if journal is not None and journal.storage is self:
            journal.note(name)
        saved = super()._save(name, content)
        if journal is not None and journal.storage is self and saved != name:
            journal.note(saved)
        _fsync(self.path(saved))
        return saved

    def sweep(self) -> int:
        """Delete the files of journals whose writer is gone and which no row took; remove
        those journals. Returns how many files went."""
        directory = Path(self.location) / PENDING
        if not directory.is_dir():
            return 0
        removed = 0
        for path in sorted(directory.iterdir()):
            if not _TOKEN.match(path.name):
                continue
            try:
                handle = path.open(encoding="utf-8")
            except FileNotFoundError:
                continue  # closed meanwhile
            with handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # its writer is at work
                names = [line.strip() for line in handle if line.strip()]
                with transaction.atomic():
                    if not _transaction_over(path.stem):
                        continue  # PostgreSQL is still ending it: a later sweep will do
                    taken = self._referenced(names)
                    for name in names:
                        if name in taken:
                            continue
                        with contextlib.suppress(FileNotFoundError):
                            os.remove(self.path(name))
                            removed += 1
                path.unlink(missing_ok=True)
        return removed

    def _referenced(self, names: list[str]) -> set[str]:
        """Those of `names` that a row of any model holds in a file field of this storage."""
        taken: set[str] = set()
        for model in apps.get_models():
            for field in model._meta.concrete_fields:
                if isinstance(field, models.FileField) and field.storage is self:
                    taken.update(
                        model._base_manager.filter(**{f"{field.attname}__in": names}).values_list(
                            field.attname, flat=True
                        )
                    )
        return taken


def _transaction_over(token: str) -> bool:
    if connection.vendor != "postgresql":
        return True  # a SQLite transaction ends with its process
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_advisory_key(token)])
        return cursor.fetchone()[0]


def _fsync(path: str) -> None:
    """The file's bytes and its name in the folder, on disk (not only in the page cache)."""
    for target, flags in ((path, os.O_RDONLY), (os.path.dirname(path), os.O_RDONLY)):
        fd = os.open(target, flags)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class LockedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Django's handler for uploads too large to keep in memory, its temporary file in
    FILE_UPLOAD_TEMP_DIR and locked by the request while it is read, so that `sweep_uploads`
    can tell the files of requests a crash cut off from those being read."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        fcntl.flock(self.file.fileno(), fcntl.LOCK_EX)


def sweep_uploads() -> int:
    """Delete the temporary uploads of requests that are gone; how many went."""
    directory = Path(settings.FILE_UPLOAD_TEMP_DIR)
    if not directory.is_dir():
        return 0
    removed = 0
    for path in directory.iterdir():
        try:
            handle = path.open("rb")
        except (FileNotFoundError, IsADirectoryError):
            continue
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            if time.time() - os.fstat(handle.fileno()).st_mtime < _UPLOAD_GRACE_SECONDS:
                continue
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def sweep() -> None:
    """What crashed writers left: the files of unfinished journals in every journaled storage,
    and unfinished temporary uploads. Run when a server process starts."""
    storages = {
        id(field.storage): field.storage
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.FileField) and isinstance(field.storage, JournaledStorage)
    }
    for storage in storages.values():
        if removed := storage.sweep():
            log.warning(
                "Removed %d file(s) from %s left by writes that never committed",
                removed,
                storage.location,
            )
    if removed := sweep_uploads():
        log.warning("Removed %d temporary upload(s) left by requests cut off", removed)
