"""The second factor (TOTP): setting it up, signing in with it, and a city making it mandatory
for its administrators."""

import time
from binascii import unhexlify

from axes.models import AccessAttempt
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from laomo.accounts import signin
from laomo.accounts.models import User
from laomo.audit.models import AuditEntry
from laomo.core.testing.factories import PASSWORD, UserFactory

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
    assert response["Location"] == "/"
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
