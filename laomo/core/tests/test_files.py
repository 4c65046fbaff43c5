"""Files written in step with the database (laomo.core.files): a report's photos are journaled
while their transaction is open; what a writer that is gone left behind is swept, what a live
one is writing is not; temporary uploads likewise. test_fault.py kills a real server."""

from __future__ import annotations

import fcntl
import gc
import os
import time

import pytest
from django.core.files.base import ContentFile
from django.db import transaction

from laomo.core import files
from laomo.outreach import services
from laomo.outreach.models import ReportPhoto, private_storage
from laomo.outreach.tests.conftest import full_set

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploads")
    (tmp_path / "uploads").mkdir()
    return settings.PRIVATE_MEDIA_ROOT


def _on_disk(root) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def _report(talk, world):
    return services.submit_report(
        talk,
        students=80,
        teachers=5,
        others=0,
        account="活动顺利",
        photos=full_set(),
        acting_user=world.user("school_a"),
    )


def test_a_committed_report_keeps_its_files_and_leaves_no_journal(
    held_talk, world, private_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = _report(held_talk, world)

    names = {
        name
        for photo in ReportPhoto.objects.unrestricted().filter(report=report)
        for name in (photo.image.name, photo.thumbnail.name)
    }
    assert len(names) == 6
    assert _on_disk(private_root) == names
    assert private_storage.sweep() == 0
    assert _on_disk(private_root) == names


def test_the_files_of_a_report_rolled_back_after_it_was_filed_are_swept(
    held_talk, world, private_root
):
    """The service returned, then the transaction around it rolled back: the rows are gone,
    the files are not, until the sweep finds their journal free."""

    def file_then_fail():
        with transaction.atomic():
            _report(held_talk, world)
            raise RuntimeError("the caller's transaction fails after the report was filed")

    with pytest.raises(RuntimeError, match="caller"):
        file_then_fail()
    gc.collect()  # the dropped commit callback held the journal open

    written = _on_disk(private_root)
    assert len([name for name in written if not name.startswith("pending/")]) == 6
    assert not ReportPhoto.objects.unrestricted().exists()
    assert private_storage.sweep() == 6
    assert _on_disk(private_root) == set()


def test_an_error_while_writing_deletes_what_was_written(private_root):

    def write_then_fail():
        with private_storage.journal():
            private_storage.save("photos/ab/one.jpg", ContentFile(b"\xff\xd8one\xff\xd9"))
            raise RuntimeError("the disk is full")

    with pytest.raises(RuntimeError, match="disk"):
        write_then_fail()
    assert _on_disk(private_root) == set()


def test_a_journal_whose_writer_is_at_work_is_left_alone(private_root):
    with transaction.atomic(), private_storage.journal() as journal:
        name = private_storage.save("photos/ab/two.jpg", ContentFile(b"\xff\xd8two\xff\xd9"))
        assert journal.names == [name]
        assert private_storage.sweep() == 0
        assert private_storage.exists(name)
        assert journal.path.exists()


def test_a_journal_names_its_file_before_the_file_is_written(private_root, monkeypatch):
    """A writer killed in the middle of writing a file has already named it."""
    seen = []
    write = files.FileSystemStorage._save

    def spy(storage, name, content):
        seen.append(journal.path.read_text())
        return write(storage, name, content)

    monkeypatch.setattr(files.FileSystemStorage, "_save", spy)
    with private_storage.journal() as journal:
        private_storage.save("photos/ab/three.jpg", ContentFile(b"\xff\xd8three\xff\xd9"))
    assert seen == ["photos/ab/three.jpg\n"]


def test_temporary_uploads_of_requests_that_are_gone_are_swept(settings, tmp_path):
    folder = tmp_path / "uploads"
    old = time.time() - 60
    gone, reading = folder / "gone.upload.jpg", folder / "reading.upload.jpg"
    for path in (gone, reading):
        path.write_bytes(b"part of a photo")
        os.utime(path, (old, old))
    handler = files.LockedTemporaryFileUploadHandler()
    handler.new_file("photos-0-image", "IMG_0001.jpg", "image/jpeg", 10)  # a request reading
    fresh = handler.file
    with reading.open("rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert files.sweep_uploads() == 1
        assert not gone.exists()
        assert reading.exists()
        assert os.path.exists(fresh.temporary_file_path())
    fresh.close()


def test_an_uploaded_temporary_file_is_locked_by_its_request(settings):
    handler = files.LockedTemporaryFileUploadHandler()
    handler.new_file("file", "花名册.xlsx", "application/octet-stream", 10)
    upload = handler.file
    assert os.path.dirname(upload.temporary_file_path()) == settings.FILE_UPLOAD_TEMP_DIR
    with open(upload.temporary_file_path(), "rb") as other, pytest.raises(BlockingIOError):
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    upload.close()
