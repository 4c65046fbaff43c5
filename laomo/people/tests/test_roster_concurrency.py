"""Imports stay all-or-nothing under concurrent use: two imports started at the same moment,
in two threads with their own database connections, each either applies whole or writes
nothing, and together they come to what one after the other would (a roster imported twice at
once is applied once). A failure after rows were written leaves none of them.

On PostgreSQL the threads share the test database. On SQLite the test database lives in memory
with a shared cache, where a second writer is refused at once instead of waiting, unlike the
file database the app runs on; so there the threads work on a file copy of the test database
(made with SQLite's backup API), as in production: WAL, and transactions that take the write
lock when they begin.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable

import pytest
from django.db import connections
from django.db.utils import load_backend

from laomo.core.testing.factories import LectureGroupFactory, PersonFactory
from laomo.people import roster
from laomo.people.models import Honour, Membership, Person
from laomo.people.roster import import_roster
from laomo.people.tests.rosterfiles import SEED_ROWS, xlsx

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def run_together(tmp_path):
    """run_together(job_a, job_b) runs both at once in two threads, each on its own database
    connection, and returns what each returned or raised. count(sql) asks the database the
    threads used."""
    default = connections["default"].settings_dict
    vendor = connections["default"].vendor
    copy = None
    copied: list[bool] = []
    if vendor == "sqlite":
        # A loaded machine (CI beside other work) may hold the write lock a while: the test is
        # about all-or-nothing, not speed, so the second import waits longer than the default.
        options = {**default.get("OPTIONS", {}), "timeout": 120}
        copy = {**default, "NAME": str(tmp_path / "threads.sqlite3"), "OPTIONS": options}

    def connect_thread():
        if copy is not None:
            connections["default"] = load_backend(copy["ENGINE"]).DatabaseWrapper(copy, "default")

    def run(*jobs: Callable[[], object]) -> list[object]:
        if copy is not None and not copied:
            # The world the test built, committed, into the file the threads will use.
            target = sqlite3.connect(copy["NAME"])
            connections["default"].ensure_connection()
            connections["default"].connection.backup(target)
            target.close()
            copied.append(True)
        start = threading.Barrier(len(jobs))
        results: list[object] = [None] * len(jobs)

        def work(index, job):
            connect_thread()
            try:
                start.wait()
                results[index] = job()
            except Exception as exc:
                results[index] = exc
            finally:
                connections.close_all()

        threads = [threading.Thread(target=work, args=(i, job)) for i, job in enumerate(jobs)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not any(thread.is_alive() for thread in threads)
        return results

    def in_threads_database(query: Callable[[], object]) -> object:
        """Run `query` against the database the threads used (a thread of its own)."""
        return run(query)[0] if copy is not None else query()

    run.read = in_threads_database
    run.vendor = vendor
    return run


def _state():
    people = sorted(Person.objects.unrestricted().values_list("name", "phone"))
    members = sorted(Membership.objects.values_list("group_id", "position"))
    honours = Honour.objects.count()
    return people, members, honours


def test_the_same_roster_imported_twice_at_once_is_applied_once(run_together):
    group = LectureGroupFactory(name="固原市宣讲团")
    data = xlsx(SEED_ROWS)

    def job():
        return import_roster(data, filename="花名册.xlsx", group=group)

    first, second = run_together(job, job)

    reports = [first, second]
    assert all(not isinstance(r, Exception) for r in reports), reports
    assert all(r.applied and not r.errors for r in reports)
    assert sorted(len(r.created) for r in reports) == [0, 8]  # one made them, the other found them
    people, members, honours = run_together.read(_state)
    assert len(people) == 8
    assert len(set(people)) == 8
    assert members == [(group.pk, n) for n in range(1, 9)]
    assert honours == 8


def test_a_good_and_a_bad_import_at_once_the_good_one_whole_the_bad_one_not_at_all(
    run_together,
):
    group = LectureGroupFactory(name="固原市宣讲团")
    other = LectureGroupFactory(name="原州区宣讲团", region=group.region)
    good = xlsx(SEED_ROWS[:4])
    bad_rows = [list(row) for row in SEED_ROWS[4:]]
    bad_rows[-1][2] = "未知"  # gender: a bad row, so nothing of this file may be written

    results = run_together(
        lambda: import_roster(good, filename="甲.xlsx", group=group),
        lambda: import_roster(xlsx(bad_rows), filename="乙.xlsx", group=other),
    )

    good_report, bad_report = results
    assert good_report.applied
    assert not bad_report.applied
    assert bad_report.errors
    people, members, _honours = run_together.read(_state)
    assert [name for name, _phone in people] == sorted(row[1] for row in SEED_ROWS[:4])
    assert members == [(group.pk, n) for n in range(1, 5)]


def test_an_import_that_fails_after_writing_leaves_nothing(run_together, monkeypatch):
    group = LectureGroupFactory(name="固原市宣讲团")
    PersonFactory(name="何成斌", region=group.region, phone="18395069051", unit="旧单位")
    before = _state()

    def crash(*args, **kwargs):
        raise RuntimeError("写审计日志时断电")

    # The audit entry is the import's last write: people, honours and members are in by then.
    monkeypatch.setattr(roster, "record", crash)
    (outcome,) = run_together(lambda: import_roster(xlsx(SEED_ROWS), group=group))

    assert isinstance(outcome, RuntimeError)
    assert run_together.read(_state) == before
