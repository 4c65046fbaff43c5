"""The server killed mid-import and mid-upload, and started again: nothing half-written, nothing
lost (issue "Trust", item 8; bench/fault.py is the large version, with load).

The real server — gunicorn, two workers — runs against a database of its own: a copy of the one
this test builds (SQLite: a file made with SQLite's backup API; PostgreSQL: a database
laomo_fault_<random> made from the test database as its template, dropped afterwards), with its
own folders. It is sent SIGKILL, the whole process group at once, while a roster import writes
and while a report's photos are written; then started again. What the database and the folders
hold is read directly, not asked of the app.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import threading

import pytest
from django.db import connections
from django.db.utils import load_backend

from laomo.core.testing import fault
from laomo.core.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 800
PHOTOS = 10
COUNTED = ("people", "people_history", "honours", "memberships", "reports", "photos", "audit")


@pytest.fixture
def talks(world):
    """Three talks at county A's school, held yesterday and before, for its contact to report."""
    return fault.reportable_talks("school_a", 3)


@pytest.fixture
def server_database(talks, tmp_path):
    """The committed state of the test database, copied into one the server can open: its URL
    and its connection settings."""
    default = connections["default"]
    settings_dict = dict(default.settings_dict)
    if default.vendor == "sqlite":
        path = tmp_path / "server.sqlite3"
        default.ensure_connection()
        target = sqlite3.connect(path)
        default.connection.backup(target)
        target.close()
        settings_dict["NAME"] = str(path)
        yield f"sqlite:///{path}", settings_dict
        return
    import psycopg

    name = f"laomo_fault_{secrets.token_hex(4)}"
    user, password = settings_dict["USER"], settings_dict["PASSWORD"]
    host, port = settings_dict["HOST"] or "127.0.0.1", settings_dict["PORT"] or 5432
    base = f"postgres://{user}{':' + password if password else ''}@{host}:{port}"
    connections.close_all()  # a template database must have no one connected
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{settings_dict["NAME"]}"')
    settings_dict["NAME"] = name
    try:
        yield f"{base}/{name}", settings_dict
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def on_database(settings_dict, work):
    """Run `work()` in a thread whose default database is `settings_dict`'s."""
    outcome = {}

    def run():
        connections["default"] = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(
            settings_dict, "default"
        )
        try:
            outcome["value"] = work()
        except BaseException as exc:
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def test_killed_mid_import_and_mid_upload_the_server_comes_back_with_nothing_half_written(
    world, talks, server_database, tmp_path
):
    url, settings_dict = server_database
    home = tmp_path / "server"
    for folder in ("var", "media", "private", "tmp"):
        (home / folder).mkdir(parents=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "laomo.core.testing.fault_settings",
        "DATABASE_URL": url,
        "SECRET_KEY": secrets.token_urlsafe(40),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LAOMO_VAR_DIR": str(home / "var"),
        "MEDIA_ROOT": str(home / "media"),
        "LAOMO_PRIVATE_ROOT": str(home / "private"),
        "TMPDIR": str(home / "tmp"),
        "LOG_LEVEL": "WARNING",
    }
    temporary = (home / "tmp", home / "var" / "uploads")

    def snapshot() -> dict:
        return on_database(settings_dict, lambda: fault.snapshot(private_root=home / "private"))

    server = fault.Server(env, log=home / "gunicorn.log")
    try:
        server.start()
        importer = fault.Browser(server.base)
        importer.sign_in("county_union_a", PASSWORD)
        page = fault.ImportPage(importer, world.a.group.name)

        # (a) An import, killed while it writes. SQLite cannot be watched writing: the kill
        # comes half-way through the time an uninterrupted import of as many rows held its
        # transaction, sooner if that came too late.
        held = 0.0
        if url.startswith("sqlite"):
            token, _seconds = page.check(fault.roster(ROWS, seed=1).data)
            reply, opened, took = fault.watch_import(page, token, url)
            assert reply.status == 302
            held = took - opened
        for attempt, fraction in enumerate((0.5, 0.2, 0.05)):
            book = fault.roster(ROWS, seed=2 + attempt)
            token, _seconds = page.check(book.data)
            before = snapshot()
            kill = fault.kill_mid_import(server, page, token, url, rows=ROWS, delay=fraction * held)
            server.start()
            after = snapshot()
            if kill.in_flight:
                break
        assert kill.in_flight, "every kill came after the import had committed"
        if kill.written is not None:
            assert kill.written >= ROWS // 2  # PostgreSQL: half the people were written
        assert {key: after[key] for key in COUNTED} == {key: before[key] for key in COUNTED}
        assert after["audit_imports"] == before["audit_imports"]

        # The same roster again: through whole.
        reply = page.confirm(page.check(book.data)[0])
        assert reply.status == 302
        again = snapshot()
        assert again["people"] - after["people"] == ROWS
        assert again["memberships"] - after["memberships"] == ROWS
        assert again["honours"] - after["honours"] == book.honours
        assert again["audit_imports"] - after["audit_imports"] == 1

        # (b) A report of large photos, killed once its first photo file is on disk.
        pictures = [fault.photo(seed) for seed in range(PHOTOS)]
        assert sum(map(len, pictures)) > 5 * 2**20  # read into temporary files, not memory
        reporter = fault.Browser(server.base)
        reporter.sign_in("school_a", PASSWORD)
        for talk in talks:
            before = snapshot()
            known = fault.temporary_uploads(*temporary)
            kill = fault.kill_mid_upload(
                server,
                lambda talk=talk: fault.submit_report(reporter, talk, pictures),
                home / "private",
            )
            at_kill = fault.temporary_uploads(*temporary) - known
            server.start()
            after = snapshot()
            if kill.in_flight:
                break
        assert kill.in_flight, "every kill came after the report had committed"
        assert kill.written > 0  # photo files on disk, not yet committed
        assert at_kill  # and the request's photos waiting in temporary files
        assert {key: after[key] for key in COUNTED} == {key: before[key] for key in COUNTED}
        assert after["audit_reported"] == after["reports"]
        assert after["rows_without_file"] == []
        assert after["truncated_files"] == []
        assert after["files_without_row"] == []  # what the killed upload wrote was swept
        assert after["pending_journals"] == []
        assert fault.temporary_uploads(*temporary) - known == set()

        # The server answers as before, and the same report goes through whole.
        reporter = fault.Browser(server.base)
        reporter.sign_in("school_a", PASSWORD)
        assert reporter.get(f"/talks/{talk}/").status == 200
        reply = fault.submit_report(reporter, talk, pictures)
        assert reply.status == 302
        again = snapshot()
        assert again["reports"] - after["reports"] == 1
        assert again["photos"] - after["photos"] == PHOTOS
        assert again["files"] - after["files"] == 2 * PHOTOS
        assert again["files_without_row"] == again["rows_without_file"] == []
        assert reporter.get(reply.location).status == 200
    finally:
        server.stop()
