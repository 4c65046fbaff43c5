"""Signing in (等保2.0 身份鉴别, 安全审计): five failures lock the account and the address for 30
minutes; a session ends after 30 idle minutes and 8 hours in all; the session key changes at
sign-in; a deactivated user is out at their next request; and each event is in the audit log."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext

from laomo.accounts import signin
from laomo.accounts.models import ApiToken, User
from laomo.audit.models import AuditEntry
from laomo.core.testing.factories import PASSWORD

HOME, OFFICE = "10.0.0.1", "10.0.0.2"


def _post_login(client, username, password, ip=HOME):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def _signed_in(client) -> bool:
    return client.get("/", REMOTE_ADDR=HOME).status_code == 200


def _entries(action):
    return list(AuditEntry.objects.unrestricted().filter(action=action).order_by("id"))


def _age_failures(minutes, seconds=0):
    """As if the failures so far had happened that long ago."""
    AccessAttempt.objects.update(
        attempt_time=F("attempt_time") - timedelta(minutes=minutes, seconds=seconds)
    )


# Lockout --------------------------------------------------------------------------------------


def test_five_failures_lock_the_account_for_30_minutes(world):
    user = world.user("county_union_a")
    for _ in range(4):
        assert _post_login(Client(), user.username, "Wrong#2026pw").status_code == 200
    # Four failures are not yet a lockout: the right password still signs in (from the office).
    assert _post_login(Client(), user.username, PASSWORD, ip=OFFICE).status_code == 302
    AccessAttempt.objects.all().delete()

    for _ in range(4):
        _post_login(Client(), user.username, "Wrong#2026pw")
    fifth = _post_login(Client(), user.username, "Wrong#2026pw")
    assert fifth.status_code == 429
    assert "该账号或您当前的网络地址已被锁定30分钟" in fifth.content.decode()

    # The account is locked wherever the right password comes from.
    refused = _post_login(Client(), user.username, PASSWORD, ip=OFFICE)
    assert refused.status_code == 429
    assert "_auth_user_id" not in refused.client.session

    _age_failures(29)
    assert _post_login(Client(), user.username, PASSWORD, ip=OFFICE).status_code == 429
    # Trying while locked starts the 30 minutes again.
    _age_failures(30, 1)
    client = Client()
    assert _post_login(client, user.username, PASSWORD, ip=OFFICE).status_code == 302
    assert client.get("/", REMOTE_ADDR=OFFICE).status_code == 200


def test_five_failures_lock_the_address_for_every_account(world):
    for name in ["nobody1", "nobody2", "county_union_b", "nobody3", "nobody4"]:
        _post_login(Client(), name, "Wrong#2026pw", ip=HOME)

    user = world.user("county_union_a")  # never tried, but from the locked address
    assert _post_login(Client(), user.username, PASSWORD, ip=HOME).status_code == 429
    assert _post_login(Client(), user.username, PASSWORD, ip=OFFICE).status_code == 302

    _age_failures(30, 1)
    assert _post_login(Client(), user.username, PASSWORD, ip=HOME).status_code == 302


def test_the_address_behind_nginx_is_the_one_locked(world, settings):
    settings.LAOMO_TRUSTED_PROXY = True
    for _ in range(5):
        Client().post(
            "/login/",
            {"username": "county_union_a", "password": "Wrong#2026pw"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_REAL_IP="203.0.113.9",
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}
    assert _entries("login_failed")[0].ip == "203.0.113.9"


def test_failures_lockout_and_refusals_are_in_the_audit_log(world):
    for _ in range(5):
        _post_login(Client(), "county_union_a", "Wrong#2026pw")
    _post_login(Client(), "county_union_a", PASSWORD, ip=OFFICE)  # refused while locked
    _post_login(Client(), "no-such-user", "Wrong#2026pw", ip=OFFICE)

    failures = _entries("login_failed")
    assert len(failures) == 7
    first = failures[0]
    assert (first.actor_name, first.ip, first.outcome) == ("county_union_a", HOME, "failure")
    assert (first.object_type, first.object_id) == (
        "accounts.user",
        str(world.user("county_union_a").pk),
    )
    # PostgreSQL's jsonb keeps its own key order: the lines, not their order.
    assert sorted(first.details) == sorted(
        ["使用的用户名：county_union_a", "原因：用户名或密码不正确"]
    )
    assert first.region_path == world.a.region.path
    assert failures[5].ip == OFFICE
    assert "原因：账号或地址已锁定，未核对密码" in failures[5].details
    unknown = failures[6]
    assert (unknown.actor_name, unknown.object_id) == ("no-such-user", "")
    assert unknown.region_path == world.city.path  # filed with the city, whose officials see it

    [lockout] = _entries("lockout")  # one lockout, not one per refused try
    assert (lockout.actor_name, lockout.ip, lockout.outcome) == ("county_union_a", HOME, "denied")
    assert sorted(lockout.details) == sorted(
        ["使用的用户名：county_union_a", "原因：登录失败次数达到上限（5次）", "锁定30分钟"]
    )


def test_the_city_reads_sign_in_events_in_the_audit_page(world, login):
    _post_login(Client(), "county_union_b", "Wrong#2026pw")
    _post_login(Client(), "ghost", "Wrong#2026pw")
    page = login(world.user("city_union")).get("/audit/?action=login_failed").content.decode()
    assert "时间（UTC+0800）" in page
    assert page.count('text-danger">失败<') == 2
    assert "ghost" in page
    assert "10.0.0.1" in page
    county_a = login(world.user("county_union_a")).get("/audit/?action=login_failed")
    assert "county_union_b" not in county_a.content.decode()
    assert "ghost" not in county_a.content.decode()


# The session ------------------------------------------------------------------------------------


def test_the_session_key_changes_at_sign_in(world, client):
    session = client.session
    session["seen_before_sign_in"] = True
    session.save()
    before = session.session_key
    client.cookies["sessionid"] = before

    assert _post_login(client, "county_union_a", PASSWORD).status_code == 302

    after = client.cookies["sessionid"].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert _signed_in(client)


def _shift(client, key, **delta):
    session = client.session
    session[key] -= timedelta(**delta).total_seconds()
    session.save()


def test_a_session_idle_for_30_minutes_ends(world, client):
    _post_login(client, "county_union_a", PASSWORD)
    _shift(client, signin.SEEN_AT, minutes=29)
    assert _signed_in(client)  # and the request counts as activity
    _shift(client, signin.SEEN_AT, minutes=29)
    assert _signed_in(client)

    _shift(client, signin.SEEN_AT, minutes=30, seconds=1)
    response = client.get("/people/")
    assert response["Location"] == "/login/?next=/people/"
    page = client.get("/login/").content.decode()
    assert "超过30分钟未操作，已自动退出，请重新登录。" in page
    assert client.get("/api/v1/model-workers").status_code == 401
    [entry] = _entries("logout")
    assert entry.actor == User.objects.get(username="county_union_a")
    assert "原因：超过30分钟未操作，已自动退出" in entry.details


def test_any_session_ends_8_hours_after_sign_in(world, client):
    _post_login(client, "county_union_a", PASSWORD)
    _shift(client, signin.SIGNED_IN_AT, hours=7, minutes=59)
    assert _signed_in(client)

    _shift(client, signin.SIGNED_IN_AT, minutes=1, seconds=1)  # busy all along, but 8 hours on
    assert client.get("/")["Location"] == "/login/?next=/"
    assert "登录已满8小时" in client.get("/login/").content.decode()
    assert "原因：登录已满8小时，已自动退出" in _entries("logout")[0].details


def test_a_session_without_its_clock_is_ended(world, client):
    """A session from before these rules (or tampered with) has no sign-in time: it ends."""
    _post_login(client, "county_union_a", PASSWORD)
    session = client.session
    del session[signin.SIGNED_IN_AT]
    session.save()
    assert client.get("/")["Location"] == "/login/?next=/"


def test_signing_in_and_out_is_in_the_audit_log(world, client):
    _post_login(client, "county_union_a", PASSWORD)
    client.post("/logout/", REMOTE_ADDR=HOME)
    sign_in, sign_out = _entries("login")[0], _entries("logout")[0]
    user = User.objects.get(username="county_union_a")
    assert (sign_in.actor, sign_in.ip, sign_in.outcome) == (user, HOME, "success")
    assert sign_in.details == ["方式：密码"]
    assert sign_in.region_path == world.a.region.path
    assert (sign_out.actor, sign_out.ip) == (user, HOME)
    assert sign_out.details == ["原因：本人退出"]


# Deactivated users ----------------------------------------------------------------------------


def test_a_deactivated_user_is_out_at_the_next_request(world, client):
    _post_login(client, "county_union_a", PASSWORD)
    assert _signed_in(client)
    User.objects.filter(username="county_union_a").update(is_active=False)
    assert client.get("/people/")["Location"] == "/login/?next=/people/"
    assert client.get("/api/v1/model-workers").status_code == 401
    # And the password no longer signs in.
    refused = _post_login(Client(), "county_union_a", PASSWORD)
    assert refused.status_code == 200
    assert "用户名或密码不正确" in refused.content.decode()


def test_a_deactivated_users_api_token_stops_working(world, client):
    user = world.user("county_union_a")
    _token, raw = ApiToken.issue(user)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get("/api/v1/model-workers", **auth).status_code == 200
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert client.get("/api/v1/model-workers", **auth).status_code == 401


@pytest.mark.parametrize("key", ["city_union", "city_education", "county_union_a"])
def test_each_request_reads_the_account_with_its_region_in_one_query(world, key):
    """An official's account comes with the region its scope works in."""
    client = Client()
    assert _post_login(client, world.user(key).username, PASSWORD).status_code == 302
    client.get("/notices/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/notices/").status_code == 200
    reads = [q["sql"] for q in queries.captured_queries if 'FROM "accounts_user"' in q["sql"]]
    assert len(reads) == 1
    assert 'JOIN "regions_region"' in reads[0]
    single = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT "regions_region"."id", "regions_region"."code"')
        and '"regions_region"."id" = ' in q["sql"]
    ]
    assert single == []
