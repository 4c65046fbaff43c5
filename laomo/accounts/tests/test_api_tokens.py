"""API tokens: they expire, die with their account, do not depend on its password, and a refused
known token is recorded without flooding the log."""

import io
from datetime import timedelta

import pytest
from django.core.checks import run_checks
from django.core.management import CommandError, call_command
from django.utils import timezone

from laomo.accounts.models import ApiToken, User
from laomo.audit.models import AuditEntry

URL = "/api/v1/model-workers"


def _issue(username, *args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("issue_token", username, *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def _call(client, raw):
    return client.get(URL, HTTP_AUTHORIZATION=f"Bearer {raw}")


def _refusals():
    return AuditEntry.objects.unrestricted().filter(action=AuditEntry.Action.TOKEN_REFUSED)


def test_a_token_lives_its_days_and_is_refused_after_them(world, client):
    raw, told = _issue("county_union_a", "--days", "7")
    token = ApiToken.objects.get()
    assert timedelta(days=7) - (token.expires_at - timezone.now()) < timedelta(minutes=1)
    assert "令牌有效期至" in told
    issued = AuditEntry.objects.unrestricted().get(object_type="accounts.apitoken")
    assert issued.data["expires"] == f"{timezone.localtime(token.expires_at):%Y年%-m月%-d日 %H:%M}"
    assert _call(client, raw).status_code == 200

    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    refused = _call(client, raw)
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"] == 'Bearer realm="laomo"'
    assert "过期" in refused.json()["detail"]
    assert "请联系管理员重新签发" in refused.json()["detail"]
    [entry] = _refusals()
    assert (entry.outcome, entry.object_id, entry.actor_name) == (
        "denied",
        str(token.pk),
        "county_union_a",
    )
    assert "原因：令牌已过期" in entry.details
    assert entry.region_path == world.a.region.path  # the county's officials see it


def test_the_default_lifetime_is_a_setting_and_every_token_ends_within_a_year(world, settings):
    settings.LAOMO_API_TOKEN_DAYS = 30
    _issue("county_union_a")
    token = ApiToken.objects.get()
    assert timedelta(days=30) - (token.expires_at - timezone.now()) < timedelta(minutes=1)
    for days in ("0", "-1", "366"):
        with pytest.raises(CommandError, match="令牌有效期应为1到365天"):
            _issue("county_union_a", "--days", days)
    assert ApiToken.objects.count() == 1

    for bad in (0, 400):
        settings.LAOMO_API_TOKEN_DAYS = bad
        assert [e.id for e in run_checks() if e.id == "laomo.E004"] == ["laomo.E004"]
    settings.LAOMO_API_TOKEN_DAYS = 90
    assert not [e for e in run_checks() if e.id == "laomo.E004"]


def test_a_token_does_not_depend_on_the_password_but_dies_with_the_account(world, client, login):
    """A machine credential: an expired password, or one an administrator set, sends the person
    to change it in the browser, but does not stop their integrations. Deactivating the account
    does, at once, and the caller is told no more than for an unknown token."""
    user = world.user("county_union_a")
    _token, raw = ApiToken.issue(user)
    User.objects.filter(pk=user.pk).update(
        password_changed_at=timezone.now() - timedelta(days=200), must_change_password=True
    )
    session = login(user).get(URL)
    assert session.status_code == 403
    assert "密码" in session.json()["detail"]
    assert _call(client, raw).status_code == 200

    User.objects.filter(pk=user.pk).update(is_active=False)
    refused = _call(client, raw)
    assert refused.status_code == 401
    assert refused.json()["detail"] == "令牌无效或已吊销"
    assert ["原因：账号已停用" in e.details for e in _refusals()] == [True]


def test_refusals_of_a_token_are_recorded_once_an_hour_and_unknown_tokens_once_per_address(
    world, client, monkeypatch
):
    user = world.user("city_union")
    token, raw = ApiToken.issue(user)
    token.revoked_at = timezone.now()
    token.save()

    for _ in range(5):
        assert _call(client, raw).status_code == 401
    assert _refusals().count() == 1
    assert "原因：令牌已吊销" in _refusals().get().details
    assert _refusals().get().window.count == 5

    later = timezone.now() + timedelta(minutes=61)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert _call(client, raw).status_code == 401
    assert _refusals().count() == 2

    for guess in ("lm_not-a-real-token", "x" * 40):
        assert _call(client, guess).status_code == 401
    unknown = _refusals().get(actor__isnull=True)
    assert (unknown.actor_name, unknown.window.count) == ("匿名访问", 2)
    assert "原因：令牌不存在" in unknown.details


def _fail_sign_in(username, times, ip="10.0.0.9"):
    from django.test import Client

    for _ in range(times):
        Client().post("/login/", {"username": username, "password": "Wrong#2026pw"}, REMOTE_ADDR=ip)


@pytest.mark.parametrize("password_expired", [False, True], ids=["locked", "expired-and-locked"])
def test_a_locked_accounts_token_is_refused_while_the_lock_holds(
    world, client, monkeypatch, password_expired
):
    """Five failed sign-ins lock the account (django-axes); its tokens wait while the lock holds
    (an expired password alone does not stop them, see above), the refusal is recorded once,
    and the token works again when the lock lifts or is reset."""
    from axes.models import AccessAttempt

    user = world.user("county_union_a")
    token, raw = ApiToken.issue(user)
    if password_expired:
        User.objects.filter(pk=user.pk).update(
            password_changed_at=timezone.now() - timedelta(days=200)
        )
    _fail_sign_in(user.username, 4)
    assert _call(client, raw).status_code == 200  # four failures are no lock yet

    _fail_sign_in(user.username, 1, ip="10.0.0.10")  # the fifth, from anywhere
    refused = _call(client, raw)
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"] == 'Bearer realm="laomo"'
    assert "账号因登录失败次数过多已被锁定" in refused.json()["detail"]
    assert "前令牌不能使用" in refused.json()["detail"]
    assert _call(client, raw).status_code == 401
    [entry] = _refusals()
    assert "原因：账号已锁定（登录失败次数过多）" in entry.details
    assert entry.repeats == 2  # both refusals, counted into one entry
    assert entry.object_id == str(token.pk)

    # The lock lifts after the cool-off (30 minutes from the last failure).
    later = timezone.now() + timedelta(minutes=31)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert _call(client, raw).status_code == 200
    monkeypatch.undo()

    # A reset (laomo axes-reset-username) lifts it at once.
    assert _call(client, raw).status_code == 401
    AccessAttempt.objects.filter(username=user.username).delete()
    assert _call(client, raw).status_code == 200

    # A locked address is the sign-in page's business, not the token's: guesses at other
    # accounts from the caller's own address do not stop it.
    for name in ("a1", "a2", "a3", "a4", "a5"):
        _fail_sign_in(name, 1, ip="127.0.0.1")
    assert AccessAttempt.objects.filter(ip_address="127.0.0.1").count() == 5
    assert _call(client, raw).status_code == 200
