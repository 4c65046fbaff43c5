"""Mass assignment: nobody sets a field they do not own by posting it.

Every form and API call that creates or changes something is sent, by an account that may use
it, its legitimate fields plus forged ones: the region of another county, the level, the
organiser, the status (a talk straight to accepted), the accounts that did things, archive and
demo flags, consent, the counts of a report already accepted, roles and superuser flags. Each
row of `CASES` then reads what was stored and names every field that is not what the server
decides. One table, one test: each row runs in a savepoint that is rolled back (as the
authorization matrix does, on the matrix's world), and the test lists everything that went wrong.

Two kinds of forgery, and each row says which answer it expects: a field the form or call does
not have must be read past while the request goes through (so the row shows the forgery was
ignored, not that the request failed for some other reason); a field the form has, given a
value out of the account's reach (another county's region or school), must be refused.

The account's own second-factor set-up and the Django admin follow the table, as tests of
their own: they need a session key and a staff account, which the table's rows do not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from laomo.accounts.models import ApiToken, User
from laomo.core.testing import matrix
from laomo.core.testing.factories import PASSWORD, UserFactory
from laomo.core.testing.matrix import ROUTES, MatrixWorld
from laomo.halfyear import testing as halfyear_testing
from laomo.halfyear.models import HalfYearReport
from laomo.outreach import services as talks
from laomo.outreach.documents import BannerDocument
from laomo.outreach.models import ProgrammeYear, Talk
from laomo.people.models import Honour, LectureGroup, Membership, Person
from laomo.regions.models import Organisation
from laomo.schools.models import School

LONG_AGO = "2001-01-01T08:00:00+08:00"
# What a registry record keeps to itself: whether it is archived or demo data, when it was made.
RECORD_FLAGS = {"archived_at": LONG_AGO, "is_demo": "on", "created_at": LONG_AGO}


@pytest.fixture
def fx(world, settings, tmp_path, monkeypatch):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    monkeypatch.setattr(BannerDocument, "render", lambda self: b"%PDF-1.7 banner")
    return halfyear_testing.add_half_years(matrix.add_talks(matrix.build_matrix_world(world)))


# Reading what was stored --------------------------------------------------------------------


def differences(obj, expected: dict) -> list[str]:
    """The fields of `obj`, read again from the database, that are not as `expected`; a list or
    set stands for the rows of a many-to-many field."""
    if obj is None:
        return ["nothing was stored"]
    obj = type(obj)._base_manager.get(pk=obj.pk)
    found = []
    for name, value in expected.items():
        actual = getattr(obj, name)
        if isinstance(value, (list, set)):
            actual, value = set(actual.all()), set(value)
        if actual != value:
            found.append(f"{name} = {actual!r}, server decides {value!r}")
    if getattr(obj, "created_at", None) and obj.created_at.year == 2001:
        found.append("created_at taken from the request")
    return found


def only(model, **lookup):
    """The one row `lookup` finds, or None (none, or more than one)."""
    rows = list(model._base_manager.filter(**lookup)[:2])
    return rows[0] if len(rows) == 1 else None


def none_stored(model, what: str, **lookup) -> Callable[[MatrixWorld], list[str]]:
    return lambda fx: [what] if model._base_manager.filter(**lookup).exists() else []


def user(fx: MatrixWorld, key: str) -> User:
    return fx.world.user(key)


# The rows -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One form or API call, sent by `user` with its legitimate fields and the forged ones
    (`data`). `status` is the answer that says the forgery was read past (the request went
    through) or refused; `check` names what the stored objects got wrong. `api` sends the data
    with the account's token, as JSON or ("multipart") as a form."""

    name: str
    user: str
    url: Callable[[MatrixWorld], str]
    data: Callable[[MatrixWorld], dict]
    status: int
    check: Callable[[MatrixWorld], list[str]]
    prepare: Callable[[MatrixWorld], None] | None = None
    api: str | None = None
    method: str = "post"

    @property
    def route(self) -> str:
        return self.name.split(" ")[0]


def url(name: str, **objects: tuple[str, str]) -> Callable[[MatrixWorld], str]:
    """The URL `name` with each argument filled with the matrix object (kind, place) it names."""
    return lambda fx: reverse(
        name, kwargs={arg: fx.object(kind, place).pk for arg, (kind, place) in objects.items()}
    )


def forged_talk_fields(fx: MatrixWorld, *, api: bool = False) -> dict:
    """What whoever plans or changes a talk does not decide: its level, organisers, region,
    status, creator and dates of record, and the archive and demo flags."""
    b = fx.world.b
    fields = {
        "status": "accepted",
        "level": "city",
        "organiser_region": b.region.pk,
        "region": b.region.pk,
        "organisers": [b.union.pk],
        "created_by": user(fx, "city_union").pk,
        "cancel_reason": "伪造",
        "starts_on": "2001-01-01",
        **RECORD_FLAGS,
    }
    if api:  # as the API's output spells them
        fields |= {"region_code": b.region.code, "organiser_region_code": b.region.code, "id": 1}
    return fields


def new_talk(title: str, user_key: str, *, level: str, **expected) -> Callable:
    """The talk `title` was planned by `user_key` in county A at `level`, as the services decide:
    planned, organised by A (its union and bureau, unless a school invited), not archived."""

    def check(fx: MatrixWorld) -> list[str]:
        talk = only(Talk, title=title)
        a = fx.world.a.region
        found = differences(
            talk,
            {
                "status": "planned",
                "level": level,
                "region": a,
                "organiser_region": a,
                "created_by": user(fx, user_key),
                "cancel_reason": "",
                "archived_at": None,
                "is_demo": False,
                **expected,
            },
        )
        if talk is not None and talk.starts_on.year == 2001:
            found.append("starts_on taken from the request")
        if talk is not None and level != "school":
            organisers = set(talk.organisers.unrestricted())
            if organisers != set(talks.organisers_of(a)):
                found.append(f"organisers = {organisers}")
        return found

    return check


def talk_kept(place: str, **expected) -> Callable:
    """The talk of `place` still where, by whom and at what level it was, with `expected`."""

    def check(fx: MatrixWorld) -> list[str]:
        talk = fx.object("talk", place)
        kept = {
            name: getattr(talk, name)
            for name in ("level", "region", "organiser_region", "school", "created_by")
        }
        return differences(talk, {**kept, "archived_at": None, "is_demo": False, **expected})

    return check


def talk_form(fx: MatrixWorld, user_key: str, talk=None, **changes) -> dict:
    return {**matrix.talk_form_payload(fx, user_key, talk), **changes}


def talk_json(fx: MatrixWorld, user_key: str, talk=None, **changes) -> dict:
    return {**matrix.talk_api_payload(fx, user_key, talk), **changes}


def forged_report_fields(fx: MatrixWorld) -> dict:
    """What whoever files a report does not decide: its status, number, who filed and who
    decided it, the school's consent, the talk it belongs to."""
    return {
        "status": "accepted",
        "number": "7",
        "decided_by": user(fx, "city_union").pk,
        "decided_at": LONG_AGO,
        "public_consent_at": LONG_AGO,
        "public_consent_by": user(fx, "school_a").pk,
        "submitted_by": user(fx, "city_union").pk,
        "talk": fx.object("talk", "b").pk,
    }


def fresh_report(user_key: str) -> Callable:
    """The report just filed on county A's talk: the next number, filed by `user_key`, awaiting
    review, no decision, no consent; the talk reported, not accepted."""

    def check(fx: MatrixWorld) -> list[str]:
        talk = fx.object("talk", "a")
        report = talk.reports.unrestricted().order_by("-number").first()
        expected = {
            "talk": talk,
            "number": 2,
            "status": "submitted",
            "submitted_by": user(fx, user_key),
            "decided_by": None,
            "decided_at": None,
            "public_consent_at": None,
            "public_consent_by": None,
        }
        return differences(report, expected) + differences(talk, {"status": "reported"})

    return check


def accepted_first(fx: MatrixWorld) -> None:
    """County A's report accepted by the city: its counts are final."""
    talks.accept_report(fx.object("report", "a"), acting_user=user(fx, "city_union"))


def accepted_counts_kept(fx: MatrixWorld) -> list[str]:
    talk = fx.object("talk", "a")
    found = differences(fx.object("report", "a"), {"students": 40, "teachers": 5, "others": 0})
    found += differences(talk, {"status": "accepted"})
    if talk.reports.unrestricted().count() != 1:
        found.append("a new report was filed on an accepted talk")
    return found


def registry_create(route: str, payload, model, name: str, user_key: str, **expected) -> Case:
    """A registry record created with its flags forged: created, in the account's region, the
    flags not set."""
    return Case(
        f"{route} ({user_key}): archive and demo flags, creation time",
        user_key,
        lambda fx: reverse(route),
        lambda fx: {**payload(fx, user_key), "name": name, **RECORD_FLAGS},
        302,
        lambda fx: differences(
            only(model, name=name),
            {"archived_at": None, "is_demo": False, **{k: v(fx) for k, v in expected.items()}},
        ),
    )


def registry_moved_away(route: str, payload, kind: str, user_key: str) -> Case:
    """A registry record of the account's own county edited into county B: refused."""
    return Case(
        f"{route} ({user_key}): region of another county",
        user_key,
        url(route, pk=(kind, "a")),
        lambda fx: {
            **payload(fx, user_key, fx.object(kind, "a")),
            "region": fx.world.b.region.pk,
        },
        200,
        lambda fx: differences(fx.object(kind, "a"), {"region": fx.world.a.region}),
    )


def forged_half_year_fields(fx: MatrixWorld, *, period: bool = True) -> dict:
    """What a county does not decide about its half-year report: whose it is, its status and
    frozen figures, who submitted or returned it; and (saving) its period."""
    fields = {
        "region": fx.world.b.region.pk,
        "status": "submitted",
        "figures": '{"talks": 999}',
        "submitted_by": user(fx, "city_union").pk,
        "returned_by": user(fx, "city_union").pk,
        "created_by": user(fx, "city_union").pk,
    }
    return fields | ({"year": "2001", "half": "2"} if period else {})


def urge_kept(fx: MatrixWorld) -> list[str]:
    """The 催报 is the caller's, goes to county A's accounts only, in the server's words."""
    from laomo.audit.models import AuditEntry
    from laomo.notices.models import Notification

    entry = AuditEntry.objects.unrestricted().filter(action=AuditEntry.Action.URGE).first()
    found = differences(
        entry, {"actor": user(fx, "city_union"), "object_id": str(fx.world.a.region.pk)}
    )
    notices = Notification.objects.unrestricted().filter(kind="halfyear_urged")
    to = {notice.user.username for notice in notices}
    if to != {"county_union_a", "county_education_a"}:
        found.append(f"told {sorted(to)}")
    for notice in notices:
        if notice.url.startswith("http") or "伪造" in notice.title or "点击" in notice.action:
            found.append(f"notice took words or link from the request: {notice.title}")
    return found


def half_year_kept(status: str, submitted_by: str | None) -> Callable:
    def check(fx: MatrixWorld) -> list[str]:
        report = fx.object("halfyear", "a")
        found = differences(
            report,
            {
                "region": fx.world.a.region,
                "status": status,
                "year": report.year,
                "half": report.half,
                "created_by": report.created_by,
                "returned_by": None,
                "submitted_by": user(fx, submitted_by) if submitted_by else None,
            },
        )
        stored = HalfYearReport.objects.unrestricted().get(pk=report.pk)
        if (stored.figures or {}).get("talks") == 999:
            found.append("figures taken from the request")
        return found

    return check


NEW_PASSWORD = "Forged#2026pass!"


def account_kept(fx: MatrixWorld) -> list[str]:
    """County A's official changed the password, and nothing else of the account."""
    account = user(fx, "county_union_a")
    found = differences(
        account,
        {
            "username": "county_union_a",
            "role": "county_union",
            "region": fx.world.a.region,
            "school": None,
            "person": None,
            "is_staff": False,
            "is_superuser": False,
            "is_active": True,
            "must_change_password": False,
        },
    )
    stored = User.objects.get(pk=account.pk)
    if not stored.check_password(NEW_PASSWORD):
        found.append("the password was not changed: the legitimate part failed")
    if stored.password_changed_at.year == 2001:
        found.append("password_changed_at taken from the request")
    return found


TALK_A = {"pk": ("talk", "a")}
API_TALK_A = {"talk_id": ("talk", "a")}


def confirm_a(fx: MatrixWorld) -> None:
    matrix.confirmed_first(fx.object("talk", "a"))


CASES: list[Case] = [
    # The registry: the generic edit view and ScopedModelForm ----------------------------------
    registry_create(
        "people:person-create",
        matrix.person_payload,
        Person,
        "伪造标记人",
        "county_union_a",
        region=lambda fx: fx.world.a.region,
    ),
    Case(
        "people:person-create (county_union_a): region of another county",
        "county_union_a",
        lambda fx: reverse("people:person-create"),
        lambda fx: {
            **matrix.person_payload(fx, "county_union_a"),
            "name": "越界新人",
            "region": fx.world.b.region.pk,
        },
        200,
        none_stored(Person, "a person created in county B", name="越界新人"),
    ),
    registry_moved_away("people:person-edit", matrix.person_payload, "person", "county_union_a"),
    Case(
        "people:person-edit (county_union_a): another county's honour by its id",
        "county_union_a",
        url("people:person-edit", pk=("person", "a")),
        lambda fx: {
            **matrix.person_payload(fx, "county_union_a", fx.world.a.person),
            "honours-TOTAL_FORMS": "1",
            "honours-INITIAL_FORMS": "1",
            "honours-0-id": fx.world.b.person.honours.get().pk,
            "honours-0-person": fx.world.a.person.pk,
            "honours-0-title": "伪造的荣誉",
            "honours-0-level": "national",
            "honours-0-year": "2020",
            "honours-0-awarded_by": "",
        },
        302,  # the person saved; Django skips a row whose id is not among this person's honours
        lambda fx: (
            differences(
                fx.world.b.person.honours.get(),
                {"person": fx.world.b.person, "title": "西吉县劳动模范", "level": "county"},
            )
            + none_stored(Honour, "the forged honour was stored", title="伪造的荣誉")(fx)
        ),
    ),
    Case(
        "people:person-edit (lecturer_a): own record beyond the own-profile fields",
        "lecturer_a",
        url("people:person-edit", pk=("person", "a")),
        lambda fx: {
            **matrix.person_payload(fx, "lecturer_a", fx.world.a.person),
            "unit": "本人改的单位",
            "name": "改名",
            "region": fx.world.b.region.pk,
            "active": "",
            "note": "伪造备注",
            "gender": "女",
            **RECORD_FLAGS,
        },
        302,
        lambda fx: differences(
            fx.world.a.person,
            {
                "unit": "本人改的单位",  # theirs to change: it changed
                "name": "原劳模",
                "region": fx.world.a.region,
                "active": True,
                "note": "",
                "gender": "男",
                "archived_at": None,
                "is_demo": False,
            },
        ),
    ),
    registry_create(
        "people:group-create",
        matrix.group_payload,
        LectureGroup,
        "伪造标记宣讲团",
        "county_union_a",
        region=lambda fx: fx.world.a.region,
    ),
    registry_moved_away("people:group-edit", matrix.group_payload, "group", "county_union_a"),
    Case(
        "people:group-edit (county_union_a): another county's union as organiser",
        "county_union_a",
        url("people:group-edit", pk=("group", "a")),
        lambda fx: {
            **matrix.group_payload(fx, "county_union_a", fx.world.a.group),
            "organisers": [fx.world.a.union.pk, fx.world.b.union.pk],
        },
        200,
        lambda fx: differences(fx.world.a.group, {"organisers": [fx.world.a.union]}),
    ),
    Case(
        "people:group-member-add (county_union_a): another county's person, group and position",
        "county_union_a",
        url("people:group-member-add", pk=("group", "a")),
        lambda fx: {
            "person": fx.object("spare", "b").pk,
            "group": fx.world.b.group.pk,
            "position": "1",
        },
        302,
        lambda fx: (
            none_stored(
                Membership, "county B's person joined a group", person=fx.object("spare", "b")
            )(fx)
            + differences(fx.world.b.group, {"members": [fx.world.b.person]})
        ),
    ),
    registry_create(
        "schools:school-create",
        matrix.school_payload,
        School,
        "伪造标记学校",
        "county_education_a",
        region=lambda fx: fx.world.a.region,
        reached_on=lambda fx: None,
    ),
    Case(
        # Coverage is counted from accepted talks (002 一), never typed in.
        "schools:school-edit (county_education_a): the date the school was first reached",
        "county_education_a",
        url("schools:school-edit", pk=("school", "a")),
        lambda fx: {
            **matrix.school_payload(fx, "county_education_a", fx.world.a.school),
            "reached_on": "2025-01-01",
            "student_count": "777",
        },
        302,
        lambda fx: differences(fx.world.a.school, {"reached_on": None, "student_count": 777}),
    ),
    registry_moved_away(
        "schools:school-edit", matrix.school_payload, "school", "county_education_a"
    ),
    registry_create(
        "regions:organisation-create",
        matrix.organisation_payload,
        Organisation,
        "伪造标记机构",
        "city_union",
        region=lambda fx: fx.world.city,
    ),
    Case(
        "regions:organisation-edit (city_union): archive and demo flags",
        "city_union",
        url("regions:organisation-edit", pk=("organisation", "a")),
        lambda fx: {
            **matrix.organisation_payload(fx, "city_union", fx.world.a.union),
            "address": "新地址",
            **RECORD_FLAGS,
        },
        302,
        lambda fx: differences(
            fx.world.a.union, {"address": "新地址", "archived_at": None, "is_demo": False}
        ),
    ),
    # Talks, on the pages -------------------------------------------------------------------------
    Case(
        "outreach:talk-create (county_union_a): level, organisers, region, status, creator",
        "county_union_a",
        lambda fx: reverse("outreach:talk-create"),
        lambda fx: {
            **talk_form(fx, "county_union_a", title="县里伪造的活动"),
            **forged_talk_fields(fx),
        },
        302,
        new_talk("县里伪造的活动", "county_union_a", level="county"),
    ),
    Case(
        "outreach:talk-create (county_union_a): another county's school",
        "county_union_a",
        lambda fx: reverse("outreach:talk-create"),
        lambda fx: talk_form(fx, "county_union_a", title="越界的活动", school=fx.world.b.school.pk),
        200,
        none_stored(Talk, "a talk planned at county B's school", title="越界的活动"),
    ),
    Case(
        "outreach:talk-create (school_a): another school, a practice base, the level",
        "school_a",
        lambda fx: reverse("outreach:talk-create"),
        lambda fx: {
            **talk_form(fx, "school_a", title="学校伪造的邀请"),
            "school": fx.object("school", "b").pk,
            "place": "base",
            "base": fx.world.a.union.pk,
            "online_platform": "skills",
            **forged_talk_fields(fx),
        },
        302,
        lambda fx: new_talk(
            "学校伪造的邀请",
            "school_a",
            level="school",
            school=fx.world.a.school,
            place="school",
            base=None,
            online_platform="",
        )(fx),
    ),
    Case(
        "outreach:talk-edit (county_union_a): straight to accepted, into county B",
        "county_union_a",
        url("outreach:talk-edit", **TALK_A),
        lambda fx: {
            **talk_form(fx, "county_union_a", fx.object("talk", "a"), note="本县改的备注"),
            **forged_talk_fields(fx),
        },
        302,
        talk_kept("a", status="confirmed", note="本县改的备注", cancel_reason=""),
        prepare=confirm_a,
    ),
    Case(
        "outreach:talk-edit (school_a): its own invitation moved to another school",
        "school_a",
        url("outreach:talk-edit", pk=("talk", "school_a")),
        lambda fx: {
            **talk_form(fx, "school_a", fx.object("talk", "school_a"), note="学校改的备注"),
            "school": fx.world.a.other_school.pk,
            **forged_talk_fields(fx),
        },
        302,
        talk_kept("school_a", status="confirmed", note="学校改的备注"),
        prepare=lambda fx: matrix.confirmed_first(fx.object("talk", "school_a")),
    ),
    Case(
        "outreach:talk-cancel (county_union_a): a status other than cancelled",
        "county_union_a",
        url("outreach:talk-cancel", **TALK_A),
        lambda fx: {"reason": "天气原因", "status": "accepted", **RECORD_FLAGS},
        302,
        talk_kept("a", status="cancelled", cancel_reason="天气原因"),
        prepare=confirm_a,
    ),
    Case(
        "outreach:talk-respond (lecturer_a): the booking's person, status, talk and responder",
        "lecturer_a",
        url("outreach:talk-respond", **TALK_A, booking_pk=("booking", "a")),
        lambda fx: {
            "accept": "1",
            "person": fx.object("lecturer", "b").pk,
            "status": "declined",
            "talk": fx.object("talk", "b").pk,
            "responded_by": user(fx, "city_union").pk,
        },
        302,
        lambda fx: differences(
            fx.object("booking", "a"),
            {
                "person": fx.object("lecturer", "a"),
                "talk": fx.object("talk", "a"),
                "status": "confirmed",
                "responded_by": user(fx, "lecturer_a"),
            },
        ),
        prepare=lambda fx: matrix.invited_first(fx.object("talk", "a")),
    ),
    Case(
        "outreach:talk-report (school_a): status, number, decision, consent, talk",
        "school_a",
        url("outreach:talk-report", **TALK_A),
        lambda fx: {**matrix.report_form_payload(fx, "school_a"), **forged_report_fields(fx)},
        302,
        fresh_report("school_a"),
        prepare=lambda fx: matrix.held_first(fx.object("talk", "a")),
    ),
    Case(
        "outreach:talk-report (county_union_a): new counts for a report already accepted",
        "county_union_a",
        url("outreach:talk-report", **TALK_A),
        lambda fx: {**matrix.report_form_payload(fx, "county_union_a"), "students": "999"},
        302,  # back to the talk, with the refusal
        accepted_counts_kept,
        prepare=accepted_first,
    ),
    Case(
        "outreach:talk-review (city_union): the report's counts, filer and consent",
        "city_union",
        url("outreach:talk-review", **TALK_A, report_pk=("report", "a")),
        lambda fx: {
            "decision": "accept",
            "students": "999",
            "submitted_by": user(fx, "city_union").pk,
            "public_consent_at": LONG_AGO,
        },
        302,
        lambda fx: differences(
            fx.object("report", "a"),
            {
                "status": "accepted",
                "students": 40,
                "submitted_by": user(fx, "county_union_a"),
                "decided_by": user(fx, "city_union"),
                "public_consent_at": None,
            },
        ),
    ),
    Case(
        "outreach:talk-consent (school_a): who consented, and the report's status",
        "school_a",
        url("outreach:talk-consent", **TALK_A, report_pk=("report", "a")),
        lambda fx: {
            "consent": "1",
            "public_consent_by": user(fx, "city_union").pk,
            "status": "accepted",
        },
        302,
        lambda fx: differences(
            fx.object("report", "a"),
            {"public_consent_by": user(fx, "school_a"), "status": "submitted"},
        ),
    ),
    Case(
        "outreach:programme (city_union): another region's settings",
        "city_union",
        lambda fx: reverse("outreach:programme"),
        lambda fx: {**matrix.programme_payload(fx, "city_union"), "city": fx.world.province.pk},
        302,
        lambda fx: (
            [
                f"settings stored for region {city}"
                for city in ProgrammeYear.objects.values_list("city_id", flat=True)
                if city != fx.world.city.pk
            ]
            or ([] if ProgrammeYear.objects.exists() else ["nothing was stored"])
        ),
    ),
    # Half-year reports -------------------------------------------------------------------------
    Case(
        "halfyear:open (county_union_a): another county's, submitted already",
        "county_union_a",
        lambda fx: reverse("halfyear:open"),
        lambda fx: {
            **halfyear_testing.open_payload(fx, "county_union_a"),
            **forged_half_year_fields(fx, period=False),
        },
        302,
        lambda fx: differences(
            HalfYearReport.objects.unrestricted().order_by("-pk").first(),
            {
                "region": fx.world.a.region,
                "status": "draft",
                "created_by": user(fx, "county_union_a"),
                "submitted_by": None,
            },
        ),
    ),
    Case(
        "halfyear:save (county_union_a): status, figures, region, period, who submitted",
        "county_union_a",
        url("halfyear:save", pk=("halfyear", "a")),
        lambda fx: {
            **halfyear_testing.narrative_payload(fx, "county_union_a"),
            **forged_half_year_fields(fx),
        },
        302,
        half_year_kept("draft", None),
    ),
    Case(
        "halfyear:submit (county_union_a): figures, region, period, who submitted",
        "county_union_a",
        url("halfyear:submit", pk=("halfyear", "a")),
        lambda fx: {
            **halfyear_testing.narrative_payload(fx, "county_union_a"),
            **forged_half_year_fields(fx),
        },
        302,
        half_year_kept("submitted", "county_union_a"),
    ),
    Case(
        "halfyear:return (city_union): the status and who returned it",
        "city_union",
        url("halfyear:return", pk=("halfyear", "a")),
        lambda fx: {
            **halfyear_testing.return_payload(fx, "city_union"),
            "status": "draft",
            "returned_by": user(fx, "county_union_a").pk,
            "region": fx.world.b.region.pk,
        },
        302,
        lambda fx: differences(
            fx.object("halfyear", "a"),
            {
                "status": "returned",
                "returned_by": user(fx, "city_union"),
                "region": fx.world.a.region,
            },
        ),
        prepare=lambda fx: halfyear_testing.submitted_first(fx.object("halfyear", "a")),
    ),
    Case(
        "halfyear:urge (city_union): who urged, whom the notice goes to, its link and words",
        "city_union",
        lambda fx: reverse("halfyear:urge"),
        lambda fx: {
            **halfyear_testing.urge_payload(fx, "city_union"),
            "actor": user(fx, "county_union_b").pk,
            "user": user(fx, "county_union_b").pk,
            "users": user(fx, "county_union_b").pk,
            "url": "https://example.com/phish",
            "action": "请点击链接",
            "title": "伪造",
            "notified": "99",
        },
        302,
        lambda fx: urge_kept(fx),
    ),
    # The account's own password ------------------------------------------------------------------
    Case(
        "password-change (county_union_a): role, region, school, staff and superuser flags",
        "county_union_a",
        lambda fx: reverse("password-change"),
        lambda fx: {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
            "username": "root",
            "role": "city_union",
            "region": fx.world.city.pk,
            "school": fx.world.b.school.pk,
            "person": fx.world.b.person.pk,
            "is_staff": "on",
            "is_superuser": "on",
            "must_change_password": "on",
            "password_changed_at": LONG_AGO,
        },
        302,
        account_kept,
    ),
    # The API --------------------------------------------------------------------------------------
    Case(
        "api:create_talk (county_union_a): level, organisers, region, status, creator",
        "county_union_a",
        lambda fx: reverse("api:create_talk"),
        lambda fx: {
            **talk_json(fx, "county_union_a", title="接口伪造的活动"),
            **forged_talk_fields(fx, api=True),
        },
        201,
        new_talk("接口伪造的活动", "county_union_a", level="county"),
        api="json",
    ),
    Case(
        "api:create_talk (school_a): the level, organisers, status",
        "school_a",
        lambda fx: reverse("api:create_talk"),
        lambda fx: {
            **talk_json(fx, "school_a", title="学校接口伪造", school_id=None),
            **forged_talk_fields(fx, api=True),
        },
        201,
        lambda fx: new_talk("学校接口伪造", "school_a", level="school", school=fx.world.a.school)(
            fx
        ),
        api="json",
    ),
    Case(
        "api:create_talk (school_a): another school",
        "school_a",
        lambda fx: reverse("api:create_talk"),
        lambda fx: talk_json(
            fx, "school_a", title="学校接口越界", school_id=fx.world.a.other_school.pk
        ),
        400,
        none_stored(Talk, "a talk at another school", title="学校接口越界"),
        api="json",
    ),
    Case(
        "api:update_talk (county_union_a): straight to accepted, into county B",
        "county_union_a",
        url("api:update_talk", **API_TALK_A),
        lambda fx: {
            **talk_json(fx, "county_union_a", fx.object("talk", "a"), note="接口改的备注"),
            **forged_talk_fields(fx, api=True),
        },
        200,
        talk_kept("a", status="confirmed", note="接口改的备注"),
        prepare=confirm_a,
        api="json",
        method="put",
    ),
    Case(
        "api:cancel_talk (county_union_a): a status other than cancelled",
        "county_union_a",
        url("api:cancel_talk", **API_TALK_A),
        lambda fx: {"reason": "接口取消", "status": "accepted", "archived_at": LONG_AGO},
        200,
        talk_kept("a", status="cancelled", cancel_reason="接口取消"),
        prepare=confirm_a,
        api="json",
    ),
    Case(
        "api:respond (lecturer_a): the booking's person and status",
        "lecturer_a",
        url("api:respond", **API_TALK_A, booking_id=("booking", "a")),
        lambda fx: {
            "accept": True,
            "person_id": fx.object("lecturer", "b").pk,
            "status": "declined",
        },
        200,
        lambda fx: differences(
            fx.object("booking", "a"),
            {"person": fx.object("lecturer", "a"), "status": "confirmed"},
        ),
        prepare=lambda fx: matrix.invited_first(fx.object("talk", "a")),
        api="json",
    ),
    Case(
        "api:submit_report (county_union_a): status, number, decision, consent, talk",
        "county_union_a",
        url("api:submit_report", **API_TALK_A),
        lambda fx: {
            **matrix.report_api_payload(fx, "county_union_a"),
            **forged_report_fields(fx),
        },
        201,
        fresh_report("county_union_a"),
        prepare=lambda fx: matrix.held_first(fx.object("talk", "a")),
        api="multipart",
    ),
    Case(
        "api:submit_report (county_union_a): new counts for a report already accepted",
        "county_union_a",
        url("api:submit_report", **API_TALK_A),
        lambda fx: {**matrix.report_api_payload(fx, "county_union_a"), "students": "999"},
        400,
        accepted_counts_kept,
        prepare=accepted_first,
        api="multipart",
    ),
    Case(
        "api:accept_report (city_union): the report's counts and decider",
        "city_union",
        url("api:accept_report", **API_TALK_A, report_id=("report", "a")),
        lambda fx: {"students": 999, "status": "returned", "decided_by_id": 1},
        200,
        lambda fx: differences(
            fx.object("report", "a"),
            {"status": "accepted", "students": 40, "decided_by": user(fx, "city_union")},
        ),
        api="json",
    ),
    Case(
        "api:return_report (city_union): the status and the counts",
        "city_union",
        url("api:return_report", **API_TALK_A, report_id=("report", "a")),
        lambda fx: {"reasons": "横幅看不清", "status": "accepted", "students": 999},
        200,
        lambda fx: differences(
            fx.object("report", "a"),
            {"status": "returned", "students": 40, "return_reasons": "横幅看不清"},
        ),
        api="json",
    ),
]

# Writes that take nothing a user could forge beyond the object the URL names, which the
# authorization matrix already holds to the account's scope: archive and restore, "held", a
# phone reveal, removing a member, marking notices read (all, or one). The roster import's one
# field besides the file, the group, is offered from the account's own groups and carried to the
# confirmation in a signed ticket (people's tests). The account's own second-factor pages take
# only the password (tests below and in accounts).
WITHOUT_FORGEABLE_FIELDS = frozenset(
    {
        "people:person-archive",
        "people:person-restore",
        "people:person-phone",
        "people:group-archive",
        "people:group-restore",
        "people:group-member-remove",
        "people:roster-import",
        "schools:school-archive",
        "schools:school-restore",
        "regions:organisation-archive",
        "regions:organisation-restore",
        "outreach:talk-held",
        "outreach:talk-archive",
        "outreach:talk-restore",
        "outreach:notices",
        "outreach:notice-open",
        "api:reveal_phone",
        "api:mark_held",
        "recovery-codes",
        "two-factor-replace",
        "two-factor-reset",
    }
)


def send(client, fx: MatrixWorld, case: Case):
    target, data = case.url(fx), case.data(fx)
    if case.api is None:
        return getattr(client, case.method)(target, data)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {fx.token(case.user)}"}
    if case.api == "json":
        return getattr(client, case.method)(target, data, content_type="application/json", **auth)
    return client.post(target, data, **auth)


def test_no_form_or_api_call_stores_a_field_its_user_does_not_own(client, fx):
    for case in CASES:
        fx.token(case.user)  # issued outside the rolled-back savepoints
    problems = []
    for case in CASES:
        with transaction.atomic():
            client.force_login(user(fx, case.user))
            if case.prepare is not None:
                case.prepare(fx)
            try:
                response = send(client, fx, case)
            except Exception as exc:
                found = [f"raised {exc!r}"]
            else:
                found = case.check(fx)
                if response.status_code != case.status:
                    found.insert(0, f"answered {response.status_code}, expected {case.status}")
            transaction.set_rollback(True)
        problems += [f"{case.name}: {problem}" for problem in found]
    assert not problems, "\n".join(problems)


def test_every_form_and_write_call_has_a_row():
    """A form page or an API write added later comes with a row in `CASES`, or a reason to be
    in `WITHOUT_FORGEABLE_FIELDS`."""
    writes = {name for name, route in ROUTES.items() if route.post or route.put}
    rows = {case.route for case in CASES}
    assert not rows - set(ROUTES) - {"password-change"}, "rows for unknown routes"
    missing = writes - rows - WITHOUT_FORGEABLE_FIELDS
    assert not missing, f"forms or write calls without a mass-assignment row: {sorted(missing)}"


# Beside the table --------------------------------------------------------------------------------


def test_setting_up_the_second_factor_takes_the_key_from_the_session(world, login):
    """An account cannot plant an authenticator key of its choosing, or one for another account:
    the page confirms the key it made and keeps in the session."""
    from laomo.accounts.tests.test_totp import _code

    owner, other = world.user("county_union_a"), world.user("city_union")
    client = login(owner)
    client.get(reverse("two-factor"))
    key = client.session["laomo_totp_key"]
    planted = "3132333435363738393031323334353637383930"
    client.post(
        reverse("two-factor"),
        {"code": _code(key), "key": planted, "user": other.pk, "name": "伪造", "confirmed": "on"},
    )
    [device] = TOTPDevice.objects.all()
    assert (device.user, device.key, device.name) == (owner, key, "身份验证器")


def _admin_form_data(client, path: str) -> dict:
    """What the admin's change form would post unchanged: every field's current value."""
    from django.forms import SplitDateTimeWidget

    form = client.get(path).context["adminform"].form
    data = {}
    for field in form:
        value = field.value()
        if isinstance(field.field.widget, SplitDateTimeWidget):
            value = timezone.localtime(value) if value else None
            data[f"{field.html_name}_0"] = f"{value:%Y-%m-%d}" if value else ""
            data[f"{field.html_name}_1"] = f"{value:%H:%M:%S}" if value else ""
        elif isinstance(value, bool):
            if value:
                data[field.html_name] = "on"
        elif value is not None:
            data[field.html_name] = value
    return data


def test_only_a_superuser_grants_rights_in_the_admin(world, client):
    """A staff member allowed to change accounts changes roles and names, but posting
    is_superuser, is_staff, groups or permissions (for themselves or anyone) changes nothing."""
    staff = UserFactory(username="ops", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "change_user"])
    )
    admins = Group.objects.create(name="全部权限")
    admins.permissions.set(Permission.objects.all())
    client.force_login(staff)
    for target in (staff, world.user("county_union_b")):
        path = reverse("admin:accounts_user_change", args=[target.pk])
        data = _admin_form_data(client, path)
        data |= {
            "display_name": "改过的名称",
            "is_superuser": "on",
            "is_staff": "on",
            "groups": [admins.pk],
            "user_permissions": [p.pk for p in Permission.objects.all()[:5]],
        }
        assert client.post(path, data).status_code == 302
        target = User.objects.get(pk=target.pk)
        assert target.display_name == "改过的名称"  # what staff may change, changed
        assert not target.is_superuser
        assert target.is_staff == (target == staff)
        assert not target.groups.exists()
        assert set(target.user_permissions.values_list("codename", flat=True)) <= {
            "view_user",
            "change_user",
        }

    # A superuser still grants rights.
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    path = reverse("admin:accounts_user_change", args=[staff.pk])
    client.post(path, _admin_form_data(client, path) | {"groups": [admins.pk]})
    assert list(staff.groups.all()) == [admins]


def test_the_token_admin_neither_makes_nor_moves_nor_extends_a_token(world, client):
    owner = world.user("county_union_a")
    token, _raw = ApiToken.issue(owner, days=30)
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    assert client.get(reverse("admin:accounts_apitoken_add")).status_code == 403

    path = reverse("admin:accounts_apitoken_change", args=[token.pk])
    data = _admin_form_data(client, path)
    later = timezone.localtime() + timezone.timedelta(days=3650)
    revoked = timezone.localtime()
    data |= {
        "user": root.pk,
        "expires_at_0": f"{later:%Y-%m-%d}",
        "expires_at_1": "00:00:00",
        "key_hash": "0" * 64,
        "revoked_at_0": f"{revoked:%Y-%m-%d}",
        "revoked_at_1": f"{revoked:%H:%M:%S}",
    }
    assert client.post(path, data).status_code == 302
    stored = ApiToken.objects.get(pk=token.pk)
    assert (stored.user, stored.expires_at, stored.key_hash) == (
        owner,
        token.expires_at,
        token.key_hash,
    )
    assert stored.revoked_at is not None  # revoking is what the admin is for
