"""The authorization matrix: every URL the site answers, asked by every role about objects in
county A, in county B and at city level (NetBox's inherited permission battery, for all pages at
once).

`ROUTES` knows every named URL pattern: which object each URL argument names, what a role must be
allowed to do to that object, and what a successful GET or POST answers. `REACH` says, for each
test account, where it may do what — written out by hand from DESIGN.md's roles table and
`laomo.core.roles`, not computed from the querysets under test. A page added without an entry
here fails `test_every_url_pattern_is_known`, so new pages inherit the battery.

Each request runs inside a savepoint that is rolled back afterwards, so every cell starts from the
same world, and a snapshot of every registry, people and audit table taken before and after tells
whether a refused request changed anything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from laomo.accounts.models import ApiToken
from laomo.core.roles import OFFICIAL_ROLES
from laomo.core.testing.factories import OrganisationFactory, PersonFactory, SchoolFactory
from laomo.core.testing.world import World
from laomo.people.models import Membership

# Public by design: signing in and out, and the load balancer's health check.
PUBLIC = frozenset({"login", "logout", "healthz"})
# The superuser-only Django admin and static files are not the app's pages.
SKIPPED_PREFIXES = ("admin/", "static/")

PLACES = ("a", "b", "city")
EVERYWHERE = frozenset(PLACES)
NOWHERE: frozenset[str] = frozenset()

# Apps whose tables a refused request must leave exactly as they were (including the history
# tables and the audit log).
WATCHED_APPS = ("regions", "schools", "people", "audit")


# URL patterns -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    name: str | None
    route: str
    params: frozenset[str]


def url_patterns() -> list[Pattern]:
    """Every URL pattern under the root resolver, the API's included, with its full name."""

    def walk(patterns, prefix: str, namespace: str) -> Iterator[Pattern]:
        for item in patterns:
            route = prefix + str(item.pattern)
            if isinstance(item, URLResolver):
                inner = ":".join(part for part in (namespace, item.namespace) if part)
                yield from walk(item.url_patterns, route, inner)
            else:
                name = item.name and (f"{namespace}:{item.name}" if namespace else item.name)
                params = frozenset(item.pattern.regex.groupindex)
                yield Pattern(name, route, params)

    return [
        pattern
        for pattern in walk(get_resolver().url_patterns, "", "")
        if not pattern.route.startswith(SKIPPED_PREFIXES)
    ]


def unknown_patterns() -> list[str]:
    """What the matrix cannot fill: URL patterns it has no route for, routes whose pattern is
    gone, and patterns whose arguments differ from what the route fills."""
    problems = []
    patterns = url_patterns()
    found = {p.name: p for p in patterns if p.name not in PUBLIC}
    problems += [f"unnamed URL pattern {p.route!r}" for p in patterns if p.name is None]
    problems += [
        f"{found[name].route!r} ({name}) is not in matrix.ROUTES"
        for name in sorted(set(found) - set(ROUTES) - {None})
    ]
    problems += [
        f"ROUTES names {name}, which no URL has" for name in sorted(set(ROUTES) - set(found))
    ]
    for name, pattern in found.items():
        if name in ROUTES and pattern.params != set(ROUTES[name].params):
            problems.append(
                f"{name} ({pattern.route!r}) takes {sorted(pattern.params)}; the matrix fills "
                f"{sorted(ROUTES[name].params)}"
            )
    return problems


# What each role may do, where ----------------------------------------------------------------

Reach = dict[tuple[str, str], frozenset[str]]


def _official(places: frozenset[str], *, schools: bool, organisations: bool) -> Reach:
    def change_if(flag: bool) -> frozenset[str]:
        return places if flag else NOWHERE

    return {
        ("person", "view"): places,
        ("person", "change"): places,
        ("person", "archive"): places,
        ("person", "create"): places,
        ("person", "reveal"): places,
        ("group", "view"): places,
        ("group", "change"): places,
        ("group", "create"): places,
        ("group", "export"): places,
        ("school", "view"): places,
        ("school", "change"): change_if(schools),
        ("school", "create"): change_if(schools),
        ("organisation", "view"): places,
        ("organisation", "change"): change_if(organisations),
        ("organisation", "create"): change_if(organisations),
        ("region", "view"): places,
        ("audit", "view"): places,
        ("roster", "import"): places,
    }


A, B = frozenset({"a"}), frozenset({"b"})

# The union runs the programme; the education bureau owns the school list (DESIGN.md). A school
# contact sees their own school; a model worker sees and updates their own record and sees the
# groups they belong to; a reviewer has nothing in the registry.
REACH: dict[str, Reach] = {
    "city_union": _official(EVERYWHERE, schools=False, organisations=True),
    "city_education": _official(EVERYWHERE, schools=True, organisations=True),
    "county_union_a": _official(A, schools=False, organisations=False),
    "county_education_a": _official(A, schools=True, organisations=False),
    "county_union_b": _official(B, schools=False, organisations=False),
    "county_education_b": _official(B, schools=True, organisations=False),
    "school_a": {("school", "view"): A},
    "lecturer_a": {
        ("person", "view"): A,
        ("person", "change"): A,
        ("person", "own"): A,
        ("group", "view"): A,
    },
    "reviewer": {},
}
USERS = tuple(REACH)


# The objects URLs are filled with ---------------------------------------------------------------


@dataclass
class MatrixWorld:
    """The test world, with what it lacks for the matrix: a city-level organisation and school,
    and in every place a person who belongs to no group (for "add member")."""

    world: World
    objects: dict[tuple[str, str], Any] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def object(self, kind: str, place: str):
        return self.objects[(kind, place)]

    def home_region(self, user_key: str):
        """Where a user's new records go (county A for accounts that have no region)."""
        user = self.world.user(user_key)
        return (user.region if user.role in OFFICIAL_ROLES else None) or self.world.a.region

    def token(self, user_key: str) -> str:
        if user_key not in self.tokens:
            _token, raw = ApiToken.issue(self.world.user(user_key))
            self.tokens[user_key] = raw
        return self.tokens[user_key]


def build_matrix_world(world: World) -> MatrixWorld:
    city_org = OrganisationFactory(name="固原市总工会", region=world.city)
    city_school = SchoolFactory(name="固原市第一中学", region=world.city, stage="complete")
    sides = {"a": world.a, "b": world.b}
    fx = MatrixWorld(world)
    spare_names = {"a": "原州新秀", "b": "西吉新秀", "city": "市直新秀"}
    for place in PLACES:
        side = sides.get(place)
        region = side.region if side else world.city
        person = side.person if side else world.city_person
        group = side.group if side else world.city_group
        fx.objects.update(
            {
                ("region", place): region,
                ("organisation", place): side.union if side else city_org,
                ("school", place): side.school if side else city_school,
                ("person", place): person,
                ("group", place): group,
                ("membership", place): Membership.objects.get(group=group, person=person),
                ("spare", place): PersonFactory(name=spare_names[place], region=region, phone=""),
            }
        )
    return fx


# Payloads for the state-changing views --------------------------------------------------------


def person_payload(fx: MatrixWorld, user_key: str, person=None) -> dict:
    region = person.region if person else fx.home_region(user_key)
    return {
        "name": person.name if person else "矩阵新人",
        "gender": "男",
        "ethnicity": "",
        "region": region.pk,
        "unit": "矩阵测试单位",
        "post": "",
        "phone": "",
        "topics": "",
        "note": "",
        "active": "on",
        "honours-TOTAL_FORMS": "0",
        "honours-INITIAL_FORMS": "0",
        "honours-MIN_NUM_FORMS": "0",
        "honours-MAX_NUM_FORMS": "1000",
    }


def group_payload(fx: MatrixWorld, user_key: str, group=None) -> dict:
    region = group.region if group else fx.home_region(user_key)
    return {
        "name": f"{group.name}（改）" if group else "矩阵新宣讲团",
        "region": region.pk,
        "batch": "2",
        "formed_on": "",
        "description": "矩阵测试",
    }


def school_payload(fx: MatrixWorld, user_key: str, school=None) -> dict:
    region = school.region if school else fx.home_region(user_key)
    if not region.is_county_level:
        region = fx.world.a.region
    return {
        "name": school.name if school else "矩阵新学校",
        "code": "",
        "region": region.pk,
        "stage": school.stage if school else "primary",
        "ownership": "public",
        "student_count": "999",
        "address": "矩阵测试",
    }


def organisation_payload(fx: MatrixWorld, user_key: str, organisation=None) -> dict:
    region = organisation.region if organisation else fx.home_region(user_key)
    return {
        "name": organisation.name if organisation else "矩阵新机构",
        "kind": organisation.kind if organisation else "union",
        "region": region.pk,
        "address": "矩阵测试",
    }


def add_member_payload(fx: MatrixWorld, user_key: str, group=None) -> dict:
    place = next(p for p in PLACES if fx.object("group", p) == group)
    return {"person": fx.object("spare", place).pk}


def archive_first(obj) -> None:
    type(obj)._base_manager.filter(pk=obj.pk).update(archived_at=timezone.now())


# The routes -------------------------------------------------------------------------------------

Payload = Callable[..., dict]


@dataclass(frozen=True)
class Route:
    """What the matrix knows about one URL name.

    `params` maps each URL argument to the kind of object it names (the first is the one the
    access rule is about); `kind` and `action` name the rule in `REACH`; with no `kind` any
    signed-in user may. `get`/`post` are the statuses of an allowed GET/POST (None: not offered).
    """

    name: str
    params: dict[str, str] = field(default_factory=dict)
    kind: str | None = None
    action: str = "view"
    get: int | None = 200
    post: int | None = None
    payload: Payload | None = None
    prepare: Callable[[Any], None] | None = None
    changes: bool = True  # whether an allowed POST changes the database
    always: int | None = None  # the same answer for everyone, signed in or not

    @property
    def api(self) -> bool:
        return self.name.startswith("api:")

    @property
    def subject_kind(self) -> str | None:
        return next(iter(self.params.values()), None) if self.params else self.kind


def _pages(prefix: str, kind: str, payload: Payload, *, archive_action: str = "change"):
    pk = {"pk": kind}
    return [
        Route(f"{prefix}-list", kind=kind),
        Route(f"{prefix}-create", kind=kind, action="create", post=302, payload=payload),
        Route(f"{prefix}-detail", pk),
        Route(f"{prefix}-edit", pk, action="change", post=302, payload=payload),
        Route(f"{prefix}-archive", pk, action=archive_action, get=None, post=302),
        Route(
            f"{prefix}-restore",
            pk,
            action=archive_action,
            get=None,
            post=302,
            prepare=archive_first,
        ),
        Route(f"{prefix}-history", pk),
    ]


ROUTES: dict[str, Route] = {
    route.name: route
    for route in [
        Route("home"),
        Route("password-change"),
        *_pages("people:person", "person", person_payload, archive_action="archive"),
        Route("people:person-phone", {"pk": "person"}, action="reveal", get=None, post=200),
        # An empty upload: the form answers with its errors, and nothing is imported.
        Route("people:roster-import", kind="roster", action="import", post=200, changes=False),
        Route("people:me", kind="person", action="own", get=302),
        *_pages("people:group", "group", group_payload),
        Route(
            "people:group-member-add",
            {"pk": "group"},
            action="change",
            get=None,
            post=302,
            payload=add_member_payload,
        ),
        Route(
            "people:group-member-remove",
            {"pk": "group", "membership_pk": "membership"},
            action="change",
            get=None,
            post=302,
        ),
        Route("people:group-roster", {"pk": "group"}, action="export"),
        *_pages("schools:school", "school", school_payload),
        Route("regions:region-list", kind="region"),
        Route("regions:region-detail", {"pk": "region"}),
        *_pages("regions:organisation", "organisation", organisation_payload),
        Route("audit:audit-list", kind="audit"),
        # The API. Lists answer every signed-in user with what their scope holds (possibly
        # nothing); single objects follow the same rules as the pages.
        Route("api:api-root", always=404),
        Route("api:openapi-json"),
        Route("api:openapi-view"),
        Route("api:list_regions"),
        Route("api:get_region", {"region_id": "region"}),
        Route("api:list_schools"),
        Route("api:get_school", {"school_id": "school"}),
        Route("api:list_model_workers"),
        Route("api:get_model_worker", {"person_id": "person"}),
        Route("api:reveal_phone", {"person_id": "person"}, action="reveal", get=None, post=200),
        Route("api:list_lecture_groups"),
        Route("api:get_lecture_group", {"group_id": "group"}),
    ]
}


# Running it -------------------------------------------------------------------------------------


def _watched_tables() -> list[tuple[str, str]]:
    tables = []
    for label in WATCHED_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            tables.append((model._meta.db_table, model._meta.pk.column))
    return tables


def snapshot() -> str:
    """A digest of every row of every watched table (history and audit log included)."""
    digest = hashlib.sha256()
    with connection.cursor() as cursor:
        for table, pk in _watched_tables():
            quote = connection.ops.quote_name
            cursor.execute(f"SELECT * FROM {quote(table)} ORDER BY {quote(pk)}")  # noqa: S608
            digest.update(repr((table, cursor.fetchall())).encode())
    return digest.hexdigest()


def allowed(user_key: str | None, route: Route, place: str | None) -> bool:
    if route.kind is None and not route.params:
        return user_key is not None
    reach = REACH.get(user_key, {}) if user_key else {}
    places = reach.get((route.subject_kind, route.action), NOWHERE)
    return place in places if place else bool(places)


def secrets_of(obj) -> list[str]:
    """What a refused answer must not contain about `obj`: its name, and a person's phone."""
    if obj._meta.model_name == "region":
        return []  # administrative names are public, and the user's own is in every page frame
    values = [str(obj)]
    phone = getattr(obj, "phone", "")
    if phone:
        values += [phone, obj.masked_phone]
    return values


@dataclass
class Cell:
    user: str | None
    route: str
    method: str
    place: str | None
    status: int
    expected: str
    problem: str = ""

    def __str__(self) -> str:
        where = f" [{self.place}]" if self.place else ""
        who = self.user or "anonymous"
        return (
            f"{who} {self.method} {self.route}{where}: {self.status}, expected {self.expected}"
            f"{' — ' + self.problem if self.problem else ''}"
        )


class Matrix:
    """Runs every route, method and place for one user (or anonymous) and lists what is wrong."""

    def __init__(self, client, fx: MatrixWorld, user_key: str | None):
        self.client = client
        self.fx = fx
        self.user_key = user_key
        self.requests = 0

    def cells(self) -> Iterator[tuple[Route, str, str | None]]:
        for route in ROUTES.values():
            places = PLACES if route.params else (None,)
            for place in places:
                # A POST-only view is asked with GET too: it must answer 404 or 405 alike.
                for method in ("GET", "POST"):
                    if method == "GET" or route.post is not None:
                        yield route, method, place

    def url(self, route: Route, place: str | None) -> tuple[str, dict[str, Any]]:
        objects = {name: self.fx.object(kind, place) for name, kind in route.params.items()}
        return reverse(route.name, kwargs={k: v.pk for k, v in objects.items()}), objects

    def run(self) -> list[Cell]:
        problems = []
        for route, method, place in self.cells():
            cell = self.check(route, method, place)
            if cell.problem:
                problems.append(cell)
        return problems

    def send(self, route: Route, method: str, url: str, data: dict | None):
        extra = {}
        if route.api and self.user_key:
            extra["HTTP_AUTHORIZATION"] = f"Bearer {self.fx.token(self.user_key)}"
        self.requests += 1
        if method == "GET":
            response = self.client.get(url, **extra)
        else:
            response = self.client.post(url, data or {}, **extra)
        self.client.cookies.pop("messages", None)
        return response

    def expectation(self, route: Route, method: str, place: str | None) -> tuple[set[int], bool]:
        """The statuses that are right for this cell, and whether the request is granted."""
        wanted = route.get if method == "GET" else route.post
        if route.always is not None:
            return {route.always}, False
        if self.user_key is None:
            # The API checks the method before the caller: GET on a POST-only endpoint is a 405.
            return ({401} | ({405} if wanted is None else set())) if route.api else {302}, False
        if wanted is None:
            return {404, 405}, False
        if allowed(self.user_key, route, place):
            return {wanted}, True
        return {404}, False

    def check(self, route: Route, method: str, place: str | None) -> Cell:
        url, objects = self.url(route, place)
        subject = next(iter(objects.values()), None)
        expected, granted = self.expectation(route, method, place)
        data = None
        if method == "POST" and route.payload is not None:
            data = route.payload(self.fx, self.user_key or "county_union_a", subject)
        with transaction.atomic():
            if route.prepare and subject is not None:
                route.prepare(subject)
            before = snapshot() if method == "POST" or not granted else None
            response = self.send(route, method, url, data)
            changed = before is not None and snapshot() != before
            transaction.set_rollback(True)
        cell = Cell(self.user_key, route.name, method, place, response.status_code, "")
        cell.expected = " or ".join(str(code) for code in sorted(expected))
        cell.problem = self.problem(route, method, response, expected, granted, changed, objects)
        return cell

    def problem(self, route, method, response, expected, granted, changed, objects) -> str:
        status = response.status_code
        subject = next(iter(objects.values()), None)
        body = b"" if response.streaming else response.content
        if status not in expected:
            return "wrong status"
        if granted:
            if method == "POST":
                return "" if changed or not route.changes else "allowed POST changed nothing"
            if subject is None:
                return ""
            if route.api:
                return "" if response.json().get("id") == subject.pk else "wrong object"
            if (
                response["Content-Type"].startswith("text/html")
                and str(subject).encode() not in body
            ):
                return "answered without the object"
            return ""
        if changed:
            return "the database changed"
        if (
            self.user_key is None
            and not route.api
            and route.always is None
            and not response["Location"].startswith(reverse(settings.LOGIN_URL))
        ):
            return "anonymous request not sent to sign in"
        json_refusal = route.api and route.always is None and status in (401, 404)
        if json_refusal and not response.json().get("detail"):
            return "API refusal without a JSON body"
        for obj in objects.values():
            for secret in secrets_of(obj):
                if secret.encode() in body:
                    return f"refusal mentions {secret!r}"
        return ""


def run_matrix(client, fx: MatrixWorld, user_key: str | None) -> tuple[list[Cell], int]:
    if user_key is not None:
        from laomo.core.testing.factories import PASSWORD

        assert client.login(username=fx.world.user(user_key).username, password=PASSWORD)
        fx.token(user_key)  # outside the rolled-back requests
    matrix = Matrix(client, fx, user_key)
    return matrix.run(), matrix.requests
