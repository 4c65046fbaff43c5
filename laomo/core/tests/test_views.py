"""The registry's pages: who may place records where, phone masking and reveals, the record every
change leaves, and the query counts of every list."""

import itertools
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from laomo.audit.models import AuditEntry
from laomo.core.testing.factories import (
    PASSWORD,
    HonourFactory,
    LectureGroupFactory,
    MembershipFactory,
    OrganisationFactory,
    PersonFactory,
    RegionFactory,
    SchoolFactory,
    UserFactory,
)
from laomo.core.testing.matrix import (
    build_matrix_world,
    group_payload,
    organisation_payload,
    person_payload,
    school_payload,
)
from laomo.people.models import LectureGroup, Person
from laomo.regions.models import Organisation
from laomo.schools.models import School

A_PHONE = "13909540001"
A_MASKED = "139****0001"


@pytest.fixture
def fx(world):
    return build_matrix_world(world)


def _rows(model):
    return list(model._base_manager.order_by("pk").values_list())


def _entries():
    """The log but for the tests' own signing in (which the log records too) and the refusals
    (which a refused request is meant to leave)."""
    return AuditEntry.objects.unrestricted().exclude(
        action__in=[AuditEntry.Action.LOGIN, AuditEntry.Action.ACCESS_DENIED]
    )


def _refusals():
    return AuditEntry.objects.unrestricted().filter(action=AuditEntry.Action.ACCESS_DENIED)


def _audit_count() -> int:
    return _entries().count()


# Field ownership --------------------------------------------------------------------------------

CREATE = {
    "person": ("people:person-create", Person, person_payload, "county_union_a"),
    "group": ("people:group-create", LectureGroup, group_payload, "county_union_a"),
    "school": ("schools:school-create", School, school_payload, "county_education_a"),
}


@pytest.mark.parametrize("kind", sorted(CREATE))
@pytest.mark.parametrize("target", ["b", "city"])
def test_county_user_cannot_create_in_another_region(fx, login, kind, target):
    url_name, model, payload, user_key = CREATE[kind]
    world = fx.world
    client = login(world.user(user_key))
    region = world.b.region if target == "b" else world.city
    before = _rows(model), _audit_count()
    response = client.post(reverse(url_name), {**payload(fx, user_key), "region": region.pk})
    if response.status_code == 200:
        assert "region" in response.context["form"].errors
    else:
        assert response.status_code == 404
    assert (_rows(model), _audit_count()) == before


@pytest.mark.parametrize("kind", sorted(CREATE))
def test_county_user_creates_in_own_county(fx, login, kind):
    """The control for the test above: the same form, with the county's own region, saves."""
    url_name, model, payload, user_key = CREATE[kind]
    client = login(fx.world.user(user_key))
    data = {**payload(fx, user_key), "region": fx.world.a.region.pk}
    response = client.post(reverse(url_name), data)
    assert response.status_code == 302
    created = model.objects.unrestricted().get(name=data["name"])
    assert created.region == fx.world.a.region


def test_city_user_may_place_records_in_any_county(fx, login):
    client = login(fx.world.user("city_union"))
    data = {**person_payload(fx, "city_union"), "region": fx.world.b.region.pk}
    assert client.post(reverse("people:person-create"), data).status_code == 302
    assert Person.objects.unrestricted().get(name=data["name"]).region == fx.world.b.region


EDIT = {
    "person": ("people:person-edit", person_payload, "county_union_a"),
    "group": ("people:group-edit", group_payload, "county_union_a"),
    "school": ("schools:school-edit", school_payload, "county_education_a"),
}


@pytest.mark.parametrize("kind", sorted(EDIT))
@pytest.mark.parametrize("target", ["b", "city"])
def test_county_user_cannot_move_a_record_out_of_the_county(fx, login, kind, target):
    url_name, payload, user_key = EDIT[kind]
    obj = fx.object(kind, "a")
    model = type(obj)
    client = login(fx.world.user(user_key))
    region = fx.world.b.region if target == "b" else fx.world.city
    before = _rows(model), _audit_count()
    response = client.post(
        reverse(url_name, args=[obj.pk]), {**payload(fx, user_key, obj), "region": region.pk}
    )
    if response.status_code == 200:
        assert "region" in response.context["form"].errors
    else:
        assert response.status_code == 404
    assert (_rows(model), _audit_count()) == before


def test_county_user_cannot_name_another_countys_organiser(fx, login):
    group = fx.world.a.group
    client = login(fx.world.user("county_union_a"))
    data = {**group_payload(fx, "county_union_a", group), "organisers": [fx.world.b.union.pk]}
    before = _rows(LectureGroup), list(group.organisers.unrestricted())
    response = client.post(reverse("people:group-edit", args=[group.pk]), data)
    assert response.status_code == 200
    assert "organisers" in response.context["form"].errors
    assert (_rows(LectureGroup), list(group.organisers.unrestricted())) == before


def test_lecturer_edits_own_profile_but_not_region_name_or_active(world, login):
    person = world.a.person
    client = login(world.user("lecturer_a"))
    response = client.post(
        reverse("people:person-edit", args=[person.pk]),
        {
            "name": "改了名字",
            "region": world.b.region.pk,
            "active": "",
            "gender": "女",
            "unit": "新单位",
            "post": "班组长",
            "phone": "",
            "topics": "工匠精神",
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.name, person.region, person.active, person.gender) == (
        "原劳模",
        world.a.region,
        True,
        "男",
    )
    assert (person.unit, person.post, person.topic_list) == ("新单位", "班组长", ["工匠精神"])
    assert person.phone == A_PHONE  # left empty: kept


def test_lecturer_cannot_create_or_edit_anyone_else(world, login):
    client = login(world.user("lecturer_a"))
    before = _rows(Person)
    assert client.post(reverse("people:person-create"), {"name": "新人"}).status_code == 404
    for other in (world.b.person, world.city_person):
        url = reverse("people:person-edit", args=[other.pk])
        assert client.post(url, {"unit": "改"}).status_code == 404
    assert _rows(Person) == before


def test_school_user_cannot_create_anything(fx, login):
    client = login(fx.world.user("school_a"))
    payloads = {
        "people:person-create": person_payload(fx, "school_a"),
        "people:group-create": group_payload(fx, "school_a"),
        "schools:school-create": school_payload(fx, "school_a"),
        "regions:organisation-create": organisation_payload(fx, "school_a"),
        "people:roster-import": {},
    }
    models = (Person, LectureGroup, School, Organisation)
    before = [_rows(model) for model in models], list(_entries().values_list())
    for name, data in payloads.items():
        assert client.get(reverse(name)).status_code == 404, name
        assert client.post(reverse(name), data).status_code == 404, name
    school = fx.world.a.school
    assert client.get(reverse("schools:school-edit", args=[school.pk])).status_code == 404
    assert ([_rows(model) for model in models], list(_entries().values_list())) == before
    # Eleven refusals (to one account from one address) in one entry, counted.
    assert _refusals().get().window.count == 11


def test_school_user_sees_only_their_own_school(world, login):
    client = login(world.user("school_a"))
    assert client.get(world.a.school.get_absolute_url()).status_code == 200
    assert client.get(world.a.other_school.get_absolute_url()).status_code == 404
    listed = client.get(reverse("schools:school-list")).context["object_list"]
    assert list(listed) == [world.a.school]


def test_member_of_another_group_cannot_be_removed_through_ones_own(world, login):
    """The membership id in the URL must belong to the group in the URL."""
    client = login(world.user("county_union_a"))
    b_membership = world.b.group.memberships.get()
    url = reverse("people:group-member-remove", args=[world.a.group.pk, b_membership.pk])
    assert client.post(url).status_code == 404
    assert world.b.group.memberships.filter(pk=b_membership.pk).exists()


def test_county_user_cannot_add_another_countys_person_to_own_group(fx, login):
    client = login(fx.world.user("county_union_a"))
    group = fx.world.a.group
    url = reverse("people:group-member-add", args=[group.pk])
    client.post(url, {"person": fx.object("spare", "b").pk})
    client.post(url, {"person": fx.object("spare", "city").pk})
    assert set(group.members.unrestricted()) == {fx.world.a.person}


# Phone masking and reveal -----------------------------------------------------------------------


def test_officials_see_phones_masked_on_pages(world, login):
    client = login(world.user("county_union_a"))
    for url in (
        reverse("people:person-list"),
        world.a.person.get_absolute_url(),
        world.a.group.get_absolute_url(),
        reverse("people:person-edit", args=[world.a.person.pk]),
    ):
        content = client.get(url).content.decode()
        assert A_MASKED in content, url
        assert A_PHONE not in content, url


def test_lecturer_sees_own_number_in_full(world, login):
    client = login(world.user("lecturer_a"))
    content = client.get(world.a.person.get_absolute_url()).content.decode()
    assert A_PHONE in content


def test_reveal_page_shows_the_number_and_records_it(world, login):
    user = world.user("county_union_a")
    client = login(user)
    person = world.a.person
    started = timezone.now()
    response = client.post(reverse("people:person-phone", args=[person.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert A_PHONE in content
    assert "<html" in content  # a whole page without HTMX
    entry = _entries().get()
    assert entry.action == AuditEntry.Action.REVEAL_PHONE
    assert entry.actor == user
    assert (entry.object_type, entry.object_id) == ("people.person", str(person.pk))
    assert started - timedelta(seconds=1) <= entry.at <= timezone.now()
    assert A_PHONE not in json.dumps(entry.data)


def test_reveal_with_htmx_answers_the_fragment_and_records_it(world, login):
    client = login(world.user("city_education"))
    response = client.post(
        reverse("people:person-phone", args=[world.a.person.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert A_PHONE in content
    assert "<html" not in content
    assert AuditEntry.objects.unrestricted().filter(action="reveal_phone").count() == 1


@pytest.mark.parametrize(
    ("user_key", "whose"),
    [
        ("school_a", "a"),
        ("reviewer", "a"),
        ("lecturer_a", "b"),
        ("lecturer_a", "city"),
        ("county_union_a", "b"),
        ("county_union_b", "a"),
    ],
)
def test_reveal_refused_without_permission_or_scope(fx, login, user_key, whose):
    person = fx.object("person", whose)
    client = login(fx.world.user(user_key))
    for response in (
        client.post(reverse("people:person-phone", args=[person.pk])),
        client.post(reverse("people:person-phone", args=[person.pk]), HTTP_HX_REQUEST="true"),
        client.post(f"/api/v1/model-workers/{person.pk}/reveal-phone"),
    ):
        assert response.status_code == 404
        assert person.phone.encode() not in response.content
    assert _audit_count() == 0
    assert _refusals().get().window.count == 3


# Every change is recorded -----------------------------------------------------------------------


def test_editing_a_person_leaves_history_and_a_masked_audit_entry(fx, login):
    user = fx.world.user("city_union")
    client = login(user)
    person = fx.world.a.person
    data = {**person_payload(fx, "city_union", person), "unit": "新单位", "phone": "136 1234 5678"}
    assert client.post(reverse("people:person-edit", args=[person.pk]), data).status_code == 302
    person.refresh_from_db()
    assert person.phone == "13612345678"
    record = person.history.latest()
    assert record.history_user == user
    assert record.history_type == "~"
    entry = AuditEntry.objects.unrestricted().get(action=AuditEntry.Action.UPDATE)
    assert entry.actor == user
    assert entry.data["changed"]["unit"] == ["测试单位", "新单位"]
    assert entry.data["changed"]["phone"] == [A_MASKED, "136****5678"]
    assert A_PHONE not in json.dumps(entry.data)
    assert "13612345678" not in json.dumps(entry.data)

    # The history page shows the change, by whom, with the numbers masked.
    viewer = login(fx.world.user("county_union_a"))
    content = viewer.get(reverse("people:person-history", args=[person.pk])).content.decode()
    assert "新单位" in content
    assert str(user) in content
    assert "136****5678" in content
    assert "13612345678" not in content
    assert A_PHONE not in content


@pytest.mark.parametrize(
    ("kind", "user_key", "url_name", "payload", "field", "value"),
    [
        ("school", "city_education", "schools:school-edit", school_payload, "student_count", 999),
        ("group", "city_union", "people:group-edit", group_payload, "description", "矩阵测试"),
        (
            "organisation",
            "city_union",
            "regions:organisation-edit",
            organisation_payload,
            "address",
            "矩阵测试",
        ),
    ],
)
def test_editing_records_history_and_audit(
    fx, login, kind, user_key, url_name, payload, field, value
):
    user = fx.world.user(user_key)
    client = login(user)
    obj = fx.object(kind, "b")
    response = client.post(reverse(url_name, args=[obj.pk]), payload(fx, user_key, obj))
    assert response.status_code == 302
    obj.refresh_from_db()
    assert getattr(obj, field) == value
    assert obj.history.latest().history_user == user
    entry = AuditEntry.objects.unrestricted().get(action=AuditEntry.Action.UPDATE)
    assert entry.actor == user
    assert field in entry.data["changed"]
    assert entry.region_path == fx.world.b.region.path


ARCHIVABLE = [
    ("person", "people:person", "city_union", "/people/", "/api/v1/model-workers"),
    ("group", "people:group", "county_union_a", "/groups/", "/api/v1/lecture-groups"),
    ("school", "schools:school", "county_education_a", "/schools/", "/api/v1/schools"),
    ("organisation", "regions:organisation", "city_education", "/organisations/", None),
]


@pytest.mark.parametrize(("kind", "prefix", "user_key", "list_url", "api_url"), ARCHIVABLE)
def test_archive_and_restore_are_recorded_and_hide_from_lists(
    fx, login, kind, prefix, user_key, list_url, api_url
):
    user = fx.world.user(user_key)
    client = login(user)
    obj = fx.object(kind, "a")

    def listed(query="", *, api=False):
        if api:
            return obj.pk in {item["id"] for item in client.get(api_url + query).json()["items"]}
        return obj in client.get(list_url + query).context["object_list"]

    assert listed()
    assert client.post(reverse(f"{prefix}-archive", args=[obj.pk])).status_code == 302
    obj.refresh_from_db()
    assert obj.archived_at is not None
    assert obj.history.latest().history_user == user
    assert not listed()
    assert listed("?status=archived")
    assert listed("?status=all")
    if api_url:
        assert not listed(api=True)
        assert listed("?archived=true", api=True)
    # Archived, not gone: the page still opens, and says so.
    assert client.get(obj.get_absolute_url()).status_code == 200

    assert client.post(reverse(f"{prefix}-restore", args=[obj.pk])).status_code == 302
    obj.refresh_from_db()
    assert obj.archived_at is None
    assert listed()
    assert not listed("?status=archived")
    actions = list(
        AuditEntry.objects.unrestricted()
        .filter(object_id=str(obj.pk), object_type=obj._meta.label_lower)
        .order_by("at", "id")
        .values_list("action", "actor")
    )
    assert actions == [("archive", user.pk), ("restore", user.pk)]


# Query counts -----------------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context.captured_queries)


_serial = itertools.count(50)


def _more_people(world, n):
    for i in range(n):
        person = PersonFactory(region=world.a.region if i % 2 else world.b.region)
        HonourFactory(person=person, title=f"荣誉{i}")
        HonourFactory(person=person, title=f"另一荣誉{i}")
        MembershipFactory(group=world.a.group if i % 2 else world.b.group, person=person)


def _more_groups(world, n):
    for i in range(n):
        group = LectureGroupFactory(region=world.a.region if i % 2 else world.b.region)
        group.organisers.add(world.a.union if i % 2 else world.b.union)
        MembershipFactory(group=group, person=world.a.person if i % 2 else world.b.person)


def _more_schools(world, n):
    for i in range(n):
        SchoolFactory(region=world.a.region if i % 2 else world.b.region)


def _more_organisations(world, n):
    for _ in range(n):
        OrganisationFactory(region=world.a.region if next(_serial) % 2 else world.b.region)


def _more_regions(world, n):
    for _ in range(n):
        region = RegionFactory(code=f"6404{next(_serial):02d}", parent=world.city)
        SchoolFactory(region=region)
        PersonFactory(region=region)


def _more_audit(world, n):
    for _ in range(n):
        actor = UserFactory(username=f"actor{next(_serial)}", role="city_union", region=world.city)
        AuditEntry.objects.create(
            actor=actor,
            actor_name=str(actor),
            action="update",
            object_type="people.person",
            object_id=str(world.a.person.pk),
            object_repr=world.a.person.name,
            region_path=world.a.region.path,
        )


LISTS = [
    ("/people/", _more_people),
    ("/people/?export=xlsx", _more_people),
    ("/groups/", _more_groups),
    ("/schools/", _more_schools),
    ("/schools/?export=xlsx", _more_schools),
    ("/organisations/", _more_organisations),
    ("/regions/", _more_regions),
    ("/audit/", _more_audit),
    ("/api/v1/model-workers", _more_people),
    ("/api/v1/lecture-groups", _more_groups),
    ("/api/v1/schools", _more_schools),
    ("/api/v1/regions", _more_regions),
]


@pytest.mark.parametrize(("url", "grow"), LISTS, ids=[url for url, _ in LISTS])
@pytest.mark.parametrize("user_key", ["city_union", "county_union_a"])
def test_list_query_count_does_not_grow_with_rows(world, login, url, grow, user_key):
    """Three rows, then thirty: an N+1 in a list shows as more queries."""
    client = login(world.user(user_key))
    grow(world, 3)
    _queries(client, url)  # warm up: session, first-use caches
    few = _queries(client, url)
    grow(world, 27)
    many = _queries(client, url)
    assert many == few, f"{url}: {few} queries for a few rows, {many} for thirty"


def test_official_account_without_a_region_sees_nothing_and_does_not_fail(world, login):
    user = UserFactory(username="no_region", role="county_union")
    client = login(user)
    assert client.get("/").status_code == 200
    for url in ("/regions/", "/audit/", "/people/", world.a.person.get_absolute_url()):
        assert client.get(url).status_code == 404, url
    assert client.get("/api/v1/regions").json()["count"] == 0


@pytest.mark.parametrize("delete", ["on", ""])
def test_honour_of_another_person_cannot_be_edited_through_ones_own(fx, login, delete):
    """The honours formset only knows the person's own honours; another's id changes nothing."""
    person, other = fx.world.a.person, fx.world.b.person
    honour = other.honours.get()
    client = login(fx.world.user("county_union_a"))
    data = {
        **person_payload(fx, "county_union_a", person),
        "honours-TOTAL_FORMS": "1",
        "honours-INITIAL_FORMS": "1",
        "honours-0-id": str(honour.pk),
        "honours-0-person": str(person.pk),
        "honours-0-title": "篡改",
        "honours-0-level": "county",
        "honours-0-DELETE": delete,
    }
    response = client.post(reverse("people:person-edit", args=[person.pk]), data)
    assert response.status_code in (200, 302)
    honour.refresh_from_db()
    assert (honour.person, honour.title) == (other, "西吉县劳动模范")


def test_roster_import_refuses_another_countys_group(fx, login):
    client = login(fx.world.user("county_union_a"))
    b_group = fx.world.b.group
    url = reverse("people:roster-import")
    assert client.get(url, {"group": b_group.pk}).status_code == 404
    assert client.get(url, {"group": fx.world.a.group.pk}).status_code == 200
    response = client.post(url, {"group": b_group.pk})
    assert response.status_code == 400
    assert "group" in response.context["form"].errors


def test_page_posts_without_csrf_token_are_refused(world):
    client = Client(enforce_csrf_checks=True)
    assert client.login(username="county_union_a", password=PASSWORD)
    person = world.a.person
    for name in ("people:person-archive", "people:person-phone"):
        response = client.post(reverse(name, args=[person.pk]))
        assert response.status_code == 403
        assert person.phone.encode() not in response.content
    person.refresh_from_db()
    assert person.archived_at is None
    assert _audit_count() == 0
    assert _refusals().get().window.count == 2  # the 403s


def test_editing_a_group_keeps_organisers_the_form_cannot_offer(fx, login):
    group, union = fx.world.a.group, fx.world.a.union
    Organisation.objects.unrestricted().filter(pk=union.pk).update(archived_at=timezone.now())
    client = login(fx.world.user("county_union_a"))
    response = client.post(
        reverse("people:group-edit", args=[group.pk]), group_payload(fx, "county_union_a", group)
    )
    assert response.status_code == 302
    assert list(group.organisers.unrestricted()) == [union]


def test_roster_export_is_audited_against_the_group(world, login):
    """The roster holds full phone numbers: its export is an event of the group's own."""
    user = world.user("county_union_a")
    client = login(user)
    response = client.get(reverse("people:group-roster", args=[world.a.group.pk]))
    assert response.status_code == 200
    entry = _entries().get()
    assert (entry.action, entry.actor, entry.object_type, entry.object_id) == (
        "export",
        user,
        "people.lecturegroup",
        str(world.a.group.pk),
    )
    assert entry.data["rows"] == 1
    history = client.get(reverse("people:group-history", args=[world.a.group.pk]))
    assert "导出" in history.content.decode()


# A county opens the city's lecturers it may invite ---------------------------------------------


def test_a_county_opens_a_city_lecturer_it_may_invite_with_the_phone_masked(fx, login):
    world = fx.world
    client = login(world.user("county_union_a"))
    lecturer = world.city_person  # a member of the city's lecture group
    response = client.get(reverse("people:person-detail", args=[lecturer.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert lecturer.name in content
    assert lecturer.masked_phone in content
    assert lecturer.phone not in content
    # No reveal and no history for a lecturer outside the county: those stay the city's.
    assert reverse("people:person-phone", args=[lecturer.pk]) not in content
    assert reverse("people:person-history", args=[lecturer.pk]) not in content
    assert client.post(reverse("people:person-phone", args=[lecturer.pk])).status_code == 404
    assert client.get(reverse("people:person-history", args=[lecturer.pk])).status_code == 404
    assert not AuditEntry.objects.unrestricted().filter(action="reveal_phone").exists()


def test_a_county_still_cannot_open_other_counties_or_uninvitable_city_people(fx, login):
    world = fx.world
    client = login(world.user("county_union_a"))
    outside_groups = PersonFactory(name="市直无团", region=world.city, phone="13700000001")
    for person in (world.b.person, outside_groups):
        response = client.get(reverse("people:person-detail", args=[person.pk]))
        assert response.status_code == 404
        assert person.name.encode() not in response.content
    # Nor a city lecturer no longer available to be invited.
    world.city_person.active = False
    world.city_person.save()
    assert (
        client.get(reverse("people:person-detail", args=[world.city_person.pk])).status_code == 404
    )
    # A school contact opens no profile at all.
    school = login(world.user("school_a"))
    assert school.get(reverse("people:person-detail", args=[world.a.person.pk])).status_code == 404
