"""The means of a fault run (bench/fault.py and laomo/core/tests/test_fault.py): the real server
in a process group of its own, a browser that signs in through the login form, files to upload,
and a look at the database and the photo folder that trusts nothing the app says about itself.

The server is gunicorn with two workers on a free loopback port; `kill()` sends SIGKILL to the
whole group at once, as a power cut or the OOM killer would: no handler runs, nothing is flushed,
no transaction is rolled back by the app. What the database and the folder hold afterwards is
what a real crash leaves.

`snapshot()` runs inside Django against the database the server used (the bench calls it through
`python -m laomo.core.testing.fault snapshot`); everything else here runs without Django.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent

# Server -----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn with two sync workers on loopback, in a session (process group) of its own."""

    def __init__(self, env: dict[str, str], *, log: Path, port: int | None = None):
        self.env = env
        self.log = log
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, timeout: float = 60) -> float:
        """Start and wait until /healthz answers; the seconds that took."""
        started = time.perf_counter()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own server
                [
                    str(BIN / "gunicorn"),
                    "laomo.wsgi",
                    "--workers",
                    "2",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--timeout",
                    "300",
                    "--graceful-timeout",
                    "5",
                    "--log-level",
                    "warning",
                ],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        deadline = started + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}); see {self.log}")
            try:
                if Browser(self.base).get("/healthz", timeout=5).status == 200:
                    return time.perf_counter() - started
            except OSError:
                pass
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s; see {self.log}")

    def kill(self) -> None:
        """SIGKILL to the master and every worker at once."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        """A clean shutdown (SIGTERM), SIGKILL if that takes too long."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            self.kill()
        self.process = None


# Browser ----------------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


class Browser:
    """One person at a browser: their own cookies (session, CSRF), one request at a time, no
    redirect followed (a 302 after a form is how the app says it worked)."""

    def __init__(self, base: str):
        host, port = base.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        content_type: str = "",
        timeout: float = 300,
    ) -> Reply:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            for cookie in response.headers.get_all("Set-Cookie") or []:
                name, _sep, rest = cookie.partition("=")
                value = rest.split(";", 1)[0]
                if value and "max-age=0" not in cookie.lower():
                    self.cookies[name.strip()] = value
                else:
                    self.cookies.pop(name.strip(), None)
            return Reply(response.status, data, {k.lower(): v for k, v in response.getheaders()})
        finally:
            connection.close()

    def get(self, path: str, **kwargs) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, fields, *, files=(), page: Reply | None = None, **kwargs) -> Reply:
        """POST a form: `fields` a dict or (name, value) pairs, `files` (name, filename, bytes)
        triples; the CSRF token taken from `page` (the form's page as served), else from the
        cookie."""
        pairs = list(fields.items()) if isinstance(fields, dict) else list(fields)
        token = csrf_token(page.text) if page is not None else self.cookies.get("csrftoken", "")
        pairs.append(("csrfmiddlewaretoken", token))
        if not files:
            body = urlencode(pairs).encode()
            return self.request(
                "POST", path, body=body, content_type="application/x-www-form-urlencoded", **kwargs
            )
        body, content_type = multipart(pairs, files)
        return self.request("POST", path, body=body, content_type=content_type, **kwargs)

    def sign_in(self, username: str, password: str) -> None:
        page = self.get("/login/")
        reply = self.post("/login/", {"username": username, "password": password}, page=page)
        if reply.status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"{username} could not sign in: HTTP {reply.status}")


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if found is None:
        raise ValueError("no CSRF token on the page")
    return found.group(1)


def multipart(pairs, files) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in pairs:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(f"{value}\r\n".encode())
    for name, filename, data in files:
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
        )
        out.write(data)
        out.write(b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def select_options(html: str, name: str) -> list[tuple[str, str]]:
    """The (value, label) of a <select name=…>'s options, the empty one left out."""
    found = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    if found is None:
        return []
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', found.group(1))
    return [(value, label) for value, label in options if value]


# Files ------------------------------------------------------------------------------------------


def photo(seed: int, *, size: tuple[int, int] = (1600, 1200), quality: int = 88) -> bytes:
    """A JPEG that looks enough like a photo to cost what one does: a lit stage, a banner,
    people as shapes, and sensor noise (which keeps the file from compressing to nothing)."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)  # noqa: S311 - repeatable pictures, not secrets
    width, height = size
    image = Image.new("RGB", size, (rng.randrange(60, 200), rng.randrange(60, 200), 90))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, height // 6), fill=(200, 30, 30))  # the banner
    for _ in range(60):
        x, y = rng.randrange(width), rng.randrange(height // 3, height)
        r = rng.randrange(height // 40, height // 15)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    noise = Image.effect_noise(size, 40).convert("RGB")
    image = Image.blend(image, noise, 0.25)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
GIVEN = "建国志强秀兰玉梅文华海燕春生德明金凤永红丽娟晓东国平小玲桂英学军红霞"
HONOURS = ["自治区劳动模范", "市先进工作者", "全国五一劳动奖章", "自治区五一劳动奖章"]


@dataclass
class Roster:
    data: bytes
    rows: int
    honours: int


def roster(rows: int, *, seed: int = 1) -> Roster:
    """A roster (花名册) in the official layout of seed 002: a title row, the header, then
    `rows` people, every one new (a phone no one has), one or two honours each."""
    import openpyxl

    rng = random.Random(seed)  # noqa: S311 - a repeatable roster, not secrets
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "花名册"
    sheet.append(["“劳模工匠进校园”宣讲团成员花名册"])
    sheet.append(["序号", "姓名", "性别", "工作单位及职务", "获得荣誉", "联系电话", "备注"])
    phones = rng.sample(range(10**8), rows)
    honour_count = 0
    for position in range(1, rows + 1):
        name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2))
        titles = rng.sample(HONOURS, rng.choice((1, 1, 2)))
        honour_count += len(titles)
        honours = "、".join(f"{rng.randrange(2000, 2025)}年{title}" for title in titles)
        sheet.append(
            [
                position,
                name,
                rng.choice("男女"),
                f"第{rng.randrange(1, 90)}机械厂车间主任",
                honours,
                f"139{phones[position - 1]:08d}",
                "",
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return Roster(out.getvalue(), rows, honour_count)


# Faults -----------------------------------------------------------------------------------------


class Request(threading.Thread):
    """One request in a thread of its own, so that the server can be killed under it."""

    def __init__(self, call):
        super().__init__(daemon=True)
        self.call = call
        self.reply: Reply | None = None
        self.failure: BaseException | None = None
        self.sent = time.perf_counter()

    def run(self):
        try:
            self.reply = self.call()
        except OSError as exc:  # a killed server drops the connection
            self.failure = exc


@dataclass
class Kill:
    """How one kill went: seconds from sending the request to seeing it at work (its
    transaction open, its first file written) and to the SIGKILL; whether it was still in
    flight (no reply); what it had written by then (PostgreSQL: ids it drew, which no rollback
    returns; an upload: files)."""

    seen_after: float
    killed_after: float
    in_flight: bool
    written: int | None = None


def import_transaction_open(url: str) -> bool:
    """Whether a roster import's transaction is open, seen from outside: on SQLite someone holds
    the write lock (nothing else writes meanwhile), on PostgreSQL the import lock
    (laomo.people.roster.IMPORT_LOCK)."""
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return True
        else:
            conn.execute("ROLLBACK")
            return False
        finally:
            conn.close()
    import psycopg

    key = zlib.crc32(b"laomo.people.roster.import")
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND classid = %s AND objid = %s",
            [key >> 32, key & 0xFFFFFFFF],
        ).fetchone()
    return row[0] > 0


def people_ids_drawn(url: str) -> int | None:
    """PostgreSQL: the last id the people table's sequence handed out, committed or not (a
    sequence is outside transactions). SQLite cannot be watched so: None."""
    if url.startswith("sqlite"):
        return None
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        (name,) = conn.execute("SELECT pg_get_serial_sequence('people_person', 'id')").fetchone()
        value, called = conn.execute(f"SELECT last_value, is_called FROM {name}").fetchone()  # noqa: S608 - the sequence's name, from the catalog
    return value if called else 0


class ImportPage:
    """The roster import page, for one signed-in browser: check a file into a group (nothing
    written; the page hands back a confirmation), then confirm it (all or nothing)."""

    def __init__(self, browser: Browser, group: str):
        self.browser = browser
        page = browser.get("/people/import/")
        choices = [value for value, label in select_options(page.text, "group") if group in label]
        if len(choices) != 1:
            raise RuntimeError(f"the import page offers no single group named {group}")
        self.group = choices[0]

    def check(self, data: bytes) -> tuple[str, float]:
        """The confirmation token, and the seconds the check took."""
        started = time.perf_counter()
        reply = self.browser.post(
            "/people/import/",
            {"group": self.group},
            files=[("file", "花名册.xlsx", data)],
            page=self.browser.get("/people/import/"),
        )
        token = re.search(r'name="token" value="([^"]+)"', reply.text)
        if reply.status != 200 or token is None:
            raise RuntimeError(f"the roster check failed: HTTP {reply.status}")
        return token.group(1), time.perf_counter() - started

    def confirm(self, token: str) -> Reply:
        return self.browser.post("/people/import/", {"token": token})


def watch_import(page: ImportPage, token: str, url: str) -> tuple[Reply, float, float]:
    """Confirm an import, watching from outside: its reply, when its transaction was first
    seen open and when the reply came (seconds from sending)."""
    request = Request(lambda: page.confirm(token))
    request.start()
    seen = None
    while request.is_alive():
        if seen is None and import_transaction_open(url):
            seen = time.perf_counter() - request.sent
        time.sleep(0.01)
    if request.reply is None:
        raise RuntimeError(f"the import failed: {request.failure}")
    done = time.perf_counter() - request.sent
    return request.reply, seen if seen is not None else done, done


def kill_mid_import(
    server: Server, page: ImportPage, token: str, url: str, *, rows: int, delay: float
) -> Kill:
    """Confirm an import of `rows` rows and SIGKILL the server while it writes: on PostgreSQL
    once it has drawn ids for half the people (written, not committed); on SQLite, which cannot
    be watched so, `delay` seconds after its transaction is seen open. The server is left
    dead."""
    ids = people_ids_drawn(url)
    request = Request(lambda: page.confirm(token))
    request.start()
    seen = None
    while request.is_alive() and time.perf_counter() - request.sent < 300:
        if import_transaction_open(url):
            seen = time.perf_counter() - request.sent
            break
        time.sleep(0.01)
    if seen is None:
        server.kill()
        raise RuntimeError(f"the import's transaction was never seen open: {request.reply}")
    if ids is None:
        time.sleep(delay)
    else:
        while request.is_alive() and people_ids_drawn(url) - ids < rows // 2:
            time.sleep(0.01)
    in_flight = request.is_alive() and import_transaction_open(url)
    drawn = people_ids_drawn(url)
    killed = time.perf_counter() - request.sent
    server.kill()
    request.join(timeout=30)
    return Kill(
        seen,
        killed,
        in_flight and request.reply is None,
        drawn - ids if drawn is not None and ids is not None else None,
    )


def kill_mid_upload(server: Server, call, private_root: Path) -> Kill:
    """Make the request (`call`, an upload of photos); once its first photo file appears in
    the private storage, SIGKILL the server. The server is left dead."""
    known = len(stored_files(private_root))
    request = Request(call)
    request.start()
    seen = None
    while request.is_alive() and time.perf_counter() - request.sent < 600:
        if len(stored_files(private_root)) > known:
            seen = time.perf_counter() - request.sent
            break
        time.sleep(0.002)
    in_flight = request.is_alive()
    server.kill()
    killed = time.perf_counter() - request.sent
    request.join(timeout=30)
    if seen is None:
        raise RuntimeError(f"no photo file appeared before the upload ended: {request.reply}")
    return Kill(
        seen,
        killed,
        in_flight and request.reply is None,
        len(stored_files(private_root)) - known,
    )


def report_form(pictures: list[bytes]) -> tuple[list, list]:
    """The report form's fields and files: an audience of 94, a few words, and the pictures as
    the photo rows (the first showing the banner, the second the lecturer, the rest the
    audience)."""
    fields = [
        ("students", "86"),
        ("teachers", "6"),
        ("others", "2"),
        ("account", "劳模讲述了岗位上的故事，同学们提问踊跃。"),
        ("action", "submit"),
    ]
    files = []
    for n, data in enumerate(pictures):
        flag = "banner" if n == 0 else "lecturer" if n == 1 else "audience"
        fields += [(f"new-{n}-caption", ""), (f"new-{n}-{flag}", "on")]
        files.append(("photos", f"IMG_{n:04d}.jpg", data))
    return fields, files


def submit_report(browser: Browser, talk: int, pictures: list[bytes]) -> Reply:
    path = f"/talks/{talk}/report/"
    page = browser.get(path)
    fields, files = report_form(pictures)
    return browser.post(path, fields, files=files, page=page)


def temporary_uploads(*folders: Path) -> set[str]:
    return {
        str(p) for folder in folders if folder.is_dir() for p in folder.rglob("*") if p.is_file()
    }


# What the database and the photo folder hold ----------------------------------------------------


def stored_files(root: Path) -> set[str]:
    """Every file under the photo folders of the private storage, as the names rows hold."""
    found = set()
    for top in ("photos", "thumbs"):
        for path in (root / top).rglob("*"):
            if path.is_file():
                found.add(path.relative_to(root).as_posix())
    return found


def snapshot(*, private_root: Path, imports_dir: Path | None = None) -> dict:
    """Counts of what an import and a report write, and every way the photo folder and the
    database may disagree. Runs in Django, connected to the server's database."""
    from laomo.audit.models import AuditEntry
    from laomo.outreach.models import DraftPhoto, ReportPhoto, TalkReport
    from laomo.people.models import Honour, Membership, Person

    names: set[str] = set()
    for image, thumbnail in ReportPhoto._base_manager.values_list("image", "thumbnail"):
        names.update((image, thumbnail))
    # A report's draft holds the photos received for it so far (those it keeps from a returned
    # report have no file of their own).
    for image, thumbnail in DraftPhoto._base_manager.exclude(image="").values_list(
        "image", "thumbnail"
    ):
        names.update((image, thumbnail))
    on_disk = stored_files(private_root)
    truncated = sorted(
        name
        for name in names & on_disk
        if not _whole_jpeg(private_root / name)  # written part way when the row was committed
    )
    audit = AuditEntry._base_manager.all()
    pending = private_root / "pending"
    return {
        "people": Person._base_manager.count(),
        "people_history": Person.history.count(),
        "honours": Honour._base_manager.count(),
        "memberships": Membership._base_manager.count(),
        "reports": TalkReport._base_manager.count(),
        "reports_without_photos": TalkReport._base_manager.filter(photos__isnull=True).count(),
        "photos": ReportPhoto._base_manager.count(),
        "files": len(on_disk),
        "rows_without_file": sorted(names - on_disk),
        "files_without_row": sorted(on_disk - names),
        "truncated_files": truncated,
        "audit": audit.count(),
        "audit_imports": audit.filter(action=AuditEntry.Action.IMPORT).count(),
        "audit_reported": audit.filter(
            action=AuditEntry.Action.TRANSITION, data__to="资料已报送"
        ).count(),
        "pending_journals": sorted(p.name for p in pending.glob("*")) if pending.exists() else [],
        "import_tickets": (
            sorted(p.name for p in imports_dir.glob("*"))
            if imports_dir is not None and imports_dir.exists()
            else []
        ),
    }


def _whole_jpeg(path: Path) -> bool:
    with path.open("rb") as handle:
        if handle.read(2) != b"\xff\xd8":
            return False
        handle.seek(-2, os.SEEK_END)
        return handle.read(2) == b"\xff\xd9"


def reportable_talks(username: str, count: int) -> list[int]:
    """`count` talks that took place (confirmed, in the past) and that `username` may report: at
    their school, or at a school of their county. Planned and confirmed through the services,
    a few hours apart going back from yesterday, each with one lecturer of the county."""
    from datetime import timedelta

    from django.utils import timezone

    from laomo.accounts.models import User
    from laomo.core.scoping import Scope
    from laomo.outreach import services
    from laomo.outreach.models import Talk
    from laomo.people.models import Person
    from laomo.schools.models import School

    user = User.objects.get(username=username)
    scope = Scope.for_user(user)
    schools = list(School.objects.restrict(scope).order_by("pk")[:20])
    lecturers = list(Person.objects.restrict(scope, "invite").order_by("pk")[:40])
    if not schools or not lecturers:
        raise RuntimeError(f"{username}: no school or no lecturer to plan a talk with")
    rng = random.Random(username)  # noqa: S311 - repeatable times, not secrets
    start = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(days=1)
    talks: list[int] = []
    slot = rng.randrange(0, 5000)
    while len(talks) < count:
        slot += 1
        starts = start - timedelta(hours=3 * slot)
        plan = services.TalkPlan(
            title=f"负载测试宣讲{slot}",
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            venue="hall",
            form="salute",
            lecturers=[lecturers[slot % len(lecturers)]],
            school=schools[slot % len(schools)],
            expected_audience=60,
        )
        try:
            talk = services.plan_talk(plan, scope=scope, acting_user=user).talk
        except services.TalkError:
            continue  # a lecturer already booked then
        for booking in talk.bookings.unrestricted():
            services.respond(booking, accept=True, acting_user=user)
        assert Talk.objects.unrestricted().get(pk=talk.pk).status == "confirmed"
        talks.append(talk.pk)
    return talks


def main(argv: list[str]) -> None:
    """`python -m laomo.core.testing.fault snapshot|talks …`, against DATABASE_URL; JSON out."""
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("task", choices=["snapshot", "talks"])
    parser.add_argument("--user", action="append", default=[])
    parser.add_argument("--count", type=int, default=10)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laomo.settings")
    import django

    django.setup()
    from django.conf import settings

    if args.task == "snapshot":
        found = snapshot(
            private_root=Path(settings.PRIVATE_MEDIA_ROOT),
            imports_dir=Path(settings.VAR_DIR) / "imports",
        )
    else:
        found = {user: reportable_talks(user, args.count) for user in args.user}
    print(json.dumps(found, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
