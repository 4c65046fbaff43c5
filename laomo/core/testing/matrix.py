"""The authorization matrix: every URL the site answers, asked by every role about objects in
county A, in county B and at city level (NetBox's inherited permission battery, for all pages at
once).

`ROUTES` knows every named URL pattern: which object each URL argument names, what a role must be
allowed to do to that object, and what a successful GET, POST or PUT answers. `REACH` says, for each
test account, where it may do what — written out by hand from DESIGN.md's roles table and
`laomo.core.roles`, not computed from the querysets under test. A page added without an entry
here fails `test_every_url_pattern_is_known`, so new pages inherit the battery.

Each request runs inside a savepoint that is rolled back afterwards, so every cell starts from the
same world, and a snapshot of every registry, people, outreach, notice and audit table taken
before and after tells whether a refused request changed anything (and an allowed POST something).

Talks (the outreach module) have places of their own: beside county A's, county B's and the
city's own talk, a city-organised talk held at county A's school ("city_in_a": county A sees it but
may not change it) and a talk school A invited on its own ("school_a"). Each talk has a booking of
its lecturer and a submitted report with one photo; routes whose action needs another state (a
confirmed talk to cancel, an invitation to answer) `prepare` it inside the rolled-back savepoint.
Notices are per user: "own" is the asking user's, "other" someone else's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from laomo.accounts.models import ApiToken
from laomo.audit.models import AuditEntry, RefusalWindow
from laomo.audit.services import REFUSAL_ACTIONS
from laomo.core.roles import OFFICIAL_ROLES
from laomo.core.scoping import Scope
from laomo.core.suggest import KINDS as SUGGEST_KINDS
from laomo.core.testing.factories import (
    OrganisationFactory,
    PersonFactory,
    SchoolFactory,
)
from laomo.core.testing.world import World
from laomo.halfyear import testing as halfyear_testing
from laomo.people.models import Membership

# Public by design: signing in (the password, then a second factor's code) and out, and the load
# balancer's health check.
PUBLIC = frozenset({"login", "login-code", "logout", "healthz"})
# The superuser-only Django admin and static files are not the app's pages.
SKIPPED_PREFIXES = ("admin/", "static/")

# The public showcase: only what a school agreed to show (laomo/showcase/tests).
PUBLIC |= {"showcase:index", "showcase:photo", "showcase:photo-thumb"}

PLACES = ("a", "b", "city")
EVERYWHERE = frozenset(PLACES)
NOWHERE: frozenset[str] = frozenset()

# Where talks are: county A's and county B's own, the city's own at the city's school, a
# city-organised talk at county A's school, and a talk school A invited on its own.
TALK_PLACES = ("a", "b", "city", "city_in_a", "school_a")
ALL_TALKS = frozenset(TALK_PLACES)
# A notice is the asking user's own, or another user's.
NOTICE_PLACES = ("own", "other")
OWN = frozenset({"own"})
PLACES_OF = {
    "talk": TALK_PLACES,
    "photo": TALK_PLACES,
    "booking": TALK_PLACES,
    "report": TALK_PLACES,
    "draft_photo": TALK_PLACES,
    "notice": NOTICE_PLACES,
}
# A photo is seen exactly when its talk is (the rule, not a shortcut); a draft's photo exactly
# when its talk's report may be filed.
SAME_RULE_AS = {"photo": "talk", "draft_photo": "talk"}

# Apps whose tables a refused request must leave exactly as they were (including the history
# tables and the audit log).
WATCHED_APPS = ("regions", "schools", "people", "audit", "outreach", "notices", "halfyear")


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
        # Officials also open the profiles of the city's lecturers, whom every county may invite.
        ("person", "open"): places | CITY,
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
CITY = frozenset({"city"})
# The talks a county-A official, or school A, sees: those held at county A's schools, whoever
# organised them.
AT_A = frozenset({"a", "city_in_a", "school_a"})
CITY_ORGANISED = frozenset({"city", "city_in_a"})


def _talks(
    *,
    view: frozenset[str],
    change: frozenset[str] = NOWHERE,
    report: frozenset[str] = NOWHERE,
    respond: frozenset[str] = NOWHERE,
    review: frozenset[str] = NOWHERE,
    create: frozenset[str] = NOWHERE,
    consent: frozenset[str] = NOWHERE,
) -> Reach:
    """Talks (002 三、四; DESIGN.md): officials see the talks held in or organised by their
    region; only the organising level changes a talk (a school, its own invitations); the
    organisers or the hosting school file the report; the city's union and education bureau
    review it; a lecturer answers their own invitations, the organisers may for them; only the
    hosting school says whether a talk's photos may be shown to the public."""
    return {
        ("talk", "view"): view,
        ("talk", "change"): change,
        ("talk", "report"): report,
        ("talk", "respond"): respond,
        ("talk", "review"): review,
        ("talk", "create"): create,
        ("talk", "consent"): consent,
    }


def _city_talks() -> Reach:
    return {
        # The city's offices reset the second factor of an account in the city (a lost phone).
        ("account", "reset"): CITY,
        **_talks(
            view=ALL_TALKS,
            change=CITY_ORGANISED,
            report=CITY_ORGANISED,
            respond=CITY_ORGANISED,
            review=ALL_TALKS,
            create=CITY,
        ),
        ("programme", "change"): CITY,
    }


def _county_talks(county: frozenset[str], seen: frozenset[str]) -> Reach:
    return _talks(view=seen, change=county, report=county, respond=county, create=county)


def _oversight(places: frozenset[str]) -> Reach:
    """The figures (dashboard, coverage list, API) of the official's own region; a lecturer's
    load for the lecturers booked and confirmed on talks there (county A's lecturer speaks at
    county A's talks, B's at B's, the city's at the city's own)."""
    return {("oversight", "view"): places, ("lecturer", "view"): places}


def _half_years(view: frozenset[str], change: frozenset[str], review=NOWHERE) -> Reach:
    """Half-year reports (002 四(六)): each county files its own to the city; the city reads
    them all, returns them, urges the late ones (催报), and writes its own consolidated report."""
    return {
        ("halfyear", "view"): view,
        ("halfyear", "change"): change,
        ("halfyear", "create"): change,
        ("halfyear", "review"): review,
        ("halfyear", "urge"): review,
    }


# Every account reads its own notices, and only those.
_NOTICES: Reach = {("notice", "view"): OWN}

# The union runs the programme; the education bureau owns the school list (DESIGN.md). A school
# contact sees their own school; a model worker sees and updates their own record and sees the
# groups they belong to; a reviewer has nothing in the registry.
REACH: dict[str, Reach] = {
    "city_union": {
        **_official(EVERYWHERE, schools=False, organisations=True),
        **_city_talks(),
        **_oversight(EVERYWHERE),
        **_half_years(EVERYWHERE, CITY, A | B),
        **_NOTICES,
    },
    "city_education": {
        **_official(EVERYWHERE, schools=True, organisations=True),
        **_city_talks(),
        **_oversight(EVERYWHERE),
        **_half_years(EVERYWHERE, CITY, A | B),
        **_NOTICES,
    },
    "county_union_a": {
        **_official(A, schools=False, organisations=False),
        **_county_talks(A, AT_A),
        **_oversight(A),
        **_half_years(A, A),
        **_NOTICES,
    },
    "county_education_a": {
        **_official(A, schools=True, organisations=False),
        **_county_talks(A, AT_A),
        **_oversight(A),
        **_half_years(A, A),
        **_NOTICES,
    },
    "county_union_b": {
        **_official(B, schools=False, organisations=False),
        **_county_talks(B, B),
        **_oversight(B),
        **_half_years(B, B),
        **_NOTICES,
    },
    "county_education_b": {
        **_official(B, schools=True, organisations=False),
        **_county_talks(B, B),
        **_oversight(B),
        **_half_years(B, B),
        **_NOTICES,
    },
    # A school sees and reports every talk held at it, but changes (and answers for the
    # lecturer of) only the talks it invited on its own (002 三(二)).
    "school_a": {
        ("school", "view"): A,
        ("school", "own"): A,
        **_talks(
            view=AT_A,
            change=frozenset({"school_a"}),
            report=AT_A,
            respond=frozenset({"school_a"}),
            create=frozenset({"school_a"}),
            consent=AT_A,
        ),
        **_NOTICES,
    },
    "school_b": {
        ("school", "view"): B,
        ("school", "own"): B,
        **_talks(view=B, report=B, create=B, consent=B),
        **_NOTICES,
    },
    # Lecturer A is booked for county A's talk and for school A's own invitation.
    "lecturer_a": {
        ("person", "view"): A,
        ("person", "open"): A,
        ("person", "change"): A,
        ("person", "own"): A,
        ("group", "view"): A,
        ("schedule", "own"): A,
        ("figures", "own"): A,
        **_talks(view=frozenset({"a", "school_a"}), respond=frozenset({"a", "school_a"})),
        **_NOTICES,
    },
    "reviewer": {**_NOTICES},
}
USERS = tuple(REACH)


# The objects URLs are filled with ---------------------------------------------------------------


@dataclass
class MatrixWorld:
    """The test world, with what it lacks for the matrix: a city-level organisation and school,
    and in every place a person who belongs to no group (for "add member"); with `add_talks`,
    the talks, their bookings, reports and photos, and a notice for every account."""

    world: World
    objects: dict[tuple[str, str], Any] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def object(self, kind: str, place: str, user_key: str | None = None):
        if kind == "notice":
            return self.objects[(kind, _notice_owner(user_key, place))]
        return self.objects[(kind, place)]

    def place_of(self, kind: str, obj) -> str:
        return next(p for p in PLACES_OF.get(kind, PLACES) if self.objects[(kind, p)] == obj)

    def home_region(self, user_key: str):
        """Where a user's new records go (county A for accounts that have no region)."""
        user = self.world.user(user_key)
        return (user.region if user.role in OFFICIAL_ROLES else None) or self.world.a.region

    def token(self, user_key: str) -> str:
        if user_key not in self.tokens:
            _token, raw = ApiToken.issue(self.world.user(user_key))
            self.tokens[user_key] = raw
        return self.tokens[user_key]


def _notice_owner(user_key: str | None, place: str) -> str:
    own = user_key or "county_union_a"
    if place == "own":
        return own
    return "county_union_b" if own != "county_union_b" else "county_union_a"


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


# Talks ------------------------------------------------------------------------------------------

# Titles no other record's name contains, so a leak of one is a leak of that talk.
TALK_TITLES = {
    "a": "原州区劳模宣讲",
    "b": "西吉县劳模宣讲",
    "city": "市级统筹专场宣讲",
    "city_in_a": "市级统筹进原州",
    "school_a": "一小自行邀请宣讲",
}


def _day(days: int, hour: int):
    """`hour` o'clock, `days` from today (negative: in the past), in the city's zone."""
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(timezone.datetime(day.year, day.month, day.day, hour))


def matrix_photo(seed: int):
    """A small photo that shows the banner, the lecturer and the audience at once."""
    from laomo.outreach import services
    from laomo.outreach.tests import imagefiles

    data = imagefiles.jpeg(imagefiles.picture(seed, (240, 200)))
    return services.PhotoUpload(
        data=data,
        filename=f"matrix-{seed}.jpg",
        shows_banner=True,
        shows_lecturer=True,
        shows_audience=True,
    )


def add_talks(fx: MatrixWorld) -> MatrixWorld:
    """In each talk place a talk held a few days ago, planned by its organiser through the
    services, its lecturer confirmed, its report (one photo) submitted and awaiting review; and
    an unread notice for every account. Call `build_matrix_world` first."""
    from laomo.notices.models import Notification
    from laomo.outreach import services

    world = fx.world
    city_lecturer = PersonFactory(name="马金莲", region=world.city, phone="15809644500")
    plans = {
        # place: (who plans it, where, who speaks, how many days ago)
        "a": ("county_union_a", world.a.school, world.a.person, 3),
        "b": ("county_union_b", world.b.school, world.b.person, 3),
        "city": ("city_union", fx.object("school", "city"), world.city_person, 3),
        "city_in_a": ("city_union", world.a.school, city_lecturer, 4),
        "school_a": ("school_a", None, world.a.person, 5),
    }
    for seed, (place, (user_key, school, person, days)) in enumerate(plans.items(), start=1):
        user = world.user(user_key)
        plan = services.TalkPlan(
            title=TALK_TITLES[place],
            starts_at=_day(-days, 9),
            ends_at=_day(-days, 11),
            venue="hall",
            form="first_lesson",
            lecturers=[person],
            school=school,
            expected_audience=200,
        )
        talk = services.plan_talk(plan, scope=Scope.for_user(user), acting_user=user).talk
        booking = talk.bookings.unrestricted().get()
        responder = world.user("lecturer_a") if person == world.a.person else user
        services.respond(booking, accept=True, acting_user=responder)
        report = services.submit_report(
            talk,
            students=40,
            teachers=5,
            others=0,
            account="矩阵报送",
            photos=[matrix_photo(seed)],
            acting_user=user,
        )
        talk.refresh_from_db()
        fx.objects.update(
            {
                ("talk", place): talk,
                ("lecturer", place): person,
                ("booking", place): booking,
                ("report", place): report,
                ("photo", place): report.photos.unrestricted().get(),
                ("draft_photo", place): _draft_photo(talk, seed),
            }
        )
    for key, user in world.users.items():
        fx.objects[("notice", key)] = Notification.objects.create(
            user=user, kind="matrix", title=f"给{key}的矩阵消息", url="/"
        )
    return fx


def _draft_photo(talk, seed: int):
    """A draft beside the filed report (as if the report were being written again), holding one
    received photo: the draft's photo route needs one in every place. Written directly: the
    service keeps drafts to talks whose report may be filed, and these are filed already."""
    from django.core.files.base import ContentFile

    from laomo.outreach import photos
    from laomo.outreach.models import DraftPhoto, ReportDraft, private_storage

    processed = photos.process_photo(matrix_photo(100 + seed).data)
    draft = ReportDraft.objects.create(talk=talk, students=40, account="矩阵草稿")
    photo = DraftPhoto(draft=draft, phash=processed.phash, caption="矩阵草稿照片")
    with transaction.atomic(), private_storage.journal():
        photo.image.save("photo.jpg", ContentFile(processed.jpeg), save=False)
        photo.thumbnail.save("thumb.jpg", ContentFile(processed.thumbnail), save=False)
        photo.save()
    return photo


def _set_state(talk, status: str, booking_status: str) -> None:
    from laomo.outreach.models import Booking, Talk

    Talk.objects.unrestricted().filter(pk=talk.pk).update(status=status)
    Booking.objects.unrestricted().filter(talk_id=talk.pk).update(status=booking_status)


def confirmed_first(talk) -> None:
    """A confirmed talk, to change, cancel or mark as held."""
    _set_state(talk, "confirmed", "confirmed")


def invited_first(talk) -> None:
    """A planned talk whose lecturer has not answered yet."""
    _set_state(talk, "planned", "invited")


def held_first(talk) -> None:
    """A talk that took place and awaits its report."""
    _set_state(talk, "held", "confirmed")


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


# Where each account plans a new talk: its own place's school and lecturer.
HOME_TALK = {
    "city_union": "city",
    "city_education": "city",
    "county_union_a": "a",
    "county_education_a": "a",
    "county_union_b": "b",
    "county_education_b": "b",
    "school_a": "school_a",
    "school_b": "b",
}


def _talk_source(fx: MatrixWorld, user_key: str, talk=None):
    """The talk a payload copies its school, lecturer and time from, and its new title and
    time: the talk itself when changing it, the account's home talk (20 days on) when planning."""
    place = fx.place_of("talk", talk) if talk is not None else HOME_TALK.get(user_key, "a")
    source = fx.object("talk", place)
    if talk is not None:
        return source, fx.object("lecturer", place), f"{talk.title}（改）", talk.starts_at
    return source, fx.object("lecturer", place), "矩阵新活动", _day(20, 9)


def talk_form_payload(fx: MatrixWorld, user_key: str, talk=None) -> dict:
    source, lecturer, title, starts = _talk_source(fx, user_key, talk)
    local = timezone.localtime
    return {
        "title": title,
        "place": "school",
        "school": source.school_id,
        "online_platform": "",
        "special_name": "",
        "starts_at": f"{local(starts):%Y-%m-%dT%H:%M}",
        "ends_at": f"{local(starts + timedelta(hours=2)):%Y-%m-%dT%H:%M}",
        "lecturers": [lecturer.pk],
        "venue": "hall",
        "form": "first_lesson",
        "form_other": "",
        "expected_audience": "100",
        "cost": "0",
        "note": "",
    }


def talk_api_payload(fx: MatrixWorld, user_key: str, talk=None) -> dict:
    source, lecturer, title, starts = _talk_source(fx, user_key, talk)
    return {
        "title": title,
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "venue": "hall",
        "form": "first_lesson",
        "lecturer_ids": [lecturer.pk],
        "place": "school",
        "school_id": source.school_id,
        "expected_audience": 100,
    }


def cancel_payload(fx, user_key, talk=None) -> dict:
    return {"reason": "矩阵取消"}


def accept_payload(fx, user_key, talk=None) -> dict:
    return {"accept": "1"}


def accept_api_payload(fx, user_key, talk=None) -> dict:
    return {"accept": True}


def review_payload(fx, user_key, talk=None) -> dict:
    return {"decision": "accept"}


def consent_payload(fx, user_key, talk=None) -> dict:
    return {"consent": "1"}


def return_payload(fx, user_key, talk=None) -> dict:
    return {"reasons": "矩阵退回：横幅看不清"}


def _upload(seed: int):
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = matrix_photo(seed)
    return SimpleUploadedFile(photo.filename, photo.data, content_type="image/jpeg")


def report_form_payload(fx, user_key, talk=None) -> dict:
    """The report page's multipart form: the audience, an account and one photo that shows
    everything."""
    return {
        "students": "40",
        "teachers": "5",
        "others": "0",
        "account": "矩阵报送",
        "action": "submit",
        "photos": [_upload(90)],
        "new-0-caption": "",
        "new-0-banner": "on",
        "new-0-lecturer": "on",
        "new-0-audience": "on",
    }


def report_api_payload(fx, user_key, talk=None) -> dict:
    return {
        "students": "40",
        "teachers": "5",
        "others": "0",
        "account": "矩阵报送",
        "photos": [_upload(91)],
        "shows": ["banner,lecturer,audience"],
    }


def programme_payload(fx, user_key, obj=None) -> dict:
    return {
        "year": str(timezone.localdate().year),
        "banner_template": "{year}年{city}矩阵宣讲（{name}专场）",
        "min_audience": "25",
        "quota_total": "20",
        "quota_city": "5",
        "quota_county": "3",
        "quota_zone": "",
    }


def password_payload(prefix: str) -> Payload:
    def payload(fx, user_key, obj=None) -> dict:
        from laomo.core.testing.factories import PASSWORD

        return {f"{prefix}-password": PASSWORD}

    return payload


def second_factor_reset_payload(fx, user_key, obj=None) -> dict:
    return {"user": fx.world.user("county_union_b").pk, "reason": "矩阵：手机丢失"}


def archive_first(obj) -> None:
    type(obj)._base_manager.filter(pk=obj.pk).update(archived_at=timezone.now())


# The routes -------------------------------------------------------------------------------------

Payload = Callable[..., dict]


@dataclass(frozen=True)
class Route:
    """What the matrix knows about one URL name.

    `params` maps each URL argument to the kind of object it names (the first is the one the
    access rule is about); `kind` and `action` name the rule in `REACH`; with no `kind` any
    signed-in user may. `get`/`post`/`put` are the statuses of an allowed request (None: not
    offered). `only` names the methods to ask when the URL is shared with another route (the
    API names each operation on one path separately). `json` sends the payload as JSON.
    """

    name: str
    params: dict[str, str] = field(default_factory=dict)
    kind: str | None = None
    action: str = "view"
    get: int | None = 200
    post: int | None = None
    put: int | None = None
    payload: Payload | None = None
    prepare: Callable[[Any], None] | None = None
    changes: bool = True  # whether an allowed POST changes the database
    always: int | None = None  # the same answer for everyone, signed in or not
    only: tuple[str, ...] | None = None
    json: bool = False

    @property
    def api(self) -> bool:
        return self.name.startswith("api:")

    @property
    def subject_kind(self) -> str | None:
        return next(iter(self.params.values()), None) if self.params else self.kind

    @property
    def places(self) -> tuple[str | None, ...]:
        return PLACES_OF.get(self.subject_kind, PLACES) if self.params else (None,)

    @property
    def methods(self) -> tuple[str, ...]:
        if self.only is not None:
            return self.only
        # A POST-only view is asked with GET too: it must answer 404 or 405 alike.
        return (
            "GET",
            *(("POST",) if self.post is not None else ()),
            *(("PUT",) if self.put is not None else ()),
        )

    def wanted(self, method: str) -> int | None:
        return {"GET": self.get, "POST": self.post, "PUT": self.put}[method]


def _pages(
    prefix: str,
    kind: str,
    payload: Payload,
    *,
    archive_action: str = "change",
    detail_action: str = "view",
):
    pk = {"pk": kind}
    return [
        Route(f"{prefix}-list", kind=kind),
        Route(f"{prefix}-create", kind=kind, action="create", post=302, payload=payload),
        Route(f"{prefix}-detail", pk, action=detail_action),
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


TALK = {"pk": "talk"}
API_TALK = {"talk_id": "talk"}

OUTREACH_ROUTES = [
    Route("outreach:talk-list", kind="talk"),
    Route(
        "outreach:talk-create",
        kind="talk",
        action="create",
        post=302,
        payload=talk_form_payload,
    ),
    Route("outreach:talk-calendar", kind="talk"),
    Route("outreach:talk-detail", TALK),
    Route(
        "outreach:talk-edit",
        TALK,
        action="change",
        post=302,
        payload=talk_form_payload,
        prepare=confirmed_first,
    ),
    Route(
        "outreach:talk-cancel",
        TALK,
        action="change",
        get=None,
        post=302,
        payload=cancel_payload,
        prepare=confirmed_first,
    ),
    Route("outreach:talk-held", TALK, action="change", get=None, post=302, prepare=confirmed_first),
    Route(
        "outreach:talk-respond",
        {"pk": "talk", "booking_pk": "booking"},
        action="respond",
        get=None,
        post=302,
        payload=accept_payload,
        prepare=invited_first,
    ),
    Route(
        "outreach:talk-report",
        TALK,
        action="report",
        post=302,
        payload=report_form_payload,
        prepare=held_first,
    ),
    Route(
        "outreach:talk-review",
        {"pk": "talk", "report_pk": "report"},
        action="review",
        get=None,
        post=302,
        payload=review_payload,
    ),
    Route("outreach:talk-archive", TALK, action="change", get=None, post=302),
    Route(
        "outreach:talk-restore",
        TALK,
        action="change",
        get=None,
        post=302,
        prepare=archive_first,
    ),
    Route("outreach:talk-banner", TALK),
    Route("outreach:talk-history", TALK),
    Route("outreach:photo", {"pk": "photo"}),
    Route("outreach:photo-thumb", {"pk": "photo"}),
    Route("outreach:draft-photo-thumb", {"pk": "draft_photo"}, action="report"),
    Route(
        "outreach:talk-consent",
        {"pk": "talk", "report_pk": "report"},
        action="consent",
        get=None,
        post=302,
        payload=consent_payload,
    ),
    Route("outreach:my-schedule", kind="schedule", action="own"),
    Route("outreach:my-calendar", kind="schedule", action="own"),
    # Everyone signed in has notices: the list shows (and POST marks read) their own only.
    Route("outreach:notices", post=302),
    Route("outreach:notice-open", {"pk": "notice"}, get=302, post=302),
    Route(
        "outreach:programme",
        kind="programme",
        action="change",
        post=302,
        payload=programme_payload,
    ),
    Route("api:list_talks"),
    Route(
        "api:create_talk",
        kind="talk",
        action="create",
        only=("POST",),
        post=201,
        payload=talk_api_payload,
        json=True,
    ),
    Route("api:get_talk", API_TALK),
    Route(
        "api:update_talk",
        API_TALK,
        action="change",
        only=("PUT",),
        put=200,
        payload=talk_api_payload,
        json=True,
        prepare=confirmed_first,
    ),
    Route(
        "api:cancel_talk",
        API_TALK,
        action="change",
        get=None,
        post=200,
        payload=cancel_payload,
        json=True,
        prepare=confirmed_first,
    ),
    Route("api:mark_held", API_TALK, action="change", get=None, post=200, prepare=confirmed_first),
    Route(
        "api:respond",
        {"talk_id": "talk", "booking_id": "booking"},
        action="respond",
        get=None,
        post=200,
        payload=accept_api_payload,
        json=True,
        prepare=invited_first,
    ),
    Route(
        "api:submit_report",
        API_TALK,
        action="report",
        get=None,
        post=201,
        payload=report_api_payload,
        prepare=held_first,
    ),
    Route(
        "api:accept_report",
        {"talk_id": "talk", "report_id": "report"},
        action="review",
        get=None,
        post=200,
    ),
    Route(
        "api:return_report",
        {"talk_id": "talk", "report_id": "report"},
        action="review",
        get=None,
        post=200,
        payload=return_payload,
        json=True,
    ),
]

# The figures: city and county officials see their own region's; a lecturer's load opens only
# for a lecturer confirmed on a talk within the asker's region; a lecturer sees their own figures.
OVERSIGHT_ROUTES = [
    Route("oversight:dashboard", kind="oversight"),
    Route("oversight:coverage", kind="oversight"),
    Route("oversight:lecturers", kind="oversight"),
    # `lecturer` is the person booked on the talk of each place (see `add_talks`).
    Route("oversight:lecturer-talks", {"pk": "lecturer"}),
    Route("oversight:my-dashboard", kind="figures", action="own"),
    Route("api:oversight_quotas", kind="oversight"),
    Route("api:oversight_coverage", kind="oversight"),
]

HALFYEAR = {"pk": "halfyear"}
HALF_YEAR_ROUTES = [
    Route("halfyear:index", kind="halfyear"),
    Route(
        "halfyear:open",
        kind="halfyear",
        action="create",
        get=None,
        post=302,
        payload=halfyear_testing.open_payload,
    ),
    Route(
        "halfyear:urge",
        kind="halfyear",
        action="urge",
        get=None,
        post=302,
        payload=halfyear_testing.urge_payload,
    ),
    Route("halfyear:report", HALFYEAR),
    Route(
        "halfyear:save",
        HALFYEAR,
        action="change",
        get=None,
        post=302,
        payload=halfyear_testing.narrative_payload,
    ),
    Route(
        "halfyear:submit",
        HALFYEAR,
        action="change",
        get=None,
        post=302,
        payload=halfyear_testing.narrative_payload,
    ),
    Route(
        "halfyear:return",
        HALFYEAR,
        action="review",
        get=None,
        post=302,
        payload=halfyear_testing.return_payload,
        prepare=halfyear_testing.submitted_first,
    ),
    Route("halfyear:docx", HALFYEAR),
    Route("halfyear:xlsx", HALFYEAR),
    Route("halfyear:history", HALFYEAR),
]

ROUTES: dict[str, Route] = {
    route.name: route
    for route in [
        Route("home"),
        Route("password-change"),
        # The options a filter's search box offers: scoped rows, tested in core/tests/test_suggest.
        *(Route(f"suggest-{kind}") for kind in SUGGEST_KINDS),
        # Every account may set up its own second factor, and nobody else's. The matrix's accounts
        # have none: new recovery codes or a new authenticator are refused, changing nothing.
        Route("two-factor"),
        Route(
            "recovery-codes", get=None, post=302, payload=password_payload("codes"), changes=False
        ),
        Route(
            "two-factor-replace",
            get=None,
            post=302,
            payload=password_payload("replace"),
            changes=False,
        ),
        # The city's offices, for the accounts within the city that have a second factor (none
        # here: the form answers 400 and nothing changes).
        Route(
            "two-factor-reset",
            kind="account",
            action="reset",
            post=400,
            payload=second_factor_reset_payload,
            changes=False,
        ),
        # A person's page opens for those who may see the person, and for a county also for the
        # city's lecturers it may invite (their phone masked, no reveal, no history).
        *_pages(
            "people:person",
            "person",
            person_payload,
            archive_action="archive",
            detail_action="open",
        ),
        Route("people:person-phone", {"pk": "person"}, action="reveal", get=None, post=200),
        # An empty upload: the form answers 400 with its errors, and nothing is imported.
        Route("people:roster-import", kind="roster", action="import", post=400, changes=False),
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
        # 本校: a school contact's own school; nobody else has one.
        Route("schools:my-school", kind="school", action="own"),
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
        *OUTREACH_ROUTES,
        *OVERSIGHT_ROUTES,
        *HALF_YEAR_ROUTES,
    ]
}


# Running it -------------------------------------------------------------------------------------


def _watched_queries() -> list[tuple[str, str]]:
    """One SELECT per watched table, every column read as text: the digest needs the values,
    not Python objects (parsing every timestamp of every history row was most of its cost)."""
    quote = connection.ops.quote_name
    queries = []
    for label in WATCHED_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            meta = model._meta
            columns = ", ".join(
                f"CAST({quote(f.column)} AS TEXT)" for f in meta.concrete_fields if f.column
            )
            table, pk = quote(meta.db_table), quote(meta.pk.column)
            if model is RefusalWindow:
                continue  # the count of refusals: what a refused request is meant to write
            where = ""
            if model is AuditEntry:
                # A refused request writes its refusal (越权访问) and nothing else.
                refusals = ", ".join(f"'{action}'" for action in set(REFUSAL_ACTIONS.values()))
                where = f" WHERE {quote('action')} NOT IN ({refusals})"
            sql = f"SELECT {columns} FROM {table}{where} ORDER BY {pk}"  # noqa: S608 - names
            queries.append((meta.db_table, sql))
    return queries


def snapshot() -> str:
    """A digest of every row of every watched table (history and audit log included)."""
    digest = hashlib.sha256()
    with connection.cursor() as cursor:
        for table, sql in _watched_queries():
            cursor.execute(sql)
            digest.update(repr((table, cursor.fetchall())).encode())
    return digest.hexdigest()


def allowed(user_key: str | None, route: Route, place: str | None) -> bool:
    if route.kind is None and not route.params:
        return user_key is not None
    reach = REACH.get(user_key, {}) if user_key else {}
    kind = route.subject_kind
    places = reach.get((SAME_RULE_AS.get(kind, kind), route.action), NOWHERE)
    return place in places if place else bool(places)


def secrets_of(obj) -> list[str]:
    """What a refused answer must not contain about `obj`: its name, and a person's phone; for a
    booking, its talk's title and its lecturer's name and phone."""
    if obj._meta.model_name == "region":
        return []  # administrative names are public, and the user's own is in every page frame
    if obj._meta.model_name == "booking":
        return [obj.talk.title, *secrets_of(obj.person)]
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
        self.unprepared: str | None = None

    def cells(self) -> Iterator[tuple[Route, str, str | None]]:
        for route in ROUTES.values():
            for place in route.places:
                for method in route.methods:
                    yield route, method, place

    def url(self, route: Route, place: str | None) -> tuple[str, dict[str, Any]]:
        objects = {
            name: self.fx.object(kind, place, self.user_key) for name, kind in route.params.items()
        }
        return reverse(route.name, kwargs={k: v.pk for k, v in objects.items()}), objects

    def before(self, route: Route) -> str:
        """The snapshot before a request. Every request is rolled back, so the world before an
        unprepared one is always the same: that is taken once. (A preparation may stamp the
        time, so a prepared request has its own.)"""
        if route.prepare is not None:
            return snapshot()
        if self.unprepared is None:
            self.unprepared = snapshot()
        return self.unprepared

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
        if route.json:
            extra["content_type"] = "application/json"
        self.requests += 1
        if method == "GET":
            response = self.client.get(url, **extra)
        elif method == "PUT":
            response = self.client.put(url, data or {}, **extra)
        else:
            response = self.client.post(url, data or {}, **extra)
        self.client.cookies.pop("messages", None)
        return response

    def expectation(self, route: Route, method: str, place: str | None) -> tuple[set[int], bool]:
        """The statuses that are right for this cell, and whether the request is granted."""
        wanted = route.wanted(method)
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
        if method != "GET" and route.payload is not None:
            data = route.payload(self.fx, self.user_key or "county_union_a", subject)
        with transaction.atomic():
            if route.prepare and subject is not None:
                route.prepare(subject)
            before = self.before(route) if method != "GET" or not granted else None
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
        # Files are streamed: read them, so that what a refusal sends is checked too.
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if status not in expected:
            return "wrong status"
        if granted:
            if method != "GET":
                return "" if changed or not route.changes else f"allowed {method} changed nothing"
            if subject is None or status in (301, 302):
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
        if body.startswith(b"\xff\xd8") or response.get("Content-Type", "").startswith("image/"):
            return "refusal serves a picture"
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
