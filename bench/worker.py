"""The measurements made inside Django, against the database DATABASE_URL points at.

Run by bench/run.py, once per database (and once on the city preset for query counts); writes
its findings as JSON to --out. Every timing is a median over repeated runs in this one process;
the dashboard's figures and the hand-written SQL are timed alternately, so that both meet the
same noise.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laomo.settings")

import django  # noqa: E402

django.setup()

import handsql  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from machine import machine_speed  # noqa: E402

from laomo.accounts.models import User  # noqa: E402
from laomo.core.scoping import Scope  # noqa: E402
from laomo.outreach.models import Talk  # noqa: E402
from laomo.oversight import figures  # noqa: E402
from laomo.regions.models import Region  # noqa: E402

# The list pages and their filters: (name, who, URL). {year} and {county} are filled in per
# database, so that the national and the city preset are asked the same question.
LIST_PAGES = [
    (
        "talks",
        "national",
        "/talks/?stage=accepted&level=county&since={year}-01-01&until={year}-12-31",
    ),
    ("talks", "county", "/talks/?status=accepted&since={year}-01-01&until={year}-12-31"),
    ("talks", "national", "/talks/?region={county}&stage=planned"),
    ("schools", "national", "/schools/?stage=primary&reached=no&o=-student_count"),
    ("schools", "county", "/schools/?reached=no&ownership=public&o=name"),
    ("people", "national", "/people/?honour_level=national&gender=女"),
    ("people", "county", "/people/?q=zh&active=1"),
]


def measure(fn, *, runs: int, budget: float, warmup: int = 1) -> tuple[float, int]:
    """The median time of `fn` in seconds, over `runs` runs (fewer, at least three, if they
    would take more than `budget` seconds); and how many runs that was."""
    for _ in range(warmup):
        fn()
    times = []
    started = time.perf_counter()
    while len(times) < runs and (len(times) < 3 or time.perf_counter() - started < budget):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), len(times)


def bench_users() -> dict[str, User]:
    """The national account and the county account whose county has the most talks."""
    national = User.objects.get(username="national")
    county_users = {
        u.region_id: u for u in User.objects.filter(role="county_union").select_related("region")
    }
    busiest = (
        Talk.objects.unrestricted()
        .filter(region_id__in=list(county_users))
        .order_by()
        .values("region_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "region_id")
        .first()
    )
    return {"national": national, "county": county_users[busiest["region_id"]]}


def where_of(user: User) -> handsql.Where:
    scope = Scope.for_user(user)
    region = scope.region
    return handsql.Where(region.pk, region.path, region.level, scope.is_county)


# Dashboard --------------------------------------------------------------------------------------


def dashboard(users, *, runs: int, budget: float) -> list[dict]:
    today = timezone.localdate()
    year = today.year
    as_of = min(date(year, 12, 31), today)
    vendor = connection.vendor
    results = []
    for who, user in users.items():
        scope = Scope.for_user(user)
        where = where_of(user)
        orm = {
            "quota_tables": lambda scope=scope: _quotas(scope, year, today),
            "coverage": lambda scope=scope: figures.coverage(scope, as_of),
            "talks_per_month": lambda scope=scope: figures.talks_per_month(scope, year),
            "lecturer_load": lambda scope=scope: figures.lecturer_load(scope, year),
            "audience": lambda scope=scope: figures.audience(scope, year),
        }

        def cursor_call(fn, *args):
            with connection.cursor() as cursor:
                return fn(cursor, *args)

        hand = {
            "quota_tables": lambda where=where: cursor_call(handsql.quota_sql, where, year),
            "coverage": lambda where=where: cursor_call(handsql.coverage_sql, where, as_of, vendor),
            "talks_per_month": lambda where=where: cursor_call(
                handsql.months_sql, where, year, vendor
            ),
            "lecturer_load": lambda where=where: cursor_call(handsql.lecturers_sql, where, year),
            "audience": lambda where=where: cursor_call(handsql.audience_sql, where, year),
        }
        reduce = {
            "quota_tables": lambda scope=scope: handsql.quota_figures(
                figures.quota_tables(scope, year, today)
            ),
            "coverage": lambda scope=scope: handsql.coverage_figures(
                figures.coverage(scope, as_of)
            ),
            "talks_per_month": lambda scope=scope: handsql.months_figures(
                figures.talks_per_month(scope, year)
            ),
            "lecturer_load": lambda scope=scope: handsql.lecturers_figures(
                figures.lecturer_load(scope, year)
            ),
            "audience": lambda scope=scope: handsql.audience_figures(figures.audience(scope, year)),
        }
        # The same numbers first, or there is nothing to compare.
        for name in orm:
            mine, theirs = hand[name](), reduce[name]()
            if _plain(mine) != _plain(theirs):
                raise AssertionError(
                    f"{who} {name}: hand-written SQL and figures differ\n"
                    f"  SQL:     {_plain(mine)!r:.2000}\n  figures: {_plain(theirs)!r:.2000}"
                )
        timings = {name: ([], []) for name in orm}
        started = time.perf_counter()
        for name in orm:  # warm-up
            orm[name]()
            hand[name]()
        rounds = 0
        while rounds < runs and (rounds < 3 or time.perf_counter() - started < budget):
            for name in orm:
                t0 = time.perf_counter()
                orm[name]()
                t1 = time.perf_counter()
                hand[name]()
                t2 = time.perf_counter()
                timings[name][0].append(t1 - t0)
                timings[name][1].append(t2 - t1)
            rounds += 1
        per_figure = {
            name: (statistics.median(a), statistics.median(b)) for name, (a, b) in timings.items()
        }
        total_orm = statistics.median([sum(timings[n][0][i] for n in orm) for i in range(rounds)])
        total_sql = statistics.median([sum(timings[n][1][i] for n in orm) for i in range(rounds)])
        page = page_time(user, "/oversight/", runs=max(3, runs // 2), budget=budget)
        results.append(
            {
                "who": who,
                "user": user.username,
                "region": user.region.name,
                "year": year,
                "rounds": rounds,
                "figures": per_figure,
                "orm": total_orm,
                "sql": total_sql,
                "page": page,
            }
        )
    return results


def _quotas(scope, year: int, today: date):
    """What the dashboard asks for its quota table: the tables, and a province's or the
    country's grand total where the figures module offers one."""
    tables = figures.quota_tables(scope, year, today)
    grand_total = getattr(figures, "grand_total", None)
    return tables, grand_total(scope, tables) if grand_total else None


def _plain(value):
    """Tuples and lists alike, for comparison."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def page_time(user, url: str, *, runs: int, budget: float) -> dict | None:
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    response = client.get(url)
    if response.status_code != 200:
        return {"status": response.status_code}
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    query_count = len(queries.captured_queries)  # read now: the next request clears the log
    median, count = measure(lambda: client.get(url), runs=runs, budget=budget, warmup=0)
    return {
        "status": 200,
        "median": median,
        "runs": count,
        "queries": query_count,
        "bytes": len(response.content),
    }


# List pages -------------------------------------------------------------------------------------


def list_pages(users, *, runs: int, budget: float, counts_only: bool) -> list[dict]:
    year = timezone.localdate().year
    county = users["county"].region_id
    results = []
    for name, who, template in LIST_PAGES:
        url = template.format(year=year, county=county)
        user = users[who]
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        client.get(url)  # warm-up: session, first-use caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        entry = {
            "page": name,
            "who": who,
            "url": template,
            "status": response.status_code,
            "queries": len(queries.captured_queries),
            "bytes": len(response.content),
        }
        if not counts_only:
            before = machine_speed(repeat=3)
            entry["median"], entry["runs"] = measure(
                lambda client=client, url=url: client.get(url), runs=runs, budget=budget
            )
            entry["machine"] = (before + machine_speed(repeat=3)) / 2
        results.append(entry)
    return results


# Half-year report -------------------------------------------------------------------------------


def halfyear_docx(users, *, runs: int, budget: float) -> dict:
    try:
        from laomo.halfyear import services as halfyear
        from laomo.halfyear.documents import render_docx
    except ImportError as exc:
        return {"available": False, "why": f"laomo.halfyear.documents 不可用：{exc}"}
    user = users["county"]
    scope = Scope.for_user(user)
    today = timezone.localdate()
    year, half = halfyear.latest_ended_half(today)
    with transaction.atomic():
        report, _created = halfyear.open_report(
            scope=scope, year=year, half=half, acting_user=user, today=today
        )
        halfyear.save_draft(
            report,
            experience="（一）高位推动，联合组建宣讲团。\n（二）分层分类开展宣讲。",
            cases="某中学“致敬劳模交流会”反响热烈。",
            acting_user=user,
        )
        data = render_docx(report, today=today)
        median, count = measure(lambda: render_docx(report, today=today), runs=runs, budget=budget)
        transaction.set_rollback(True)
    return {
        "available": True,
        "region": user.region.name,
        "period": f"{year}年{'上' if half == 1 else '下'}半年",
        "median": median,
        "runs": count,
        "bytes": len(data),
    }


# Roster import ----------------------------------------------------------------------------------


def roster_import(users, *, rows: int, runs: int) -> dict:
    from roster import roster_workbook

    from laomo.people.models import LectureGroup, Person
    from laomo.people.roster import import_roster

    user = users["county"]
    region = user.region
    scope = Scope.for_user(user)
    known = list(
        Person.objects.unrestricted()
        .filter(region=region, archived_at__isnull=True)
        .exclude(phone="")
        .values_list("name", "gender", "phone")[: rows // 20]
    )
    on_record = set(
        Person.objects.unrestricted().filter(region=region).values_list("name", flat=True)
    )
    data = roster_workbook(rows, known=known, avoid=on_record, seed=10000)
    times = []
    summary = ""
    for _ in range(runs):
        with transaction.atomic():
            group = LectureGroup(name="基准测试宣讲团（导入）", region=region, batch=1)
            group.save()
            t0 = time.perf_counter()
            report = import_roster(
                data, filename="花名册.xlsx", group=group, scope=scope, acting_user=user
            )
            times.append(time.perf_counter() - t0)
            if not report.applied:
                raise AssertionError(f"roster import refused: {report.errors[:5]}")
            summary = report.summary()
            transaction.set_rollback(True)
    vacuum_after_rollback()
    return {
        "rows": rows,
        "bytes": len(data),
        "median": statistics.median(times),
        "runs": len(times),
        "summary": summary,
        "region": region.name,
    }


def vacuum_after_rollback() -> None:
    """Leave the database as it was: on PostgreSQL the rolled-back imports stay behind as dead
    rows and index entries (30,000 in one county's people after three runs), which the next
    run's list pages would wade through, and this server does not vacuum by itself."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_stat_user_tables WHERE n_dead_tup > 0")
        tables = [name for (name,) in cursor.fetchall()]
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table)}")


# Sessions for the load test ---------------------------------------------------------------------


def session_cookie(username: str) -> str:
    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username=username))
    return client.cookies["sessionid"].value


def status() -> dict:
    return {
        "talks": Talk.objects.unrestricted().count(),
        "regions": Region.objects.unrestricted().count(),
        "vendor": connection.vendor,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("task", choices=["status", "measure", "counts", "session", "urls"])
    parser.add_argument("--out", required=True)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--budget", type=float, default=30.0, help="seconds per measurement")
    parser.add_argument("--roster-rows", type=int, default=10000)
    parser.add_argument("--only", default="dashboard,lists,docx,roster")
    parser.add_argument("--username", default="")
    args = parser.parse_args()
    result: dict = {}
    if args.task == "status":
        result = status()
    elif args.task == "session":
        result = {"sessionid": session_cookie(args.username)}
    elif args.task == "urls":
        users = bench_users()
        year = timezone.localdate().year
        result = {
            "county_user": users["county"].username,
            "county_name": users["county"].region.name,
            "county": users["county"].region_id,
            "year": year,
        }
        try:
            reverse("oversight:dashboard")
            result["dashboard"] = True
        except NoReverseMatch:
            result["dashboard"] = False
    elif args.task == "counts":
        result = {"lists": list_pages(bench_users(), runs=0, budget=0, counts_only=True)}
    else:
        users = bench_users()
        only = set(args.only.split(","))
        result["vendor"] = connection.vendor
        result["users"] = {who: user.username for who, user in users.items()}
        if "dashboard" in only:
            result["dashboard"] = dashboard(users, runs=args.runs, budget=args.budget)
        if "lists" in only:
            result["lists"] = list_pages(
                users, runs=args.runs, budget=args.budget, counts_only=False
            )
        if "docx" in only:
            result["docx"] = halfyear_docx(users, runs=max(3, args.runs // 3), budget=args.budget)
        if "roster" in only:
            result["roster"] = roster_import(users, rows=args.roster_rows, runs=3)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str))


if __name__ == "__main__":
    main()
