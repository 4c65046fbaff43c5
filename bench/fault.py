"""The load and fault run of issue "Trust" (item 8), bounded, on loopback, in one command:

    .venv/bin/python bench/fault.py --db sqlite|postgres|both [--users 24 --seconds 60]

For each database: a fresh database (var/bench/fault-sqlite/laomo.sqlite3, or the PostgreSQL
database laomo_fault_run), migrated, the demo loaded (`laomo seed-demo`); then gunicorn with 2
workers on a free loopback port and:

1. Load. `--users` people at once for `--seconds`, each a thread with its own cookies that signs
   in through the login form: county officials planning talks through the talk form; schools and
   county officials reporting talks (the report form, three JPEG photos each); the lecturer
   confirming the invitations the planners send; readers on the main pages, talk pages and
   photos. Per action: count, refusals (a rule said no: the form again, a 400), errors (any 5xx
   or a dropped connection), requests per second, median and p95.
2. Fault (a). A roster of `--rows` (10,000) new people is checked through the import page, then
   confirmed; while the import's transaction is open (seen from outside: SQLite's write lock, or
   PostgreSQL's import lock), the whole gunicorn process group is sent SIGKILL. Restart.
3. Fault (b). A report with `--photos` (30) large photos is uploaded; once its photo files start
   to appear in the private storage, SIGKILL again. Restart.

After each restart: the people, honours, memberships, reports, photos and audit entries are
exactly as before the killed request; no photo row lacks its file, no file lacks its row, no
file is cut short; the server answers; and the same import (the same upload) then goes through
whole. The figures are printed and written to bench/results-fault-<db>.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from laomo.core.testing import fault  # noqa: E402
from laomo.core.testing.fault import Browser, Server  # noqa: E402

VAR = ROOT / "var" / "bench"
BIN = Path(sys.executable).parent
PASSWORD = "Laomo@2026"  # noqa: S105 - the demo accounts' published password, local data only
IMPORT_LOCK = zlib.crc32(b"laomo.people.roster.import")  # laomo/people/roster.py
CITY_GROUP = "固原市“劳模工匠进校园”行动宣讲团"

PLANNERS = ["yuanzhou-union", "yuanzhou-edu", "xiji-union", "longde-union", "pengyang-union"]
REPORTERS = ["school-yz", "jingyuan-union", "kaifaqu-union", "xiji-union", "longde-union"]
READERS = ["city-union", "city-edu", "yuanzhou-union", "xiji-union", "school-yz"]
LECTURER = "lecturer-hcb"
READ_PAGES = {
    "city": ["/", "/talks/", "/talks/?status=accepted", "/schools/", "/people/", "/oversight/"],
    "county": ["/", "/talks/", "/talks/calendar/", "/schools/", "/people/", "/oversight/"],
    "school": ["/", "/talks/", "/schools/"],
}


# Setting up -------------------------------------------------------------------------------------


def run(args: list[str], env: dict) -> str:
    result = subprocess.run(  # noqa: S603 - our own commands
        args, env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(
            f"{' '.join(args)} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
        )
    return result.stdout


def task(env: dict, *args: str) -> dict:
    """A Django-side task of laomo.core.testing.fault against the run's database."""
    return json.loads(run([sys.executable, "-m", "laomo.core.testing.fault", *args], env))


def fresh_database(db: str, say) -> tuple[dict, Path]:
    """An empty, migrated database with the demo loaded, and the environment that points at it;
    its own var, media, private and temporary folders under var/bench/fault-<db>/."""
    home = VAR / f"fault-{db}"
    shutil.rmtree(home, ignore_errors=True)
    for name in ("var", "media", "private", "tmp"):
        (home / name).mkdir(parents=True)
    if db == "sqlite":
        url = f"sqlite:///{home / 'laomo.sqlite3'}"
    else:
        import psycopg

        base = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS laomo_fault_run WITH (FORCE)")
            conn.execute("CREATE DATABASE laomo_fault_run")
        url = f"{base}/laomo_fault_run"
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="laomo.settings",
        DEBUG="0",
        LAOMO_VAR_DIR=str(home / "var"),
        MEDIA_ROOT=str(home / "media"),
        LAOMO_PRIVATE_ROOT=str(home / "private"),
        STATIC_ROOT=str(VAR / "static"),
        # A request larger than FILE_UPLOAD_MAX_MEMORY_SIZE is read into temporary files (in
        # FILE_UPLOAD_TEMP_DIR, else the TMPDIR); a TMPDIR of the run's own shows what a crash
        # leaves in either.
        TMPDIR=str(home / "tmp"),
        ALLOWED_HOSTS="localhost,127.0.0.1",
        LOG_LEVEL="WARNING",
    )
    say(f"[{db}] migrating and loading the demo …")
    run([str(BIN / "laomo"), "migrate", "--noinput", "-v0"], env)
    run([str(BIN / "laomo"), "seed-demo"], env)
    run([str(BIN / "laomo"), "collectstatic", "--noinput", "-v0"], env)
    return env, home


# Load -------------------------------------------------------------------------------------------


@dataclass
class Tally:
    """What each action cost and how it ended, over all threads."""

    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    refused: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    statuses: dict[str, set] = field(default_factory=lambda: defaultdict(set))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def timed(self, action: str, call, *, ok=(200,), refused=()):
        """Make the request; file its time and outcome under `action`; its reply, or None."""
        started = time.perf_counter()
        try:
            reply = call()
        except OSError as exc:
            reply, status = None, type(exc).__name__
        else:
            status = reply.status
        elapsed = time.perf_counter() - started
        with self.lock:
            self.times[action].append(elapsed)
            if reply is None or reply.status >= 500 or reply.status not in (*ok, *refused):
                self.errors[action] += 1
                self.statuses[action].add(status)
            elif reply.status in refused:
                self.refused[action] += 1
        return reply if reply is not None and reply.status in ok else None


def reader(browser: Browser, kind: str, tally: Tally, stop: threading.Event, rng) -> None:
    talks: list[str] = []
    photos: list[str] = []
    while not stop.is_set():
        roll = rng.random()
        if talks and roll < 0.25:
            path = rng.choice(talks)
            reply = tally.timed("read: talk page", lambda path=path: browser.get(path))
            if reply is not None:
                photos = sorted(set(re.findall(r"/photos/\d+/thumb/", reply.text)))[:20] or photos
        elif photos and roll < 0.4:
            path = rng.choice(photos)
            tally.timed("read: photo", lambda path=path: browser.get(path))
        else:
            path = rng.choice(READ_PAGES[kind])
            reply = tally.timed(f"read: {path}", lambda path=path: browser.get(path))
            if reply is not None and path.startswith("/talks/"):
                talks = sorted(set(re.findall(r'href="(/talks/\d+/)"', reply.text)))[:30] or talks


def planner(browser: Browser, tally: Tally, stop: threading.Event, rng, lecturer_name) -> None:
    """Plans talks through the form, at a school of the county, a future weekday hour; now and
    then inviting the lecturer who answers (so the lecturer's thread has work)."""
    while not stop.is_set():
        page = tally.timed("plan: open the form", lambda: browser.get("/talks/new/"))
        if page is None:
            continue
        schools = [value for value, _label in fault.select_options(page.text, "school")]
        lecturers = fault.select_options(page.text, "lecturers")
        if not schools or not lecturers:
            raise RuntimeError("the talk form offers no school or no lecturer")
        chosen = [rng.choice(lecturers)[0]]
        answering = [value for value, label in lecturers if label.startswith(lecturer_name)]
        if answering and rng.random() < 0.3:
            chosen = answering
        day = datetime.now() + timedelta(days=rng.randrange(30, 1500))
        starts = day.replace(hour=rng.randrange(8, 17), minute=rng.choice((0, 30)))
        fields = [
            ("title", f"负载测试：致敬劳模交流会{rng.randrange(10**6)}"),
            ("place", "school"),
            ("school", rng.choice(schools)),
            ("starts_at", f"{starts:%Y-%m-%dT%H:%M}"),
            ("ends_at", f"{starts + timedelta(hours=1):%Y-%m-%dT%H:%M}"),
            *[("lecturers", value) for value in chosen],
            ("venue", "hall"),
            ("form", "salute"),
            ("expected_audience", "120"),
            ("cost", "0"),
        ]
        tally.timed(
            "plan: submit a talk",
            lambda fields=fields, page=page: browser.post("/talks/new/", fields, page=page),
            ok=(302,),
            refused=(200,),  # the form again: a lecturer already booked at that hour
        )


def reporter(browser, talks, tally, stop, pictures, rng) -> None:
    while not stop.is_set() and talks:
        talk = talks.pop()
        path = f"/talks/{talk}/report/"
        page = tally.timed("report: open the form", lambda path=path: browser.get(path))
        if page is None:
            continue
        fields, files = fault.report_form(rng.sample(pictures, 3))
        tally.timed(
            "report: submit (3 photos)",
            lambda path=path, page=page, fields=fields, files=files: browser.post(
                path, fields, files=files, page=page
            ),
            ok=(302,),
            refused=(400,),
        )


def lecturer(browser: Browser, tally: Tally, stop: threading.Event) -> None:
    """Opens the schedule, and confirms each invitation found there."""
    while not stop.is_set():
        page = tally.timed("lecturer: schedule", lambda: browser.get("/me/schedule/"))
        if page is None:
            continue
        for path in sorted(set(re.findall(r'href="(/talks/\d+/)"', page.text)))[:5]:
            if stop.is_set():
                break
            detail = tally.timed("lecturer: talk page", lambda path=path: browser.get(path))
            if detail is None:
                continue
            forms = re.findall(r'action="(/talks/\d+/bookings/\d+/respond/)"', detail.text)
            for action in forms[:1]:
                tally.timed(
                    "lecturer: confirm",
                    lambda action=action, detail=detail: browser.post(
                        action, {"accept": "1"}, page=detail
                    ),
                    ok=(302,),
                )


def load(server: Server, env: dict, *, users: int, seconds: int, say) -> tuple[Tally, float]:
    """`users` threads at once for `seconds`: 2 in 5 readers, 1 in 5 planners, 1 in 5
    reporters, the rest the lecturer."""
    roles = [("reader", "planner", "reporter", "reader", "lecturer")[n % 5] for n in range(users)]
    reporters = [n for n, role in enumerate(roles) if role == "reporter"]
    accounts = {n: REPORTERS[i % len(REPORTERS)] for i, n in enumerate(reporters)}
    per_account = defaultdict(int)
    for account in accounts.values():
        per_account[account] += 1
    say(f"  preparing talks to report for {len(reporters)} reporters …")
    need = max(8, seconds // 3)
    ready = task(
        env,
        "talks",
        "--count",
        str(need * max(per_account.values(), default=1)),
        *[arg for account in per_account for arg in ("--user", account)],
    )
    pools = {}
    taken = defaultdict(int)
    for n, account in accounts.items():
        pools[n] = ready[account][taken[account] :: per_account[account]]
        taken[account] += 1
    pictures = [fault.photo(seed, size=(1600, 1200)) for seed in range(8)]
    tally = Tally()
    stop = threading.Event()

    def person(n: int, role: str) -> None:
        browser = Browser(server.base)
        rng = random.Random(n)
        if role == "reader":
            account = READERS[n % len(READERS)]
            kind = "school" if account.startswith("school") else "county"
            kind = "city" if account.startswith("city") else kind
        else:
            account = {"planner": PLANNERS[n % len(PLANNERS)], "lecturer": LECTURER}.get(
                role, accounts.get(n)
            )
        tally.timed("sign in", lambda: _sign_in(browser, account), ok=(302,))
        if "sessionid" not in browser.cookies:
            return
        try:
            if role == "reader":
                reader(browser, kind, tally, stop, rng)
            elif role == "planner":
                planner(browser, tally, stop, rng, "何成斌")
            elif role == "reporter":
                reporter(browser, pools[n], tally, stop, pictures, rng)
            else:
                lecturer(browser, tally, stop)
        except Exception as exc:  # a page not as expected: counted, not lost in a thread
            with tally.lock:
                tally.times["(a user stopped)"].append(0.0)
                tally.errors["(a user stopped)"] += 1
                tally.statuses["(a user stopped)"].add(f"{role}: {exc}")

    threads = [
        threading.Thread(target=person, args=(n, role), name=f"{role}-{n}")
        for n, role in enumerate(roles)
    ]
    say(f"  load: {users} users for {seconds} s …")
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=600)
    return tally, time.perf_counter() - started


def _sign_in(browser: Browser, username: str):
    page = browser.get("/login/")
    return browser.post("/login/", {"username": username, "password": PASSWORD}, page=page)


# Faults -----------------------------------------------------------------------------------------

# A kill that came too late (the request had already committed) is tried again, sooner.
IMPORT_DELAYS = (0.5, 0.25, 0.05)  # of the time an uninterrupted import held its transaction
UPLOAD_ATTEMPTS = 3


def fault_import(server: Server, env: dict, *, rows: int, say) -> dict:
    url = env["DATABASE_URL"]
    browser = Browser(server.base)
    browser.sign_in("city-union", PASSWORD)
    page = fault.ImportPage(browser, CITY_GROUP)
    say(f"  fault (a): an uninterrupted import of {rows:,} rows first, to time one …")
    token, _checked = page.check(fault.roster(rows, seed=1).data)
    reply, opened, took = fault.watch_import(page, token, url)
    if reply.status != 302:
        raise RuntimeError(f"the uninterrupted import failed: HTTP {reply.status}")
    held = took - opened
    missed = 0
    for attempt, fraction in enumerate(IMPORT_DELAYS):
        book = fault.roster(rows, seed=2 + attempt)
        token, checked = page.check(book.data)
        before = task(env, "snapshot")
        say(f"  confirming another {rows:,} rows and killing the server mid-import …")
        kill = fault.kill_mid_import(server, page, token, url, rows=rows, delay=fraction * held)
        say("  killed; restarting …")
        restart = server.start()
        after = task(env, "snapshot")
        if kill.in_flight:
            break
        missed += 1
    else:
        raise RuntimeError("every kill came after the import had committed")
    healthy = _healthy(server)

    say("  importing the same roster again …")
    browser = Browser(server.base)
    browser.sign_in("city-union", PASSWORD)
    page = fault.ImportPage(browser, CITY_GROUP)
    token, _checked = page.check(book.data)
    reply, _opened, again_seconds = fault.watch_import(page, token, url)
    again = task(env, "snapshot")
    return {
        "rows": rows,
        "bytes": len(book.data),
        "honours": book.honours,
        "check_seconds": checked,
        "full_seconds": took,
        "full_held": held,
        "missed": missed,
        "seen_after": kill.seen_after,
        "killed_after": kill.killed_after,
        "in_flight": kill.in_flight,
        "ids_drawn": kill.written,
        "restart_seconds": restart,
        "healthy": healthy,
        "before": before,
        "after": after,
        "again_status": reply.status,
        "again_seconds": again_seconds,
        "again": again,
    }


def fault_upload(server: Server, env: dict, home: Path, *, photos: int, say) -> dict:
    talks = task(env, "talks", "--user", "school-yz", "--count", str(UPLOAD_ATTEMPTS))
    say(f"  fault (b): making {photos} photos …")
    # Phone-sized: 4000×3000 at quality 92 is 3–6 MB; the request, far over the 5 MB Django
    # reads into memory, is read into temporary files.
    pictures = [fault.photo(100 + n, size=(4000, 3000), quality=92) for n in range(photos)]
    browser = Browser(server.base)
    browser.sign_in("school-yz", PASSWORD)
    temporary = (home / "tmp", home / "var" / "uploads")  # TMPDIR, FILE_UPLOAD_TEMP_DIR
    missed = 0
    for talk in talks["school-yz"]:
        before = task(env, "snapshot")
        known = fault.temporary_uploads(*temporary)
        say(f"  uploading {sum(map(len, pictures)) / 2**20:.0f} MB and killing the server …")
        kill = fault.kill_mid_upload(
            server, lambda talk=talk: fault.submit_report(browser, talk, pictures), home / "private"
        )
        temporary_at_kill = fault.temporary_uploads(*temporary) - known
        say("  killed; restarting …")
        restart = server.start()
        after = task(env, "snapshot")
        temporary_left = fault.temporary_uploads(*temporary) - known
        if kill.in_flight:
            break
        missed += 1
    else:
        raise RuntimeError("every kill came after the upload had committed")
    healthy = _healthy(server)

    say("  uploading the same report again …")
    browser = Browser(server.base)
    browser.sign_in("school-yz", PASSWORD)
    started = time.perf_counter()
    reply = fault.submit_report(browser, talk, pictures)
    again_seconds = time.perf_counter() - started
    again = task(env, "snapshot")
    return {
        "photos": photos,
        "bytes": sum(map(len, pictures)),
        "missed": missed,
        "seen_after": kill.seen_after,
        "killed_after": kill.killed_after,
        "files_at_kill": kill.written,
        "in_flight": kill.in_flight,
        "temporary_at_kill": len(temporary_at_kill),
        "temporary_left": len(temporary_left),
        "restart_seconds": restart,
        "healthy": healthy,
        "before": before,
        "after": after,
        "again_status": reply.status,
        "again_seconds": again_seconds,
        "again": again,
    }


def _healthy(server: Server) -> bool:
    """Signs in and opens the main pages, a talk and a photo: every answer a 200."""
    browser = Browser(server.base)
    browser.sign_in("city-union", PASSWORD)
    statuses = [browser.get(path).status for path in ("/", "/talks/", "/people/", "/oversight/")]
    talks = browser.get("/talks/?status=accepted")
    talk = re.search(r'href="(/talks/\d+/)"', talks.text)
    if talk:
        page = browser.get(talk.group(1))
        thumb = re.search(r"/photos/\d+/thumb/", page.text)
        statuses += [page.status] + ([browser.get(thumb.group(0)).status] if thumb else [0])
    return all(status == 200 for status in statuses)


# Report -----------------------------------------------------------------------------------------

COUNTED = ("people", "people_history", "honours", "memberships", "reports", "photos", "audit")


def verdicts(found: dict, expected_again: dict) -> list[tuple[str, bool, str]]:
    """(what, held, detail) for one fault."""
    before, after, again = found["before"], found["after"], found["again"]
    checks = [
        (
            "the killed request was in flight (no reply) when the server was killed",
            found["in_flight"],
            f"{found['missed']} earlier kill(s) came too late and were tried again"
            if found["missed"]
            else "",
        ),
        (
            "rows after restart = rows before (all or nothing)",
            all(before[key] == after[key] for key in COUNTED),
            ", ".join(f"{key} {before[key]:,}→{after[key]:,}" for key in COUNTED),
        ),
        (
            "no audit entry for what did not happen",
            before["audit"] == after["audit"]
            and before["audit_imports"] == after["audit_imports"]
            and after["audit_reported"] == after["reports"],
            f"audit {before['audit']:,}→{after['audit']:,}; "
            f"“资料已报送” entries {after['audit_reported']} for {after['reports']} reports",
        ),
        (
            "no photo row without its file",
            not after["rows_without_file"] and not after["truncated_files"],
            f"{len(after['rows_without_file'])} missing, {len(after['truncated_files'])} cut short",
        ),
        (
            "no photo file without its row",
            not after["files_without_row"],
            f"{len(after['files_without_row'])} stray files",
        ),
        ("no report without photos", after["reports_without_photos"] == 0, ""),
        (
            "no temporary upload left",
            found.get("temporary_left", 0) == 0,
            f"{found['temporary_at_kill']} at the kill, {found['temporary_left']} after the restart"
            if "temporary_left" in found
            else "",
        ),
        ("the server answers normally again", found["healthy"], ""),
        (
            "the repeated request went through whole",
            found["again_status"] == 302
            and all(again[key] - after[key] == value for key, value in expected_again.items())
            and not again["files_without_row"]
            and not again["rows_without_file"],
            ", ".join(f"{key} +{again[key] - after[key]:,}" for key in expected_again),
        ),
    ]
    return checks


def markdown(db: str, load_tally: Tally, load_seconds: float, args, imported, uploaded) -> str:
    vendor = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[db]
    lines = [
        f"## Fault run — {vendor}",
        "",
        f"Measured {datetime.now():%Y-%m-%d %H:%M} on this machine ({os.cpu_count()} cores, "
        f"shared with other work); `{' '.join(['bench/fault.py', *sys.argv[1:]])}`. "
        "A fresh database with the demo (`laomo seed-demo`); gunicorn, 2 sync workers, loopback; "
        "client and server on the same cores.",
        "",
        "### Load",
        "",
        f"{args.users} users at once for {args.seconds} s ({load_seconds:.0f} s with the last "
        "requests), each signed in through the login form with a session of their own: 2 in 5 "
        "reading, 1 in 5 planning talks through the talk form, 1 in 5 reporting talks (report "
        "form, three 1600×1200 JPEGs), 1 in 5 the lecturer confirming invitations. "
        "An error is a 5xx or a dropped connection; a refusal is a rule saying no (a lecturer "
        "already booked at that hour: the form again).",
        "",
        "| Action | count | refused | errors | req/s | median ms | p95 ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    total = errors = 0
    for action in sorted(load_tally.times):
        times = sorted(load_tally.times[action])
        total += len(times)
        errors += load_tally.errors[action]
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        failed = load_tally.errors[action]
        if failed:
            failed = f"{failed} ({', '.join(sorted(map(str, load_tally.statuses[action])))})"
        lines.append(
            f"| {action} | {len(times):,} | {load_tally.refused[action]} | {failed} | "
            f"{len(times) / load_seconds:.1f} | {statistics.median(times) * 1000:,.0f} | "
            f"{p95 * 1000:,.0f} |"
        )
    lines += [
        f"| **all** | **{total:,}** | | **{errors}** | **{total / load_seconds:.1f}** | | |",
        "",
    ]
    for title, found, expected, detail in (
        (
            "(a) killed in the middle of a roster import",
            imported,
            {
                "people": imported["rows"],
                "honours": imported["honours"],
                "memberships": imported["rows"],
                "audit_imports": 1,
            },
            f"{imported['rows']:,} new people ({imported['bytes'] // 1024} KB .xlsx) into the "
            f"city's group. An uninterrupted import of as many rows took "
            f"{imported['full_seconds']:.1f} s to confirm, its transaction open for the last "
            f"{imported['full_held']:.1f} s. The roster was checked "
            f"({imported['check_seconds']:.1f} s) and confirmed; its transaction was seen open "
            f"{imported['seen_after']:.1f} s "
            f"after the confirmation was sent, and the server was killed "
            f"{imported['killed_after']:.1f} s after it was sent"
            + (
                f", by when the import had drawn {imported['ids_drawn']:,} people ids (written, "
                "not committed)"
                if imported["ids_drawn"]
                else ""
            )
            + f". Then the same roster again: confirmed in {imported['again_seconds']:.1f} s.",
        ),
        (
            "(b) killed in the middle of a photo upload",
            uploaded,
            {"reports": 1, "photos": uploaded["photos"], "files": 2 * uploaded["photos"]},
            f"A report with {uploaded['photos']} photos of 4000×3000 "
            f"({uploaded['bytes'] / 2**20:.0f} MB) by the school; the first photo file appeared "
            f"in the private storage {uploaded['seen_after']:.1f} s after the upload began "
            f"and the server was killed at once ({uploaded['killed_after']:.1f} s), "
            f"{uploaded['files_at_kill']} files written by then, and "
            f"{uploaded['temporary_at_kill']} temporary files of the request being read. Then "
            f"the same upload again: {uploaded['again_seconds']:.1f} s.",
        ),
    ):
        before, after = found["before"], found["after"]
        lines += [
            f"### Fault {title}",
            "",
            detail,
            "",
            "| Figure | before the kill | after the restart |",
            "|---|---:|---:|",
        ]
        for key in (*COUNTED, "files"):
            lines.append(f"| {key} | {before[key]:,} | {after[key]:,} |")
        for key in ("rows_without_file", "files_without_row", "truncated_files"):
            lines.append(f"| {key.replace('_', ' ')} | {len(before[key])} | {len(after[key])} |")
        lines += [
            f"| restart (until /healthz answers) | | {found['restart_seconds']:.1f} s |",
            "",
            "| Check | held | |",
            "|---|:---:|---|",
        ]
        for what, held, note in verdicts(found, expected):
            lines.append(f"| {what} | {'yes' if held else '**NO**'} | {note} |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="both", choices=["sqlite", "postgres", "both"])
    parser.add_argument("--users", type=int, default=24)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--photos", type=int, default=30)
    args = parser.parse_args()

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    failed = False
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        env, home = fresh_database(db, say)
        server = Server(env, log=home / "gunicorn.log")
        try:
            say(f"[{db}] starting gunicorn on {server.base} …")
            server.start()
            tally, seconds = load(server, env, users=args.users, seconds=args.seconds, say=say)
            imported = fault_import(server, env, rows=args.rows, say=say)
            uploaded = fault_upload(server, env, home, photos=args.photos, say=say)
        finally:
            server.stop()
        text = markdown(db, tally, seconds, args, imported, uploaded)
        (ROOT / "bench" / f"results-fault-{db}.md").write_text(text + "\n")
        (home / "results.json").write_text(
            json.dumps({"import": imported, "upload": uploaded}, indent=1, ensure_ascii=False)
        )
        print(text, flush=True)
        failed |= "**NO**" in text or sum(tally.errors.values()) > 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
