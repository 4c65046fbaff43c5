"""`laomo create-user`, `laomo issue-token` and `laomo seed-demo`."""

import io

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from laomo.accounts.models import ApiToken, User
from laomo.audit.models import AuditEntry
from laomo.core.roles import Role

PASSWORD = "Gy-lecture@2026"


def _create(*args):
    out = io.StringIO()
    call_command("create_user", *args, "--password", PASSWORD, stdout=out)
    return out.getvalue()


def _targets(world):
    return {
        Role.CITY_UNION: ["--region", world.city.code],
        Role.CITY_EDUCATION: ["--region", world.city.code],
        Role.COUNTY_UNION: ["--region", world.a.region.code],
        Role.COUNTY_EDUCATION: ["--region", world.zone.code],
        Role.SCHOOL: ["--school", str(world.b.school.pk)],
        Role.LECTURER: ["--person", str(world.a.person.pk)],
        Role.REVIEWER: [],
    }


@pytest.mark.parametrize("role", Role.values)
def test_create_user_for_each_role(world, role):
    args = _targets(world)[role]

    out = _create("new-user", "--role", role, "--name", "新账号", *args)

    assert f"已创建账号 new-user（{Role(role).label}）" in out
    user = User.objects.get(username="new-user")
    assert user.role == role
    assert user.display_name == "新账号"
    assert authenticate(username="new-user", password=PASSWORD) == user
    expected_region = {
        Role.CITY_UNION: world.city,
        Role.CITY_EDUCATION: world.city,
        Role.COUNTY_UNION: world.a.region,
        Role.COUNTY_EDUCATION: world.zone,
        Role.SCHOOL: world.b.region,
        Role.LECTURER: world.a.region,
        Role.REVIEWER: None,
    }[role]
    assert user.scope_region == expected_region
    entry = AuditEntry.objects.unrestricted().get(object_type="accounts.user")
    assert (entry.action, entry.object_id, entry.actor_name) == ("create", str(user.pk), "命令行")


def test_create_user_again_updates_the_account(world):
    _create("someone", "--role", Role.REVIEWER)
    out = _create("someone", "--role", Role.COUNTY_UNION, "--region", world.b.region.code)
    assert "已更新账号 someone" in out
    user = User.objects.get(username="someone")
    assert (user.role, user.region) == (Role.COUNTY_UNION, world.b.region)
    assert User.objects.filter(username="someone").count() == 1


@pytest.mark.parametrize(
    ("role", "args", "message"),
    [
        (Role.CITY_UNION, [], "市级角色须指定一个市（地级）区划"),
        (Role.CITY_EDUCATION, ["--region", "640402"], "市级角色须指定一个市（地级）区划"),
        (Role.COUNTY_UNION, [], "县级角色须指定一个县（区）或开发区"),
        (Role.COUNTY_EDUCATION, ["--region", "640400"], "县级角色须指定一个县（区）或开发区"),
        (Role.SCHOOL, [], "学校联络人须指定所属学校"),
        (Role.LECTURER, [], "劳模工匠账号须关联本人档案"),
        (Role.COUNTY_UNION, ["--region", "999999"], "区划代码 999999 不存在"),
        (Role.SCHOOL, ["--school", "999999"], "学校编号 999999 不存在"),
        (Role.LECTURER, ["--person", "999999"], "劳模工匠编号 999999 不存在"),
    ],
)
def test_create_user_refuses_what_the_role_does_not_allow(world, role, args, message):
    users = User.objects.count()
    with pytest.raises(CommandError, match=message):
        _create("bad-user", "--role", role, *args)
    assert User.objects.count() == users


def test_create_user_refuses_a_weak_password(world):
    with pytest.raises(CommandError) as info:
        call_command("create_user", "weak", "--role", Role.REVIEWER, "--password", "123")
    assert "密码" in str(info.value)
    assert not User.objects.filter(username="weak").exists()


def test_failed_update_leaves_the_account_as_it_was(world):
    user = world.user("county_union_a")
    with pytest.raises(CommandError):
        _create(user.username, "--role", Role.CITY_UNION, "--region", world.a.region.code)
    user.refresh_from_db()
    assert (user.role, user.region) == (Role.COUNTY_UNION, world.a.region)


# Tokens -----------------------------------------------------------------------------------------


def _token(username):
    out = io.StringIO()
    call_command("issue_token", username, stdout=out)
    return out.getvalue().strip()


def _names(response):
    body = response.json()
    items = body["items"] if isinstance(body, dict) else body
    return {item["name"] for item in items}


def test_issued_token_authenticates_the_api(world, client):
    raw = _token("county_union_a")

    assert raw.startswith("lm_")
    assert not ApiToken.objects.filter(key_hash=raw).exists()  # only its digest is kept
    response = client.get("/api/v1/schools", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert _names(response) == {world.a.school.name, world.a.other_school.name}

    city = client.get("/api/v1/schools", HTTP_AUTHORIZATION=f"Bearer {_token('city_union')}")
    assert _names(city) == {
        s.name for s in (world.a.school, world.a.other_school, world.b.school, world.b.other_school)
    }
    entry = AuditEntry.objects.unrestricted().filter(object_type="accounts.apitoken").first()
    assert entry is not None
    assert raw not in entry.object_repr


@pytest.mark.parametrize(
    "header",
    ["Bearer lm_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "lm_only-the-token"],
)
def test_invalid_token_gets_401(world, client, header):
    response = client.get("/api/v1/schools", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401


def test_revoked_token_and_inactive_user_get_401(world, client):
    from django.utils import timezone

    raw = _token("county_union_a")
    ApiToken.objects.update(revoked_at=timezone.now())
    assert client.get("/api/v1/schools", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401

    raw = _token("city_union")
    User.objects.filter(username="city_union").update(is_active=False)
    assert client.get("/api/v1/schools", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_issue_token_for_unknown_or_inactive_user(world):
    with pytest.raises(CommandError, match="账号 nobody 不存在或已停用"):
        call_command("issue_token", "nobody")
    User.objects.filter(username="reviewer").update(is_active=False)
    with pytest.raises(CommandError, match="不存在或已停用"):
        call_command("issue_token", "reviewer")


# Demo data --------------------------------------------------------------------------------------


def _counts():
    return {model._meta.label: model._base_manager.count() for model in apps.get_models()}


@pytest.mark.django_db
def test_seed_demo_twice_changes_nothing_the_second_time(client):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    first = _counts()
    assert "演示数据已就绪" in out.getvalue()
    assert first["people.Person"] >= 8 + 4 * 6
    assert first["people.HistoricalPerson"] == first["people.Person"]
    assert first["schools.School"] > 0

    call_command("seed_demo", stdout=io.StringIO())

    assert _counts() == first
    # The accounts it prints still sign in, and a lecturer sees only themself.
    from laomo.core.demo import DEMO_PASSWORD

    assert authenticate(username="lecturer-hcb", password=DEMO_PASSWORD) is not None
    assert authenticate(username="xiji-union", password=DEMO_PASSWORD).region.name == "西吉县"
