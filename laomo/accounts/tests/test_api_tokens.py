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
