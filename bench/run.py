"""The benchmarks of issue 4, in one command:

    .venv/bin/python bench/run.py --preset national --db sqlite|postgres|both

For each database it makes sure the preset's data is there (generated once into
var/bench/<preset>.sqlite3 or the PostgreSQL database laomo_bench_<preset>, reused afterwards;
the city preset too, for query counts), then measures, prints a markdown table and writes it to
bench/results-<db>.md:

- the national and a county dashboard: the figure functions against hand-written SQL computing
  the same numbers (required equal first), and the whole page through Django's test client;
- the list pages with filters: median time, and the query count at national size beside the
  count on the city preset;
- a county's half-year report as .docx;
- importing a 10,000-row roster;
- a bounded load test of the main read pages: gunicorn with 2 workers on loopback, wrk (or a
  small threaded client if wrk is missing) with N clients for a fixed time.

The measurements inside Django run in bench/worker.py, one process per database.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import datetime
from pathlib import Path

from machine import QUIET_MS, at_quiet_speed, machine_speed

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
VAR = ROOT / "var" / "bench"
BIN = Path(sys.executable).parent
PASSWORD = "Bench-2026"  # noqa: S105 - the generated bench accounts' password, local data only
PARTS = ("dashboard", "lists", "docx", "roster", "load")
DASHBOARD_RATIO = 3.0
LIST_LIMIT = 0.050
DOCX_LIMIT = 1.0
ROSTER_LIMIT = 20.0
LOAD_PAGES = [
    ("county", "/"),
    ("county", "/talks/"),
    ("county", "/schools/"),
    ("county", "/people/"),
    ("county", "/oversight/"),
    ("national", "/oversight/"),
]


def database_url(db: str, preset: str) -> str:
    if db == "sqlite":
        return f"sqlite:///{VAR / f'{preset}.sqlite3'}"
    base = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    return f"{base}/laomo_bench_{preset}"


def environment(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="laomo.settings",
        DEBUG="0",
        STATIC_ROOT=str(VAR / "static"),
        ALLOWED_HOSTS="localhost,127.0.0.1,testserver",
        LOG_LEVEL="ERROR",
    )
    return env


def run(args: list[str], env: dict, *, log: Path | None = None) -> str:
    result = subprocess.run(  # noqa: S603 - our own commands
        args, env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if log is not None:
        log.write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        raise SystemExit(
            f"{' '.join(args)} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
        )
    return result.stdout


def worker(task: str, env: dict, *extra: str) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", dir=VAR, delete=False) as handle:
        out = Path(handle.name)
    try:
        run([sys.executable, str(BENCH / "worker.py"), task, "--out", str(out), *extra], env)
        return json.loads(out.read_text())
    finally:
        out.unlink(missing_ok=True)


# Databases --------------------------------------------------------------------------------------


def create_postgres(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def ensure_database(db: str, preset: str, say) -> dict:
    """The preset's data in that database: migrated, generated once, static files collected."""
    url = database_url(db, preset)
    env = environment(url)
    VAR.mkdir(parents=True, exist_ok=True)
    if db == "postgres":
        create_postgres(url)
    run([str(BIN / "laomo"), "migrate", "--noinput", "-v0"], env)
    log = VAR / f"generate-{db}-{preset}.log"
    if worker("status", env)["talks"] == 0:
        say(f"[{db}] generating the {preset} preset (once; reused afterwards) …")
        started = time.perf_counter()
        run(
            [str(BIN / "laomo"), "generate-scale", "--preset", preset, "--password", PASSWORD],
            env,
            log=log,
        )
        say(f"[{db}] generated in {time.perf_counter() - started:.0f} s; log: {log}")
    run([str(BIN / "laomo"), "collectstatic", "--noinput", "-v0"], env)  # the code's own assets
    return {"url": url, "env": env, "log": log, "status": worker("status", env)}


def generation_times(log: Path) -> tuple[str, list[tuple[str, str]]]:
    """The total and the stages of the recorded generation, as the command printed them."""
    if not log.exists():
        return "", []
    text = log.read_text()
    total = re.search(r"完成，共 ([\d.]+) 秒", text)
    stages = re.findall(r"^  (\S[^:\n]*): ([\d.]+) s$", text, flags=re.MULTILINE)
    return (total.group(1) if total else ""), stages


# Load test --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def load_test(env: dict, users: dict, *, clients: int, seconds: int, say) -> list[dict]:
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [
            str(BIN / "gunicorn"),
            "laomo.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "300",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    results = []
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not come up")
        cookies = {
            who: worker("session", env, "--username", username)["sessionid"]
            for who, username in users.items()
        }
        for who, path in LOAD_PAGES:
            url = base + path
            say(f"  load: {who} {path} ({clients} clients, {seconds} s)")
            header = f"sessionid={cookies[who]}"
            if shutil.which("wrk"):
                found = _wrk(url, header, clients=clients, seconds=seconds)
            else:
                found = _threaded(url, header, clients=clients, seconds=seconds)
            results.append({"who": who, "path": path, "clients": clients, **found})
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    return results


def _wrk(url: str, cookie: str, *, clients: int, seconds: int) -> dict:
    output = subprocess.run(  # noqa: S603
        [
            shutil.which("wrk"),
            "-t",
            "2",
            "-c",
            str(clients),
            "-d",
            f"{seconds}s",
            "--timeout",
            "60s",
            "-H",
            f"Cookie: {cookie}",
            "-H",
            "Host: localhost",
            "-s",
            str(BENCH / "report.lua"),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    values = dict(item.split("=") for item in line.split()[1:])
    requests, elapsed = int(values["requests"]), float(values["seconds"])
    return {
        "tool": "wrk",
        "requests": requests,
        "seconds": elapsed,
        "rps": requests / elapsed if elapsed else 0.0,
        "p50": float(values["p50"]),
        "p95": float(values["p95"]),
        "errors": int(values["non2xx"]) + int(values["socket"]),
    }


def _threaded(url: str, cookie: str, *, clients: int, seconds: int) -> dict:
    """wrk's job for a machine without it: `clients` threads, each one request at a time."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client():
        request = urllib.request.Request(url, headers={"Cookie": cookie, "Host": "localhost"})
        while time.perf_counter() < stop:
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    response.read()
                    ok = response.status == 200
            except OSError:
                ok = False
            with lock:
                latencies.append(time.perf_counter() - started)
                errors[0] += not ok

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {
        "tool": "python",
        "requests": len(latencies),
        "seconds": elapsed,
        "rps": len(latencies) / elapsed,
        "p50": pct(0.5),
        "p95": pct(0.95),
        "errors": errors[0],
    }


# Report -----------------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}"


def verdict(ok: bool) -> str:
    return "yes" if ok else "**NO**"


def markdown(db: str, preset: str, info: dict, measured: dict, counts: dict, load, args) -> str:
    status = info["status"]
    speed = info.get("speed", ())
    vendor = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[db]
    lines = [
        f"## {vendor} — {preset} preset",
        "",
        f"Measured {datetime.now():%Y-%m-%d %H:%M} on this machine ({os.cpu_count()} cores); "
        f"`{' '.join(['bench/run.py', *sys.argv[1:]])}`. "
        f"Data: {status['regions']:,} regions, {status['talks']:,} talks "
        f"(`laomo generate-scale --preset {preset}`).",
        "",
    ]
    if speed:
        lines += [
            "Machine speed (`sum(i * i for i in range(10**6))`, best of five; lower is faster; "
            f"55–60 ms when this machine is quiet): {speed[0]:.0f} ms before, "
            f"{speed[1]:.0f} ms after the measurements.",
            "",
        ]
    total, stages = generation_times(info["log"])
    if total:
        lines += [
            f"Generation: {total} s in all — "
            + "; ".join(f"{label} {seconds} s" for label, seconds in stages),
            "",
        ]

    dashboards = measured.get("dashboard", [])
    if dashboards:
        lines += [
            "### Dashboards against hand-written SQL",
            "",
            "The hand-written SQL computes the same five figures (quotas, coverage, talks per "
            "month, lecturers' load, audience); the numbers are required equal first, then both "
            "are timed "
            "alternately in one process (medians). The target is the dashboard's server time — the "
            "whole page `/oversight/`, figures and rendering — at most 3× the hand SQL. The rows "
            "below it break the figure functions down one by one (on a county these are single "
            "milliseconds, where Python's fixed cost shows).",
            "",
            "| Dashboard | What | Laomo (ms) | hand SQL (ms) | ratio | ≤ 3× |",
            "|---|---|---:|---:|---:|:---:|",
        ]
        for entry in dashboards:
            who = f"{entry['who']} ({entry['region']}, {entry['year']})"
            page = entry.get("page") or {}
            if page.get("status") == 200:
                ratio = page["median"] / entry["sql"] if entry["sql"] else float("inf")
                lines.append(
                    f"| {who} | **whole page** `/oversight/` ({page['queries']} queries, "
                    f"{page['bytes'] // 1024} KB) | **{ms(page['median'])}** | "
                    f"**{ms(entry['sql'])}** | **{ratio:.1f}×** | "
                    f"{verdict(ratio <= DASHBOARD_RATIO)} |"
                )
            else:
                lines.append(
                    f"| {who} | whole page `/oversight/`: not available (HTTP "
                    f"{page.get('status')}) | | | | **NO** |"
                )
            ratio = entry["orm"] / entry["sql"] if entry["sql"] else float("inf")
            lines.append(
                f"| {who} | the five figure functions ({entry['rounds']} rounds) | "
                f"{ms(entry['orm'])} | {ms(entry['sql'])} | {ratio:.1f}× | |"
            )
            for name, (orm, sql) in entry["figures"].items():
                ratio = orm / sql if sql else float("inf")
                lines.append(f"| {who} | · {name} | {ms(orm)} | {ms(sql)} | {ratio:.1f}× | |")
        lines.append("")

    lists = measured.get("lists", [])
    if lists:
        city_counts = {(e["page"], e["who"], e["url"]): e["queries"] for e in counts["lists"]}
        lines += [
            "### List pages with filters",
            "",
            "Median through Django's test client; queries counted on this preset and on the city "
            "preset (same URL, same kind of user). The machine's speed is measured just before "
            "and after each page (the reference loop, lower is faster); the last columns scale "
            f"the median to the quiet machine ({QUIET_MS:g} ms), an estimate beside the measured "
            "figure, not instead of it.",
            "",
            "| Page | User | Filters | ms | < 50 ms | queries | city preset | equal | KB "
            "| machine ms | ms at quiet speed | < 50 ms there |",
            "|---|---|---|---:|:---:|---:|---:|:---:|---:|---:|---:|:---:|",
        ]
        for entry in lists:
            city = city_counts.get((entry["page"], entry["who"], entry["url"]))
            query = entry["url"].split("?", 1)[1] if "?" in entry["url"] else ""
            machine = entry.get("machine")
            quiet = at_quiet_speed(entry["median"], machine) if machine else None
            lines.append(
                f"| {entry['page']} | {entry['who']} | `{query}` | {ms(entry['median'])} | "
                f"{verdict(entry['median'] < LIST_LIMIT)} | {entry['queries']} | {city} | "
                f"{verdict(city == entry['queries'])} | {entry['bytes'] // 1024:,} | "
                + (
                    f"{machine:.0f} | {ms(quiet)} | {verdict(quiet < LIST_LIMIT)} |"
                    if machine
                    else "— | — | — |"
                )
            )
        lines.append("")

    docx = measured.get("docx")
    if docx is not None:
        lines += ["### Half-year report (.docx)", ""]
        if docx.get("available"):
            lines.append(
                f"{docx['region']} {docx['period']}, draft (figures counted live): "
                f"median {ms(docx['median'])} ms over {docx['runs']} runs, "
                f"{docx['bytes'] // 1024} KB — under 1 s: {verdict(docx['median'] < DOCX_LIMIT)}"
            )
        else:
            lines.append(f"not available: {docx.get('why')}")
        lines.append("")

    roster = measured.get("roster")
    if roster:
        lines += [
            "### Roster import",
            "",
            f"{roster['rows']:,} rows (.xlsx, {roster['bytes'] // 1024} KB) into a new group of "
            f"{roster['region']}, whole import (read, check, match, write with history), rolled "
            f"back after each run: median {roster['median']:.2f} s over {roster['runs']} runs — "
            f"under 20 s: {verdict(roster['median'] < ROSTER_LIMIT)}. {roster['summary']}",
            "",
        ]

    if load:
        tool = load[0]["tool"]
        lines += [
            "### Load test",
            "",
            f"gunicorn, 2 sync workers, loopback; {tool} with {args.clients} clients for "
            f"{args.seconds} s per page, one signed-in session per user (client and server share "
            "the 2 cores).",
            "",
            "| Page | User | requests | req/s | p50 ms | p95 ms | errors |",
            "|---|---|---:|---:|---:|---:|---:|",
        ]
        for entry in load:
            lines.append(
                f"| `{entry['path']}` | {entry['who']} | {entry['requests']:,} | "
                f"{entry['rps']:.1f} | {entry['p50']:,.0f} | {entry['p95']:,.0f} | "
                f"{entry['errors']} |"
            )
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="national", choices=["city", "province", "national"])
    parser.add_argument("--db", default="both", choices=["sqlite", "postgres", "both"])
    parser.add_argument("--runs", type=int, default=15, help="repetitions for each median")
    parser.add_argument("--budget", type=float, default=30.0, help="seconds per measurement")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=15, help="load test duration per page")
    parser.add_argument(
        "--only",
        default=",".join(PARTS),
        help="comma-separated: dashboard, lists, docx, roster, load",
    )
    args = parser.parse_args()
    only = set(args.only.split(","))

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        info = ensure_database(db, args.preset, say)
        city = ensure_database(db, "city", say) if args.preset != "city" else info
        say(f"[{db}] measuring …")
        before = machine_speed()
        inner = ",".join(sorted(only - {"load"})) or "none"
        measured = worker(
            "measure",
            info["env"],
            "--runs",
            str(args.runs),
            "--budget",
            str(args.budget),
            "--only",
            inner,
        )
        counts = worker("counts", city["env"]) if "lists" in only else {"lists": []}
        load = []
        if "load" in only:
            users = measured.get("users")
            if not users:
                probe = worker("urls", info["env"])
                users = {"national": "national", "county": probe["county_user"]}
            load = load_test(
                info["env"], users, clients=args.clients, seconds=args.seconds, say=say
            )
        info["speed"] = (before, machine_speed())
        text = markdown(db, args.preset, info, measured, counts, load, args)
        suffix = "" if args.preset == "national" else f"-{args.preset}"
        if only != set(PARTS):  # a partial run does not replace the whole table
            suffix += "-" + "-".join(sorted(only))
        (BENCH / f"results-{db}{suffix}.md").write_text(text + "\n")
        (VAR / f"results-{db}-{args.preset}.json").write_text(
            json.dumps({"measured": measured, "counts": counts, "load": load}, indent=1)
        )
        print(text, flush=True)


if __name__ == "__main__":
    main()
