"""Personal data at rest (等保2.0 个人信息保护): photos, thumbnails, roster files awaiting
import, the secret key and the SQLite database are written 0600 in folders 0700, whatever the
umask of whoever started the process; `laomo check` finds older ones readable by others, and
`laomo fix-permissions` closes them."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings
from django.core.checks import run_checks
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from laomo.core import filemodes
from laomo.outreach.tests.conftest import full_set, report
from laomo.people.tests.rosterfiles import SEED_ROWS, xlsx


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def tree_modes(root: Path) -> dict[Path, int]:
    return {path: mode(path) for path in [root, *root.rglob("*")]}


@pytest.fixture
def open_umask():
    """The umask of a process started without ours (a shell's usual 022)."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.fixture
def private_trees(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.VAR_DIR = tmp_path / "var"
    settings.STATIC_ROOT = tmp_path / "var" / "static"
    return tmp_path


def test_photos_and_thumbnails_are_written_for_the_owner_alone(
    world, private_trees, open_umask, held_talk
):
    filed = report(held_talk, world.user("county_union_a"), photos=full_set())

    root = Path(settings.PRIVATE_MEDIA_ROOT)
    photos = list(root.rglob("*.jpg"))
    assert len(photos) == 2 * filed.photos.unrestricted().count() > 0
    assert {path.parent.parent.name for path in photos} == {"photos", "thumbs"}
    modes = tree_modes(root)
    assert {m for p, m in modes.items() if p.is_file()} == {0o600}
    # The storage's own folders; the root is the test's temporary folder.
    assert {m for p, m in modes.items() if p.is_dir() and p != root} == {0o700}


def test_a_roster_awaiting_confirmation_is_kept_for_the_owner_alone(
    world, login, private_trees, open_umask
):
    client = login(world.user("county_union_a"))
    response = client.post(
        reverse("people:roster-import"),
        {"file": SimpleUploadedFile("花名册.xlsx", xlsx(SEED_ROWS)), "group": world.a.group.pk},
    )

    assert response.status_code == 200
    assert response.context["token"]
    folder = Path(settings.VAR_DIR) / "imports"
    (kept,) = folder.iterdir()
    assert mode(kept) == 0o600
    assert mode(folder) == 0o700


def test_check_warns_of_files_others_can_read_and_the_command_closes_them(
    db, private_trees, capsys
):
    photos = Path(settings.PRIVATE_MEDIA_ROOT) / "photos" / "ab"
    photos.mkdir(parents=True)
    photo = photos / "c0ffee.jpg"
    photo.write_bytes(b"photo")
    Path(settings.VAR_DIR).mkdir()
    database = Path(settings.VAR_DIR) / "laomo.sqlite3"
    database.write_bytes(b"SQLite format 3\0")
    static = Path(settings.STATIC_ROOT) / "laomo.css"
    static.parent.mkdir(parents=True)
    static.write_text("body {}")
    for path in (Path(settings.PRIVATE_MEDIA_ROOT), photos.parent, photos, settings.VAR_DIR):
        os.chmod(path, 0o755)  # noqa: S103 - the state the fix is for
    for path in (photo, database, static):
        os.chmod(path, 0o644)

    warnings = [m for m in run_checks() if m.id == "laomo.W001"]
    assert len(warnings) == 1
    assert "可被其他系统用户读取" in warnings[0].msg
    assert "laomo fix-permissions" in warnings[0].hint

    call_command("fix_permissions")

    out = capsys.readouterr().out
    assert f"0644 → 0600  {photo}" in out
    assert f"0755 → 0700  {photos}" in out
    assert f"0644 → 0600  {database}" in out
    assert "已修改6个文件或目录的权限" in out
    assert mode(photo) == mode(database) == 0o600
    assert mode(photos) == mode(Path(settings.PRIVATE_MEDIA_ROOT)) == 0o700
    assert mode(static) == 0o644  # no personal data; the web server may serve it
    assert not [m for m in run_checks() if m.id == "laomo.W001"]
    call_command("fix_permissions")
    assert "无须修改" in capsys.readouterr().out


def test_a_file_readable_by_others_is_found_inside_a_closed_folder_only_by_the_fix(
    db, private_trees
):
    """Inside a folder others cannot enter a 0644 file is out of their reach: the check (which
    looks at every file once on each start) does not go in; the fix closes it all the same."""
    inner = Path(settings.PRIVATE_MEDIA_ROOT) / "photos"
    inner.mkdir(parents=True)
    (inner / "a.jpg").write_bytes(b"photo")
    os.chmod(inner / "a.jpg", 0o644)
    for folder in (inner, Path(settings.PRIVATE_MEDIA_ROOT), Path(settings.MEDIA_ROOT)):
        folder.mkdir(exist_ok=True)
        os.chmod(folder, 0o700)
    Path(settings.VAR_DIR).mkdir(mode=0o700, exist_ok=True)

    assert filemodes.exposed() == []
    assert [change.path for change in filemodes.close_all()] == [inner / "a.jpg"]


ENTRY_POINT = {
    "laomo": [sys.executable, "-m", "laomo", "shell", "-c"],
    "wsgi": [sys.executable, "-c", "import laomo.wsgi\nexec(__import__('sys').argv[1])"],
}


@pytest.mark.parametrize("entry", list(ENTRY_POINT))
def test_every_entry_point_writes_the_database_and_the_key_for_the_owner_alone(tmp_path, entry):
    """Started from a shell with the usual umask 022, with a new variable-data folder."""
    var = tmp_path / "var"
    code = textwrap.dedent(
        """
        from django.db import connection
        from laomo.core.tests.test_file_modes import touch_database
        touch_database(connection)
        """
    )
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "laomo.settings",
        "LAOMO_VAR_DIR": str(var),
        "DATABASE_URL": f"sqlite:///{var / 'laomo.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "LAOMO_PRIVATE_ROOT": str(tmp_path / "private"),
    }
    environment.pop("SECRET_KEY", None)
    result = subprocess.run(  # noqa: S603
        [*ENTRY_POINT[entry], code],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        cwd=settings.BASE_DIR,
        preexec_fn=lambda: os.umask(0o022),
    )
    assert result.returncode == 0, result.stderr
    assert mode(var) == 0o700
    assert mode(var / "secret_key") == 0o600
    assert mode(var / "laomo.sqlite3") == 0o600
    # The write-ahead log and its index, seen while the connection was open (they go with it).
    logs = [word for word in result.stdout.split() if word.startswith(("-wal:", "-shm:"))]
    assert logs == ["-wal:0600", "-shm:0600"]
    assert mode(var / "uploads") == 0o700


def touch_database(connection) -> None:
    """Write to the database, so that its file and its write-ahead log exist, and print the
    modes of the log and its index while they do."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS probe (x integer)")
        cursor.execute("INSERT INTO probe VALUES (1)")
    database = str(connection.settings_dict["NAME"])
    for suffix in ("-wal", "-shm"):
        print(f"{suffix}:{mode(Path(database + suffix)):04o}")
