"""The scope probe (`laomo probe-scope`): for every role, every URL that names an object and every
API operation, asked about objects outside the caller's scope. Each must be refused with a 404
(or a 405 where the path does not take the method), change no row, and say nothing of the
object; the probe counts what happened and prints the figures.

It is the project's own version of an outside test that sent tens of thousands of such requests,
and it rests on nothing the authorization matrix (`laomo.core.testing.matrix`) writes out by hand:

- The URLs come from the URL resolver and the operations from the OpenAPI schema, so a page or
  an endpoint added later is probed without anyone listing it.
- Which object a URL argument names need not be known: the probe gives every outside object of
  one place the same id in its own table (`FOREIGN_ID` for another city's county, the next id
  for the sibling county), by setting each table's id sequence before creating them. A URL with
  that id in every argument names, whatever its view reads, either an outside object or nothing.
- A JSON or multipart body is made from the operation's schema, so that it passes validation and
  the call reaches the scope check; every id in it is an outside object's too.
- Every other page, search and API list is asked with its filters (its django-filter form, its
  OpenAPI query parameters) set to outside objects: whatever it answers must name none of them.

Each request runs in a savepoint that is rolled back. What counts as a write: any change to a
row of the project's tables, except the sign-in bookkeeping (a user's last sign-in, a token's
last use), audit entries whose outcome is "denied" (the record of a refusal) and the counts of
repeated refusals beside them.
"""

from __future__ import annotations

import io
import json
import logging
import re
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models import AutoField, BigAutoField, SmallAutoField
from django.test import Client, override_settings
from django.urls import URLResolver, get_resolver
from django.utils import timezone

# The id every outside object of another city's county is given in its table; the sibling
# county's objects get the next one. Far above any real id, within a 32-bit column.
FOREIGN_ID = 1_000_000_001
OTHER_CITY, SIBLING = "other_city", "sibling"

# Correct denials of a request naming an outside object in its path: 404 (the rule), or 405 when
# the path does not take the method at all (nothing is looked up). A request that names outside
# objects only in its body (a new talk at another county's school) is refused by the rule that
# checks the field: 400 naming it, or 404.
PATH_DENIALS = frozenset({404, 405})
BODY_DENIALS = frozenset({400, 404})

# Not the app's pages: the superuser-only Django admin, static files.
SKIPPED_PREFIXES = ("admin/", "static/")
API_PREFIX = "api/v1/"

# What a refused request may change: the sign-in bookkeeping.
IGNORED_COLUMNS = {("accounts", "user"): {"last_login"}, ("accounts", "apitoken"): {"last_used_at"}}


# The world ---------------------------------------------------------------------------------------


@dataclass
class Side:
    """One place's outside objects, all with the same id (`pk`)."""

    pk: int
    objects: dict[str, object] = field(default_factory=dict)
    name: str = ""

    @property
    def region(self):
        return self.objects["region"]

    def secrets(self) -> list[str]:
        """What a refusal must not show: the names of the place's objects, the person's phone."""
        values = []
        for kind, obj in self.objects.items():
            if kind in ("region", "membership", "booking", "photo", "report", "halfyear"):
                continue  # administrative names are public; the rest have no name of their own
            values.append(str(obj))
        person = self.objects.get("person")
        if person is not None and person.phone:
            values += [person.phone, person.masked_phone]
        return [value for value in values if value]


@dataclass
class ProbeWorld:
    users: dict[str, object]  # role → a user of that role in the home county (or city)
    sides: dict[str, Side]
    home_city: object


def _auto_tables() -> list[tuple[str, str]]:
    """(table, pk column) of every model whose id the database assigns."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        pk = model._meta.pk
        if isinstance(pk, AutoField | BigAutoField | SmallAutoField) and not model._meta.proxy:
            found.append((model._meta.db_table, pk.column))
    return sorted(set(found))


@contextmanager
def next_ids(value: int) -> Iterator[None]:
    """Every table's next id is `value` (SQLite: its AUTOINCREMENT counter, PostgreSQL: its
    sequence). PostgreSQL's sequences are not transactional: they are put back afterwards."""
    tables = _auto_tables()
    restore = []
    with connection.cursor() as cursor:
        for table, column in tables:
            if connection.vendor == "sqlite":
                cursor.execute(
                    "UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [value - 1, table]
                )
                if cursor.rowcount == 0:
                    cursor.execute(
                        "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)",
                        [table, value - 1],
                    )
            elif connection.vendor == "postgresql":
                cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
                (sequence,) = cursor.fetchone()
                if sequence is None:
                    continue
                cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608
                restore.append((sequence, *cursor.fetchone()))
                cursor.execute("SELECT setval(%s, %s)", [sequence, value - 1])
            else:
                raise RuntimeError(
                    f"区划隔离探查只支持 SQLite 和 PostgreSQL，当前数据库为 {connection.vendor}"
                )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for sequence, last_value, is_called in restore:
                cursor.execute("SELECT setval(%s, %s, %s)", [sequence, last_value, is_called])


def _photo_bytes(seed: int) -> bytes:
    """A small JPEG with some structure (the photo checks compute a perceptual hash)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (240, 200), (40 * seed % 256, 90, 160))
    draw = ImageDraw.Draw(image)
    for i in range(6):
        draw.rectangle((i * 30, i * 20, i * 30 + 50 + seed, i * 20 + 40), fill=(200, 30 * i, 20))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _user(username: str, role: str, **where):
    from laomo.accounts.models import User

    user = User(username=username, role=role, password_changed_at=timezone.now(), **where)
    user.set_unusable_password()
    user.save()
    return user


def build_world() -> ProbeWorld:
    """A home city with one county, where each role's user works; a sibling county of the same
    city; and a county of another city. The two outside counties hold one object of every kind
    (organisation, school, model worker, lecture group and membership, talk with its booking,
    report and photo, half-year report, notice), each with the id of its place. Call inside a
    transaction that is rolled back."""
    from laomo.core.roles import CITY_ROLES, COUNTY_ROLES, Role
    from laomo.core.scoping import Scope
    from laomo.halfyear import services as halfyear
    from laomo.notices.models import Notification
    from laomo.outreach import services as outreach
    from laomo.people.models import LectureGroup, Membership, Person
    from laomo.regions.models import Organisation, Region
    from laomo.schools.models import School

    def region(code, name, level, parent=None):
        return Region.objects.create(code=code, name=name, level=level, parent=parent)

    province = region("990000", "探查省", Region.Level.PROVINCE)
    home_city = region("990100", "探查市", Region.Level.CITY, province)
    home = region("990102", "探查本区", Region.Level.COUNTY, home_city)
    other_city = region("990200", "探查外市", Region.Level.CITY, province)
    home_school = School.objects.create(
        name="探查本区第一小学", region=home, stage="primary", ownership="public"
    )
    home_person = Person.objects.create(name="探查本人", gender="男", unit="探查单位", region=home)

    users = {}
    for role in Role.values:
        if role in CITY_ROLES:
            where = {"region": home_city}
        elif role in COUNTY_ROLES:
            where = {"region": home}
        elif role == Role.SCHOOL:
            where = {"school": home_school}
        elif role == Role.LECTURER:
            where = {"person": home_person}
        else:
            where = {}
        users[role] = _user(f"probe-{role}", role, **where)

    places = {
        OTHER_CITY: ("990202", "探查外县", other_city),
        SIBLING: ("990103", "探查邻县", home_city),
    }
    sides = {OTHER_CITY: Side(FOREIGN_ID), SIBLING: Side(FOREIGN_ID + 1)}
    phones = {OTHER_CITY: "13909540001", SIBLING: "13809540002"}
    owners = {}  # the county union's account of each place, who plans and reports its talk
    now = timezone.now()
    year, half = halfyear.latest_ended_half(timezone.localdate())

    # Each step makes one row per place, in the same order, in each table it fills: the first
    # rows after `next_ids` get FOREIGN_ID and FOREIGN_ID + 1 (checked below).
    with next_ids(FOREIGN_ID):
        for key, side in sides.items():
            code, name, parent = places[key]
            side.objects["region"] = region(code, name, Region.Level.COUNTY, parent)
        for key, side in sides.items():
            side.name = places[key][1]
            side.objects["organisation"] = Organisation.objects.create(
                name=f"{side.name}总工会", kind="union", region=side.region
            )
        for side in sides.values():
            side.objects["school"] = School.objects.create(
                name=f"{side.name}第一小学", region=side.region, stage="primary", ownership="public"
            )
        for key, side in sides.items():
            side.objects["person"] = Person.objects.create(
                name=f"{side.name[2:]}劳模",
                gender="女",
                unit=f"{side.name}单位",
                phone=phones[key],
                region=side.region,
            )
        for side in sides.values():
            side.objects["group"] = LectureGroup.objects.create(
                name=f"{side.name}宣讲团", region=side.region, batch=1
            )
        for side in sides.values():
            side.objects["membership"] = Membership.objects.create(
                group=side.objects["group"], person=side.objects["person"], position=1
            )
        for key, side in sides.items():
            owners[key] = _user(f"probe-{key}-union", Role.COUNTY_UNION, region=side.region)
        for key, side in sides.items():
            side.objects["notice"] = Notification.objects.create(
                user=owners[key], kind="probe", title=f"{side.name}的探查消息", url="/"
            )
        for side in sides.values():  # the talk's second organiser (not probed by its id)
            Organisation.objects.create(
                name=f"{side.name}教育体育局", kind="education", region=side.region
            )
        for key, side in sides.items():
            plan = outreach.TalkPlan(
                title=f"{side.name}探查宣讲",
                starts_at=now - timedelta(days=3),
                ends_at=now - timedelta(days=3) + timedelta(hours=2),
                venue="hall",
                form="first_lesson",
                lecturers=[side.objects["person"]],
                school=side.objects["school"],
                expected_audience=200,
            )
            user = owners[key]
            talk = outreach.plan_talk(plan, scope=Scope.for_user(user), acting_user=user).talk
            side.objects["talk"] = talk
            side.objects["booking"] = talk.bookings.unrestricted().get()
        for key, side in sides.items():
            outreach.respond(side.objects["booking"], accept=True, acting_user=owners[key])
        for seed, (key, side) in enumerate(sides.items(), start=1):
            photo = outreach.PhotoUpload(
                data=_photo_bytes(seed),
                filename="probe.jpg",
                shows_banner=True,
                shows_lecturer=True,
                shows_audience=True,
            )
            side.objects["report"] = outreach.submit_report(
                side.objects["talk"],
                students=40,
                teachers=5,
                others=0,
                account="探查报送",
                photos=[photo],
                acting_user=owners[key],
            )
            side.objects["photo"] = side.objects["report"].photos.unrestricted().get()
        for key, side in sides.items():
            scope = Scope.for_user(owners[key])
            side.objects["halfyear"] = halfyear.open_report(
                scope=scope, year=year, half=half, acting_user=owners[key]
            )[0]

    misaligned = [
        f"{key} {kind} #{obj.pk}（应为 {side.pk}）"
        for key, side in sides.items()
        for kind, obj in side.objects.items()
        if obj.pk != side.pk
    ]
    if misaligned:
        raise RuntimeError("探查数据的编号没有对齐：" + "；".join(misaligned))
    for side in sides.values():
        side.objects["talk"].refresh_from_db()
    return ProbeWorld(users=users, sides=sides, home_city=home_city)


# The requests ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One request to make: a URL pattern (its route with `<name>` arguments), a method, and for
    an API operation its schema."""

    route: str
    name: str
    method: str
    operation: dict | None = None
    params: tuple[str, ...] = ()

    @property
    def api(self) -> bool:
        return self.operation is not None

    def url(self, pk: int) -> str:
        return "/" + re.sub(r"<(?:\w+:)?(\w+)>", str(pk), self.route)


def _walk():
    """(route, name, argument names, view) of every URL pattern under the root resolver."""

    def walk(patterns, prefix: str, namespace: str):
        for item in patterns:
            route = prefix + str(item.pattern)
            if isinstance(item, URLResolver):
                inner = ":".join(part for part in (namespace, item.namespace) if part)
                yield from walk(item.url_patterns, route, inner)
            else:
                name = item.name or ""
                full = f"{namespace}:{name}" if namespace and name else name
                yield route, full, tuple(item.pattern.regex.groupindex), item.callback

    return [
        r
        for r in walk(get_resolver().url_patterns, "", "")
        if not r[0].startswith(SKIPPED_PREFIXES)
    ]


def url_routes() -> list[tuple[str, str, tuple[str, ...]]]:
    """(route, name, argument names) of every URL pattern under the root resolver."""
    return [(route, name, params) for route, name, params, _view in _walk()]


# Lists: every page and API operation without an object in its path, asked with each of its
# filters set to an outside object (a search, to an outside person's name). Any answer but a 500
# will do, as long as it writes nothing and names no outside object. Not asked: signing in and
# out (which would end the probe's session) and the health check.
LIST_SKIPPED = frozenset({"login", "login-code", "logout", "healthz"})


@dataclass(frozen=True)
class Listing:
    route: str
    name: str
    fills: tuple[tuple[str, str], ...]  # (query parameter, "pk" | "name" | "code")
    api: bool

    def query(self, side: Side) -> dict[str, str]:
        values = {
            "pk": str(side.pk),
            "name": side.objects["person"].name,
            "code": side.objects["region"].code,
        }
        return {name: values[fill] for name, fill in self.fills}


def _page_fills(callback) -> tuple[tuple[str, str], ...]:
    """A page's filters (django-filter) that name an object, and its search box."""
    from django_filters import ModelChoiceFilter, ModelMultipleChoiceFilter

    filterset = getattr(getattr(callback, "view_class", None), "filterset_class", None)
    if filterset is None:
        return (("q", "name"),)  # a page without a filter form may still search (the suggestions)
    fills = []
    for name, item in filterset.base_filters.items():
        if name == "q":
            fills.append((name, "name"))
        elif isinstance(item, ModelChoiceFilter | ModelMultipleChoiceFilter):
            fills.append((name, "pk"))
    return tuple(fills)


def _api_fills(schema: dict, operation: dict) -> tuple[tuple[str, str], ...]:
    fills = []
    for parameter in operation.get("parameters", []):
        if parameter["in"] != "query" or parameter["name"] in ("page", "page_size"):
            continue
        node = _resolve(schema, parameter.get("schema", {}))
        options = [_resolve(schema, o) for o in node.get("anyOf", [node])]
        kinds = {o.get("type") for o in options if "enum" not in o and "format" not in o}
        name = parameter["name"]
        bounded = any(o.get("maximum", FOREIGN_ID) < FOREIGN_ID for o in options)
        if name == "q":
            fills.append((name, "name"))
        elif "integer" in kinds and not bounded:  # an id, not a year or a count
            fills.append((name, "pk"))
        elif "string" in kinds and "region" in name:
            fills.append((name, "code"))
    return tuple(fills)


def list_targets() -> list[Listing]:
    schema = _schema_cache()
    found = []
    seen = set()
    for route, name, params, callback in _walk():
        if params or name in LIST_SKIPPED or route in seen:
            continue
        seen.add(route)
        if route.startswith(API_PREFIX):
            operation = schema["paths"].get("/" + route, {}).get("get")
            if operation is not None:
                found.append(Listing(route, name, _api_fills(schema, operation), api=True))
        else:
            found.append(Listing(route, name, _page_fills(callback), api=False))
    return found


def _schema() -> dict:
    from laomo.api import api

    return api.get_openapi_schema(path_prefix="/" + API_PREFIX.rstrip("/"))


def targets() -> tuple[list[Target], list[str]]:
    """Every request the probe makes, and what it could not make (a route of the API that the
    schema does not describe)."""
    schema = _schema()
    operations = schema["paths"]
    found: list[Target] = []
    problems: list[str] = []
    seen: set[str] = set()
    for route, name, params in url_routes():
        if route in seen:
            continue  # one path for several API operations: each is taken from the schema
        seen.add(route)
        if route.startswith(API_PREFIX):
            path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
            ops = operations.get(path)
            if ops is None:
                if params:
                    problems.append(f"{route}（{name}）不在 OpenAPI 文档中，无法探查")
                continue
            for method, operation in ops.items():
                if params or _body_ids(schema, operation):
                    found.append(
                        Target(
                            route,
                            operation.get("operationId", name),
                            method.upper(),
                            operation,
                            params,
                        )
                    )
        elif params:
            found += [Target(route, name, method, None, params) for method in ("GET", "POST")]
    return found, problems


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _is_id(name: str) -> bool:
    return name == "id" or name.endswith(("_id", "_ids"))


def _body_schema(schema: dict, operation: dict) -> tuple[str, dict] | None:
    content = operation.get("requestBody", {}).get("content", {})
    for kind, body in content.items():
        return kind, _resolve(schema, body["schema"])
    return None


def _body_ids(schema: dict, operation: dict) -> bool:
    body = _body_schema(schema, operation)
    return body is not None and any(_is_id(name) for name in body[1].get("properties", {}))


def example(schema: dict, node: dict, name: str, pk: int):
    """A value the schema accepts, with `pk` for every id."""
    node = _resolve(schema, node)
    for key in ("anyOf", "oneOf"):
        if key in node:
            options = [o for o in node[key] if _resolve(schema, o).get("type") != "null"]
            return example(schema, options[0], name, pk)
    if "allOf" in node:
        return example(schema, node["allOf"][0], name, pk)
    if "enum" in node:
        return node["enum"][0]
    if "const" in node:
        return node["const"]
    kind = node.get("type")
    if kind == "object":
        required = set(node.get("required", []))
        return {
            key: example(schema, value, key, pk)
            for key, value in node.get("properties", {}).items()
            if key in required or _is_id(key)
        }
    if kind == "array":
        items = node.get("items", {})
        return [example(schema, items, name, pk) for _ in range(max(1, node.get("minItems", 1)))]
    if kind == "integer":
        if _is_id(name):
            return pk
        return max(node.get("minimum", 1), min(node.get("maximum", 40), 40))
    if kind == "number":
        return node.get("minimum", 0)
    if kind == "boolean":
        return True
    if kind == "string":
        fmt = node.get("format")
        if fmt == "date-time":
            return (timezone.now() + timedelta(days=20)).isoformat()
        if fmt == "date":
            return timezone.localdate().isoformat()
        if fmt == "binary":
            return "binary"
        if _is_id(name):
            return str(pk)
        text = "探查" * max(1, node.get("minLength", 1))
        return text[: node.get("maxLength", len(text))]
    return "探查"


# Running it -------------------------------------------------------------------------------------


def _watched() -> list[tuple[str, str]]:
    """One SELECT per table of the project's apps, every column as text, in id order."""
    quote = connection.ops.quote_name
    queries = []
    for config in apps.get_app_configs():
        if not config.name.startswith("laomo."):
            continue
        for model in config.get_models(include_auto_created=True):
            meta = model._meta
            if meta.label_lower == "audit.refusalwindow":
                continue  # the count of repeated refusals, the refusal's own record
            ignored = IGNORED_COLUMNS.get((meta.app_label, meta.model_name), set())
            columns = ", ".join(
                f"CAST({quote(f.column)} AS TEXT)"
                for f in meta.concrete_fields
                if f.column and f.name not in ignored
            )
            where = ""
            if meta.label_lower == "audit.auditentry":
                where = f" WHERE {quote('outcome')} <> 'denied'"
            table, pk = quote(meta.db_table), quote(meta.pk.column)
            queries.append((meta.db_table, f"SELECT {columns} FROM {table}{where} ORDER BY {pk}"))  # noqa: S608
    return queries


def digest(queries) -> int:
    state = []
    with connection.cursor() as cursor:
        for table, sql in queries:
            cursor.execute(sql)
            state.append((table, cursor.fetchall()))
    return hash(repr(state))


@dataclass
class Figures:
    role: str
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    leaks: int = 0
    errors: int = 0
    writes: int = 0
    unexpected: int = 0
    controls: int = 0  # city roles asking about the sibling county, theirs to see: answered
    lists: int = 0  # lists and searches asked with outside objects in their filters
    problems: list[str] = field(default_factory=list)

    @property
    def denials(self) -> int:
        return self.requests - self.leaks - self.errors - self.unexpected


class Prober:
    def __init__(self, world: ProbeWorld, found: list[Target], listings: list[Listing] = ()):
        self.world = world
        self.targets = found
        self.listings = listings
        self.queries = _watched()

    def run(self, roles: list[str] | None = None) -> list[Figures]:
        from laomo.accounts.models import ApiToken
        from laomo.core.roles import CITY_ROLES

        results = []
        for role, user in self.world.users.items():
            if roles and role not in roles:
                continue
            figures = Figures(role)
            client = Client(raise_request_exception=False)
            client.force_login(user)
            _token, raw = ApiToken.issue(user)
            baseline = digest(self.queries)
            for key, side in self.world.sides.items():
                control = key == SIBLING and role in CITY_ROLES
                for target in self.targets:
                    self.request(client, raw, target, side, figures, baseline, control=control)
                if not control:
                    for listing in self.listings:
                        self.ask_list(client, raw, listing, side, figures, baseline)
            results.append(figures)
        return results

    def send(self, client, raw: str, target: Target, pk: int):
        url = target.url(pk)
        if not target.api:
            return (
                client.generic(target.method, url)
                if target.method != "POST"
                else client.post(url, {})
            )
        headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        schema = _schema_cache()
        body = _body_schema(schema, target.operation)
        if body is None:
            return client.generic(target.method, url, **headers)
        kind, node = body
        data = example(schema, node, "", pk)
        if kind == "application/json":
            return client.generic(
                target.method, url, json.dumps(data), content_type="application/json", **headers
            )
        from django.core.files.uploadedfile import SimpleUploadedFile

        form = {}
        for key, value in data.items():
            prop = _resolve(schema, node["properties"][key])
            items = _resolve(schema, prop.get("items", {}))
            if items.get("format") == "binary" or prop.get("format") == "binary":
                form[key] = [SimpleUploadedFile("probe.jpg", _photo_bytes(1), "image/jpeg")]
            else:
                form[key] = value
        return client.post(url, form, **headers)

    def request(
        self, client, raw, target: Target, side: Side, figures: Figures, baseline, *, control
    ):
        with transaction.atomic():
            response = self.send(client, raw, target, side.pk)
            changed = digest(self.queries) != baseline
            transaction.set_rollback(True)
        status = response.status_code
        if control:
            figures.controls += status < 400
            return
        figures.requests += 1
        figures.statuses[status] += 1
        where = f"{target.method} {target.url(side.pk)}（{side_label(side, self.world)}）"
        denials = PATH_DENIALS if target.params else BODY_DENIALS
        if status >= 500:
            figures.errors += 1
            figures.problems.append(f"{where}：{status} 服务器错误")
        elif status < 400:
            figures.leaks += 1
            figures.problems.append(f"{where}：{status}，范围以外的对象未被拒绝")
        elif status not in denials:
            figures.unexpected += 1
            figures.problems.append(
                f"{where}：{status}，应为 {'/'.join(map(str, sorted(denials)))}"
            )
        else:
            body = b"" if response.streaming else response.content
            text = body.decode(errors="replace")
            shown = [secret for secret in side.secrets() if secret in text]
            if shown:
                figures.leaks += 1
                figures.problems.append(f"{where}：拒绝时显示了 {shown}")
        if changed:
            figures.writes += 1
            figures.problems.append(f"{where}：{status}，数据库有改动")

    def ask_list(self, client, raw, listing: Listing, side: Side, figures: Figures, baseline):
        query = listing.query(side)
        headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"} if listing.api else {}
        with transaction.atomic():
            response = client.get("/" + listing.route, query, **headers)
            changed = digest(self.queries) != baseline
            transaction.set_rollback(True)
        figures.lists += 1
        status = response.status_code
        where = f"GET /{listing.route}?{'&'.join(f'{k}={v}' for k, v in query.items())}"
        where += f"（{side_label(side, self.world)}）"
        if status >= 500:
            figures.errors += 1
            figures.problems.append(f"{where}：{status} 服务器错误")
        elif not response.streaming and response.get("Content-Type", "").startswith(
            ("text/", "application/json")
        ):
            text = response.content.decode(errors="replace")
            # A search box shows what was typed; anything more is a leak.
            typed = " ".join(query.values())
            shown = [s for s in side.secrets() if s in text and s not in typed]
            if shown:
                figures.leaks += 1
                figures.problems.append(f"{where}：列表显示了 {shown}")
        if changed:
            figures.writes += 1
            figures.problems.append(f"{where}：{status}，数据库有改动")


_SCHEMA: dict | None = None


def _schema_cache() -> dict:
    global _SCHEMA
    if _SCHEMA is None:
        _SCHEMA = _schema()
    return _SCHEMA


def side_label(side: Side, world: ProbeWorld) -> str:
    return {FOREIGN_ID: "外市", FOREIGN_ID + 1: "邻县"}.get(side.pk, str(side.pk))


@contextmanager
def quiet_loggers(*names: str) -> Iterator[None]:
    """A thousand refusals are the point: not each one logged as a warning."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


@contextmanager
def probe_settings() -> Iterator[None]:
    """What the probe changes for its own requests: a host the test client may use, no HTTPS
    redirect, no rate limits (its hundreds of calls a minute), no second factor demanded of
    administrators (the probe is about scope), mail kept in memory, photos in a temporary
    folder, static files named without the manifest `collectstatic` writes (the pages link
    them; the probe does not serve them), and the request log quiet."""
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with (
        quiet_loggers(
            "django.request", "django.security", "axes", "weasyprint", "weasyprint.progress"
        ),
        tempfile.TemporaryDirectory(prefix="laomo-probe-private-") as private,
        tempfile.TemporaryDirectory(prefix="laomo-probe-media-") as media,
        override_settings(
            ALLOWED_HOSTS=["testserver"],
            SECURE_SSL_REDIRECT=False,
            LAOMO_API_RATE_PER_TOKEN=0,
            LAOMO_API_RATE_PER_ADDRESS=0,
            LAOMO_REQUIRE_TOTP_FOR_ADMINS=False,
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            PRIVATE_MEDIA_ROOT=private,
            MEDIA_ROOT=media,
            STORAGES=storages,
        ),
    ):
        yield


def run_probe(
    roles: list[str] | None = None, *, lists: bool = True
) -> tuple[list[Figures], list[str], int]:
    """Build the world, probe, and roll everything back (`lists=False`: only the URLs and
    operations that name an object). Returns the figures per role, what could not be probed, and
    the number of requests naming an object per role and place."""
    with probe_settings(), transaction.atomic():
        world = build_world()
        found, problems = targets()
        figures = Prober(world, found, list_targets() if lists else []).run(roles)
        transaction.set_rollback(True)
    return figures, problems, len(found)


def table(figures: list[Figures]) -> str:
    """The figures as a table for the terminal."""
    from laomo.core.roles import Role

    labels = dict(Role.choices)
    head = [
        "角色",
        "对象请求",
        "404",
        "405",
        "其他拒绝",
        "列表查询",
        "泄露",
        "500",
        "写入",
        "意外状态",
        "对照（本市邻县可见）",
    ]
    rows = [head]
    for f in figures:
        other = sum(
            n
            for status, n in f.statuses.items()
            if status not in (404, 405) and 400 <= status < 500
        )
        rows.append(
            [
                f"{labels.get(f.role, f.role)}（{f.role}）",
                f.requests,
                f.statuses[404],
                f.statuses[405],
                other - f.unexpected,
                f.lists,
                f.leaks,
                f.errors,
                f.writes,
                f.unexpected,
                f.controls if f.controls else "—",
            ]
        )
    total = [
        "合计",
        *(sum(r[i] for r in rows[1:]) for i in range(1, 10)),
        sum(f.controls for f in figures),
    ]
    rows.append(total)
    widths = [max(_width(str(row[i])) for row in rows) for i in range(len(head))]
    lines = []
    for n, row in enumerate(rows):
        cells = [str(cell) + " " * (widths[i] - _width(str(cell))) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _width(text: str) -> int:
    """Columns on a terminal: a Chinese character takes two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)
