"""The JSON API under /api/v1: its schema, its objects, pages and filters, how callers prove who
they are, and that another region's object is a 404 with a JSON body."""

import re

import pytest
from django.test import Client
from django.utils import timezone

from laomo.accounts.models import ApiToken
from laomo.audit.models import AuditEntry
from laomo.core.testing.factories import PASSWORD, PersonFactory
from laomo.people.models import Person

LISTS = ["/api/v1/regions", "/api/v1/schools", "/api/v1/model-workers", "/api/v1/lecture-groups"]


def bearer(client, user, url, method="get"):
    _token, raw = ApiToken.issue(user)
    return getattr(client, method)(url, HTTP_AUTHORIZATION=f"Bearer {raw}")


def items(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["items"]


# The schema -------------------------------------------------------------------------------------


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_openapi_schema_is_valid_and_every_path_is_secured(world, login):
    response = login(world.user("county_union_a")).get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"]
    assert schema["info"]["version"]
    paths = schema["paths"]
    for path in [
        "/api/v1/regions",
        "/api/v1/regions/{region_id}",
        "/api/v1/schools",
        "/api/v1/schools/{school_id}",
        "/api/v1/model-workers",
        "/api/v1/model-workers/{person_id}",
        "/api/v1/model-workers/{person_id}/reveal-phone",
        "/api/v1/lecture-groups",
        "/api/v1/lecture-groups/{group_id}",
    ]:
        assert path in paths, path
    schemes = schema["components"]["securitySchemes"]
    assert schemes["BearerToken"] == {"type": "http", "scheme": "bearer"}
    for path, operations in paths.items():
        assert operations, path
        for method, operation in operations.items():
            assert method in {"get", "post", "put", "patch", "delete"}, (path, method)
            security = operation.get("security")
            assert security, f"{method.upper()} {path} has no security requirement"
            assert all(set(requirement) <= set(schemes) for requirement in security)
            assert {"200", "201"} & set(operation["responses"]), (path, method)
            for name in (p["name"] for p in operation.get("parameters", []) if p["in"] == "path"):
                assert "{" + name + "}" in path
    components = schema["components"]["schemas"]
    for ref in _refs(schema):
        assert ref.startswith("#/components/schemas/")
        assert ref.rsplit("/", 1)[1] in components, ref


def test_schema_and_docs_need_a_caller(world, client):
    for url in ("/api/v1/openapi.json", "/api/v1/docs"):
        response = client.get(url)
        assert response.status_code == 401
        assert response.json()["detail"]
    assert bearer(client, world.user("reviewer"), "/api/v1/openapi.json").status_code == 200


# Objects, pages, filters ------------------------------------------------------------------------


def test_every_object_has_an_id_and_a_region_code(world, login):
    client = login(world.user("city_union"))
    for url in LISTS:
        listed = items(client.get(url))
        assert listed, url
        for item in listed:
            assert isinstance(item["id"], int)
            assert item["region_code"]
            detail = client.get(f"{url}/{item['id']}")
            assert detail.status_code == 200
            assert detail.json()["id"] == item["id"]
            assert detail.json()["region_code"] == item["region_code"]
            for honour in item.get("honours", []):
                assert isinstance(honour["id"], int)
    group = client.get(f"/api/v1/lecture-groups/{world.a.group.pk}").json()
    assert group["members"] == [{"id": world.a.person.pk, "name": "原劳模", "position": 1}]


def test_pagination_pages_and_caps_page_size(world, login):
    Person.objects.bulk_create(
        [Person(name=f"批量{i:03d}", gender="男", region=world.a.region) for i in range(205)]
    )
    client = login(world.user("city_union"))
    first = client.get("/api/v1/model-workers").json()
    assert first["count"] == 208
    assert len(first["items"]) == 50  # the default page
    capped = client.get("/api/v1/model-workers", {"page_size": 1000}).json()
    assert len(capped["items"]) == 200
    one = client.get("/api/v1/model-workers", {"page_size": 1, "page": 2}).json()
    assert len(one["items"]) == 1
    assert one["items"][0]["id"] == first["items"][1]["id"]
    last = client.get("/api/v1/model-workers", {"page_size": 200, "page": 2}).json()
    assert len(last["items"]) == 8


def test_search_finds_by_name_and_pinyin(world, login):
    client = login(world.user("city_union"))
    for q in ("hcb", "HCB", "何成斌", "hechengbin", "成斌"):
        found = items(client.get("/api/v1/model-workers", {"q": q}))
        assert [p["id"] for p in found] == [world.city_person.pk], q
    assert items(client.get("/api/v1/model-workers", {"q": "xyz"})) == []
    schools = items(client.get("/api/v1/schools", {"q": "yzq"}))
    assert {s["id"] for s in schools} == {world.a.school.pk, world.a.other_school.pk}


def test_region_and_stage_filters(world, login):
    client = login(world.user("city_union"))
    in_a = items(client.get("/api/v1/model-workers", {"region": "640402"}))
    assert [p["id"] for p in in_a] == [world.a.person.pk]
    in_city = items(client.get("/api/v1/model-workers", {"region": "640400"}))
    assert len(in_city) == 3  # the city and everything below it
    junior = items(client.get("/api/v1/schools", {"stage": "junior"}))
    assert {s["id"] for s in junior} == {world.a.other_school.pk, world.b.other_school.pk}
    junior_in_b = items(client.get("/api/v1/schools", {"stage": "junior", "region": "640422"}))
    assert [s["id"] for s in junior_in_b] == [world.b.other_school.pk]
    groups = items(client.get("/api/v1/lecture-groups", {"region": "640422"}))
    assert [g["id"] for g in groups] == [world.b.group.pk]
    counties = items(client.get("/api/v1/regions", {"level": "county"}))
    assert {r["region_code"] for r in counties} == {"640402", "640422"}
    assert client.get("/api/v1/schools", {"stage": "nursery"}).status_code == 422


def test_region_filter_cannot_widen_a_county_scope(world, login):
    client = login(world.user("county_union_a"))
    assert items(client.get("/api/v1/model-workers", {"region": "640422"})) == []
    assert items(client.get("/api/v1/schools", {"region": "640400"})) != []
    assert {s["region_code"] for s in items(client.get("/api/v1/schools"))} == {"640402"}


# Who is calling ---------------------------------------------------------------------------------


def test_bearer_token_works_and_sets_the_scope(world, client):
    user = world.user("county_union_a")
    response = bearer(client, user, "/api/v1/model-workers")
    assert [p["id"] for p in items(response)] == [world.a.person.pk]
    token = ApiToken.objects.get(user=user)
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    "header",
    [
        "Bearer lm_not-a-real-token",
        "Bearer ",
        "Token lm_whatever",
        "Basic Y2l0eV91bmlvbjpwYXNz",
    ],
)
def test_wrong_token_is_401(world, client, header):
    response = client.get("/api/v1/model-workers", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["detail"]


def test_revoked_token_and_inactive_user_are_401(world, client):
    user = world.user("city_union")
    token, raw = ApiToken.issue(user)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get("/api/v1/regions", **auth).status_code == 200
    token.revoked_at = timezone.now()
    token.save()
    assert client.get("/api/v1/regions", **auth).status_code == 401
    _token, raw = ApiToken.issue(user)
    user.is_active = False
    user.save()
    response = client.get("/api/v1/regions", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 401


def test_token_of_one_user_does_not_ride_on_anothers_session(world, login):
    """A signed-in browser that also sends a token is the token's user, not the session's."""
    client = login(world.user("city_union"))
    response = bearer(client, world.user("county_union_b"), "/api/v1/model-workers")
    assert [p["id"] for p in items(response)] == [world.b.person.pk]


def test_session_works(world, login):
    client = login(world.user("county_union_a"))
    assert [p["id"] for p in items(client.get("/api/v1/model-workers"))] == [world.a.person.pk]


def test_anonymous_is_401_with_a_json_body(world, client):
    for url in [*LISTS, f"/api/v1/model-workers/{world.a.person.pk}"]:
        response = client.get(url)
        assert response.status_code == 401, url
        assert response.json()["detail"]
    response = client.post(f"/api/v1/model-workers/{world.a.person.pk}/reveal-phone")
    assert response.status_code == 401
    assert AuditEntry.objects.unrestricted().count() == 0


def test_session_post_without_csrf_token_is_refused(world):
    client = Client(enforce_csrf_checks=True)
    assert client.login(username="county_union_a", password=PASSWORD)
    url = f"/api/v1/model-workers/{world.a.person.pk}/reveal-phone"
    response = client.post(url)
    assert response.status_code == 403
    assert world.a.person.phone.encode() not in response.content
    # (Signing in is in the log; no reveal is.)
    assert not AuditEntry.objects.unrestricted().filter(action="reveal_phone").exists()
    # With the token the page would send, the same call goes through.
    client.get("/people/")
    response = client.post(url, HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    assert response.status_code == 200
    assert response.json()["phone"] == world.a.person.phone


def test_bearer_post_needs_no_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    user = world.user("county_union_a")
    response = bearer(
        client, user, f"/api/v1/model-workers/{world.a.person.pk}/reveal-phone", "post"
    )
    assert response.status_code == 200


# Scope ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "regions/{b.region.pk}",
        "schools/{b.school.pk}",
        "model-workers/{b.person.pk}",
        "lecture-groups/{b.group.pk}",
        "model-workers/{city_person.pk}",
        "lecture-groups/{city_group.pk}",
        "regions/{city.pk}",
        "model-workers/999999",
    ],
)
def test_other_regions_object_is_404_with_a_json_body(world, login, path):
    client = login(world.user("county_education_a"))
    response = client.get("/api/v1/" + path.format(**world.__dict__))
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "未找到"}


def test_phones_are_masked_except_ones_own(world, login, client):
    official = login(world.user("city_union"))
    for person in items(official.get("/api/v1/model-workers")):
        assert "****" in person["phone"]
    detail = official.get(f"/api/v1/model-workers/{world.a.person.pk}").json()
    assert detail["phone"] == "139****0001"
    own = login(world.user("lecturer_a"))
    assert own.get(f"/api/v1/model-workers/{world.a.person.pk}").json()["phone"] == "13909540001"
    assert [p["phone"] for p in items(own.get("/api/v1/model-workers"))] == ["13909540001"]


def test_reveal_returns_the_number_and_writes_one_audit_entry(world, client):
    user = world.user("county_union_a")
    started = timezone.now()
    response = bearer(
        client, user, f"/api/v1/model-workers/{world.a.person.pk}/reveal-phone", "post"
    )
    assert response.status_code == 200
    assert response.json() == {"id": world.a.person.pk, "phone": "13909540001"}
    entry = AuditEntry.objects.unrestricted().get()
    assert (entry.action, entry.actor, entry.object_type, entry.object_id) == (
        "reveal_phone",
        user,
        "people.person",
        str(world.a.person.pk),
    )
    assert entry.at >= started
    assert entry.region_path == world.a.region.path


def test_list_count_is_the_callers_scope(world, login):
    """Other counties' rows are filtered in the database, not after: the count is the county's."""
    PersonFactory.create_batch(5, region=world.b.region)
    client = login(world.user("county_union_a"))
    assert client.get("/api/v1/model-workers").json()["count"] == 1


def test_docs_page_loads_nothing_from_outside(world, login):
    """A government intranet has no CDN: the API browser's assets are the app's own."""
    content = login(world.user("city_union")).get("/api/v1/docs").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', content)
    assert assets
    assert all(asset.startswith("/static/") for asset in assets), assets


def test_group_search_is_the_pages_search(world, login):
    """Group names hold Latin letters too; the API finds them as the page does, in any case."""
    from laomo.core.testing.factories import LectureGroupFactory

    group = LectureGroupFactory(name="AI工匠宣讲团", region=world.a.region)
    client = login(world.user("county_union_a"))
    for q in ("ai", "AI", "工匠", " ai "):
        assert [g["id"] for g in items(client.get("/api/v1/lecture-groups", {"q": q}))] == [
            group.pk
        ], q
        assert list(client.get("/groups/", {"q": q}).context["object_list"]) == [group], q
