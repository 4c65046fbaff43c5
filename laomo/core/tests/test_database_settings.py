"""The connection options the settings promise are in force on a live connection."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection


@pytest.mark.django_db
def test_a_connection_runs_with_the_configured_options(tmp_path):
    if connection.vendor == "sqlite":
        # A file opened as the site opens its database (the test database lives in memory, which
        # is never mapped): read through memory mapping, up to DATABASE_MMAP_SIZE.
        from django.db.backends.sqlite3.base import DatabaseWrapper

        site = DatabaseWrapper({**connection.settings_dict, "NAME": str(tmp_path / "site.db")})
        try:
            with site.cursor() as cursor:
                cursor.execute("PRAGMA mmap_size")
                assert cursor.fetchone()[0] == settings.SQLITE_MMAP_SIZE
                cursor.execute("PRAGMA journal_mode")
                assert cursor.fetchone()[0] == "wal"
        finally:
            site.close()
    else:
        # Parameters bound by the server, and statements prepared on their fifth run.
        with connection.cursor() as cursor:
            assert connection.connection.prepare_threshold == 5
            cursor.execute("SELECT %s::int + 1", [41])
            assert cursor.fetchone()[0] == 42
