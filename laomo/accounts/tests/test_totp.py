"""The second factor (TOTP): setting it up, signing in with it, a city making it mandatory for
its administrators; recovery codes for a lost phone, and resetting the second factor."""

import io
import re
import time
from binascii import unhexlify

import pytest
from axes.models import AccessAttempt
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from laomo.accounts import signin
from laomo.accounts.models import User
from laomo.audit.models import AuditEntry
from laomo.core.testing.factories import PASSWORD, RegionFactory, UserFactory
from laomo.notices.models import Notification

IP = "10.0.0.7"


def _code(key: str, steps_ahead: int = 0) -> str:
    """What an authenticator holding `key` shows now (or `steps_ahead` 30-second steps on: the
    code of the current step may just have been used, and is never accepted twice)."""
    totp = TOTP(unhexlify(key))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def _device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="身份验证器", confirmed=True)


def _password_step(client, username, next_url=""):
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post("/login/", data, REMOTE_ADDR=IP)


def _code_step(client, code):
    return client.post("/login/code/", {"code": code}, REMOTE_ADDR=IP)


def test_setting_up_the_second_factor(world, login):
    user = world.user("county_union_a")
    client = login(user)
    page = client.get("/account/two-factor/").content.decode()
    key = client.session["laomo_totp_key"]
    assert "data:image/svg+xml" in page  # the QR code, drawn by the app itself
    assert "otpauth://totp/" in page
    assert not TOTPDevice.objects.exists()

    wrong = client.post("/account/two-factor/", {"code": "000000"}).content.decode()
    assert "动态口令不正确" in wrong
    assert not TOTPDevice.objects.exists()

    response = client.post("/account/two-factor/", {"code": _code(key)})
    assert response["Location"] == "/account/two-factor/"  # where the recovery codes are shown
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed
    assert device.key == key
    assert "已启用" in client.get("/account/two-factor/").content.decode()
    [entry] = AuditEntry.objects.unrestricted().filter(action="totp_enrol")
    assert (entry.actor, entry.object_id) == (user, str(user.pk))


def test_signing_in_asks_for_the_code_after_the_password(world):
    user = world.user("county_union_a")
    device = _device(user)
    client = Client()

    response = _password_step(client, user.username, next_url="/people/")
    assert response["Location"] == "/login/code/"
    assert client.get("/", REMOTE_ADDR=IP)["Location"] == "/login/?next=/"  # not yet signed in
    assert "_auth_user_id" not in client.session
    assert not AuditEntry.objects.unrestricted().filter(action="login").exists()

    before = client.session.session_key
    response = _code_step(client, _code(device.key))
    assert response["Location"] == "/people/"
    assert client.session.session_key != before
    assert client.get("/people/", REMOTE_ADDR=IP).status_code == 200
    entry = AuditEntry.objects.unrestricted().get(action="login")
    assert (entry.actor, entry.ip) == (user, IP)
    assert entry.details == ["方式：密码和动态口令"]

    # The same code does not sign in a second time.
    again = Client()
    _password_step(again, user.username)
    assert "动态口令不正确" in _code_step(again, _code(device.key)).content.decode()


def test_a_wrong_code_is_a_failed_sign_in_and_five_lock(world, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the device's own back-off would slow the test
    user = world.user("county_union_a")
    device = _device(user)
    client = Client()
    _password_step(client, user.username)

    for _ in range(4):
        page = _code_step(client, "123456" if _code(device.key) != "123456" else "654321")
        assert "动态口令不正确" in page.content.decode()
    failures = AuditEntry.objects.unrestricted().filter(action="login_failed")
    assert failures.count() == 4
    assert "原因：动态口令不正确" in failures.first().details
    assert AccessAttempt.objects.get().failures_since_start == 4

    assert _code_step(client, "000001").status_code == 429
    # Locked: not even the right code signs in now.
    assert _code_step(client, _code(device.key)).status_code == 429
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.unrestricted().filter(action="lockout").count() == 1


def test_the_code_page_needs_a_recent_right_password(world):
    user = world.user("county_union_a")
    device = _device(user)
    client = Client()
    assert client.get("/login/code/")["Location"] == "/login/"

    _password_step(client, user.username)
    session = client.session
    session[signin.PENDING]["at"] -= signin.PENDING_FOR.total_seconds() + 1
    session.save()
    assert _code_step(client, _code(device.key))["Location"] == "/login/"
    assert "_auth_user_id" not in client.session

    # Deactivated between the password and the code.
    _password_step(client, user.username)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert _code_step(client, _code(device.key))["Location"] == "/login/"


def test_a_city_can_make_it_mandatory_for_its_administrators(world, settings, login):
    city = world.user("city_union")
    county = world.user("county_union_a")
    root = UserFactory(username="root", is_superuser=True, is_staff=True)

    assert login(city).get("/").status_code == 200  # optional by default
    settings.LAOMO_REQUIRE_TOTP_FOR_ADMINS = True

    for admin in (city, root):
        client = login(admin)
        assert client.get("/")["Location"] == "/account/two-factor/"
        assert client.get("/admin/")["Location"] == "/account/two-factor/"
        api = client.get("/api/v1/model-workers")
        assert (api.status_code, "动态口令" in api.json()["detail"]) == (403, True)
        page = client.get("/account/two-factor/").content.decode()
        assert "本市要求管理员账号启用动态口令" in page
    assert login(county).get("/").status_code == 200  # not an administrator: still optional

    client = login(city)
    client.get("/account/two-factor/")
    client.post("/account/two-factor/", {"code": _code(client.session["laomo_totp_key"])})
    assert client.get("/").status_code == 200


def test_the_admin_signs_in_through_the_sites_own_page(world, client, login):
    """The admin's own form would skip the second factor."""
    response = client.get("/admin/login/?next=/admin/accounts/user/")
    assert response["Location"] == "/login/?next=/admin/accounts/user/"
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    # Signed in without the right to the admin: refused, not sent round in a circle.
    assert login(world.user("city_union")).get("/admin/login/").status_code == 403


# Recovery codes -------------------------------------------------------------------------------

CODE_SHAPE = re.compile(r"^[a-z2-7]{4}-[a-z2-7]{4}$")


def _codes_on(page: str) -> list[str]:
    return re.findall(r"<li>([a-z2-7]{4}-[a-z2-7]{4})</li>", page)


def _enrolled(client, user) -> tuple[TOTPDevice, list[str]]:
    """Set up the authenticator through the page; its device and the recovery codes shown."""
    client.get("/account/two-factor/")
    client.post("/account/two-factor/", {"code": _code(client.session["laomo_totp_key"])})
    codes = _codes_on(client.get("/account/two-factor/").content.decode())
    return TOTPDevice.objects.get(user=user), codes


def test_setting_up_shows_ten_recovery_codes_once(world, login):
    user = world.user("county_union_a")
    client = login(user)
    _device, codes = _enrolled(client, user)

    assert len(set(codes)) == 10
    assert all(CODE_SHAPE.match(code) for code in codes)
    assert StaticToken.objects.filter(device__user=user).count() == 10
    page = client.get("/account/two-factor/").content.decode()
    assert _codes_on(page) == []  # shown once, then only their number
    assert "还有 <strong>10</strong> 个未用的恢复码" in page
    [entry] = AuditEntry.objects.unrestricted().filter(action="recovery_codes")
    assert (entry.actor, entry.details) == (user, ["恢复码10个"])


def test_a_recovery_code_signs_in_in_place_of_the_code_and_only_once(world, login):
    user = world.user("city_union")
    _device, codes = _enrolled(login(user), user)
    code = codes[3]

    client = Client()
    _password_step(client, user.username, next_url="/people/")
    # Typed as people type: capitals, no hyphen, spaces around.
    response = _code_step(client, f" {code.replace('-', '').upper()} ")
    assert response["Location"] == "/people/"
    assert client.get("/people/", REMOTE_ADDR=IP).status_code == 200
    login_entry = AuditEntry.objects.unrestricted().filter(action="login").first()
    assert login_entry.details == ["方式：密码和恢复码", "剩余恢复码9个"]
    assert StaticToken.objects.filter(device__user=user).count() == 9

    again = Client()
    _password_step(again, user.username)
    page = _code_step(again, code).content.decode()
    assert "恢复码不正确或已用过" in page
    assert "_auth_user_id" not in again.session
    failure = AuditEntry.objects.unrestricted().filter(action="login_failed").first()
    assert "原因：恢复码不正确" in failure.details
    assert AccessAttempt.objects.get().failures_since_start == 1  # counts towards the lockout
    # Neither a six-digit code nor a recovery code: the form says what it wants.
    assert "恢复码（8位字母和数字" in _code_step(again, "abc").content.decode()


def test_new_recovery_codes_need_the_password_and_void_the_old_ones(world, login):
    user = world.user("county_union_a")
    client = login(user)
    _device, old_codes = _enrolled(client, user)

    refused = client.post("/account/two-factor/recovery-codes/", {"codes-password": "wrong"})
    assert refused["Location"] == "/account/two-factor/"
    assert "密码不正确" in client.get("/account/two-factor/").content.decode()
    kept = {t.token for t in StaticToken.objects.filter(device__user=user)}
    assert kept == {code.replace("-", "") for code in old_codes}

    client.post("/account/two-factor/recovery-codes/", {"codes-password": PASSWORD})
    new_codes = _codes_on(client.get("/account/two-factor/").content.decode())
    assert len(new_codes) == 10
    assert not set(new_codes) & set(old_codes)
    assert AuditEntry.objects.unrestricted().filter(action="recovery_codes").count() == 2

    signing_in = Client()
    _password_step(signing_in, user.username)
    assert "恢复码不正确" in _code_step(signing_in, old_codes[0]).content.decode()


def test_replacing_the_authenticator_needs_the_password(world, login):
    user = world.user("county_union_a")
    client = login(user)
    _enrolled(client, user)

    client.post("/account/two-factor/replace/", {"replace-password": "wrong"})
    assert TOTPDevice.objects.filter(user=user).exists()

    client.post("/account/two-factor/replace/", {"replace-password": PASSWORD})
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticDevice.objects.filter(user=user).exists()
    assert "data:image/svg+xml" in client.get("/account/two-factor/").content.decode()
    [entry] = AuditEntry.objects.unrestricted().filter(action="totp_reset")
    assert (entry.actor, entry.details) == (user, ["原因：本人更换验证器"])
    assert not Notification.objects.filter(user=user).exists()  # they did it themselves


# Resetting another account's second factor -----------------------------------------------------


def test_a_city_official_resets_the_second_factor_of_an_account_in_the_city(world, login, settings):
    settings.LAOMO_REQUIRE_TOTP_FOR_ADMINS = True
    official = world.user("city_union")
    county = world.user("county_union_a")
    city_colleague = world.user("city_education")
    staff = UserFactory(username="ops", is_staff=True, region=world.city, role="city_union")
    other_city = RegionFactory(code="640500", name="中卫市", level="city", parent=world.province)
    elsewhere = UserFactory(username="zhongwei", role="county_union", region=other_city)
    for user in (official, county, city_colleague, staff, elsewhere):
        _device(user)
    client = login(official)

    page = client.get("/accounts/two-factor-reset/")
    listed = {account.username for account in page.context["accounts"]}
    assert listed == {"city_union", "county_union_a", "city_education"}
    for outside in (staff, elsewhere, world.user("county_union_b")):  # staff; another city; none
        refused = client.post(
            "/accounts/two-factor-reset/", {"user": outside.pk, "reason": "手机丢失"}
        )
        assert refused.status_code == 400
    assert TOTPDevice.objects.filter(user__in=[staff, elsewhere]).count() == 2
    assert not AuditEntry.objects.unrestricted().filter(action="totp_reset").exists()

    response = client.post(
        "/accounts/two-factor-reset/", {"user": city_colleague.pk, "reason": "手机丢失，本人来电"}
    )
    assert response["Location"] == "/accounts/two-factor-reset/"
    assert not TOTPDevice.objects.filter(user=city_colleague).exists()
    [entry] = AuditEntry.objects.unrestricted().filter(action="totp_reset")
    assert (entry.actor, entry.object_id) == (official, str(city_colleague.pk))
    assert entry.details == ["原因：手机丢失，本人来电"]
    [notice] = Notification.objects.filter(user=city_colleague)
    assert notice.title == "您的两步验证已被重置"
    # The colleague signs in with the password alone and is sent to set up a new authenticator.
    assert login(city_colleague).get("/")["Location"] == "/account/two-factor/"

    # County officials do not reset anyone's.
    assert login(world.user("county_union_b")).get("/accounts/two-factor-reset/").status_code == 404


def test_the_command_resets_any_account_and_says_when_there_is_nothing(world):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    _device(root)
    out = io.StringIO()
    call_command("reset_two_factor", "root", "--reason", "手机丢失", stdout=out)
    assert "已重置 root 的两步验证" in out.getvalue()
    assert not TOTPDevice.objects.filter(user=root).exists()
    entry = AuditEntry.objects.unrestricted().get(action="totp_reset")
    assert (entry.actor_name, entry.object_id) == ("命令行", str(root.pk))

    with pytest.raises(CommandError, match="没有启用两步验证"):
        call_command("reset_two_factor", "root", "--reason", "再来一次")
    with pytest.raises(CommandError, match="不存在"):
        call_command("reset_two_factor", "nobody", "--reason", "手机丢失")
    assert AuditEntry.objects.unrestricted().filter(action="totp_reset").count() == 1


def test_a_code_refused_for_coming_too_fast_is_recorded_but_not_counted(world):
    user = world.user("county_union_a")
    device = _device(user)
    device.throttling_failure_count = 3
    device.throttling_failure_timestamp = timezone.now()
    device.save()
    client = Client()
    _password_step(client, user.username)
    page = _code_step(client, _code(device.key))
    assert "尝试过于频繁" in page.content.decode()
    failure = AuditEntry.objects.unrestricted().get(action="login_failed")
    assert "原因：动态口令尝试过于频繁，未核对" in failure.details
    assert not AccessAttempt.objects.exists()
