"""Passwords and second factors: setting them, and the audit entries they leave."""

from __future__ import annotations

import time
from base64 import b32encode
from binascii import unhexlify
from datetime import timedelta

import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from laomo.accounts.models import ApiToken, User
from laomo.audit.models import AuditEntry
from laomo.audit.services import record
from laomo.regions.models import Region


def audit_region(user: User | None):
    """Where a sign-in event is filed in the log: the account's own region, else the city (a
    reviewer's or superuser's account, a user name that does not exist), so that the city's
    officials see it."""
    region = user.scope_region if user is not None else None
    if region is None:
        # The log belongs to the whole city, whatever the asker's scope (why: see docstring).
        region = Region.objects.unrestricted().filter(code=settings.LAOMO_CITY_CODE).first()
    return region


def change_password(user: User, raw_password: str, *, acting_user: User) -> None:
    """The user's own new password, good for `LAOMO_PASSWORD_MAX_AGE_DAYS` days. (Validated by
    the form that asked for it.)"""
    user.set_password(raw_password)
    user.password_changed_at = timezone.now()
    user.must_change_password = False
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    record(
        AuditEntry.Action.PASSWORD_CHANGE,
        actor=acting_user,
        obj=user,
        region=audit_region(user),
    )


def set_password_by_admin(user: User, raw_password: str | None) -> None:
    """A password an administrator chose (the admin, `laomo create-user`): the user must replace
    it at their first sign-in. Not saved here; the caller saves and records."""
    if raw_password is not None:
        user.set_password(raw_password)
    user.password_changed_at = timezone.now()
    user.must_change_password = True


# The second factor (TOTP) ---------------------------------------------------------------------

TOTP_DEVICE_NAME = "身份验证器"


def totp_device(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator, if they have set one up."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def new_totp_key() -> str:
    return random_hex(20)


def totp_setup_uri(user: User, key: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return TOTPDevice(user=user, key=key).config_url


def totp_secret(key: str) -> str:
    """The key as people type it into an authenticator by hand: base32, in groups of four."""
    text = b32encode(unhexlify(key)).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def totp_qr_svg(uri: str) -> str:
    """The QR code of `uri` as an SVG data: URI, drawn here (no outside service sees the key)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


@transaction.atomic
def enrol_totp(user: User, key: str, code: str) -> TOTPDevice | None:
    """Set up the authenticator holding `key`, if `code` is what it shows now; else None."""
    device = TOTPDevice(user=user, key=key, name=TOTP_DEVICE_NAME, confirmed=True)
    totp = TOTP(unhexlify(key), device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if not code.isdigit() or not totp.verify(int(code), device.tolerance):
        return None
    device.last_t = totp.t()  # the code that confirmed it may not sign in as well
    TOTPDevice.objects.filter(user=user).delete()
    device.save()
    record(
        AuditEntry.Action.TOTP_ENROL,
        actor=user,
        obj=user,
        region=audit_region(user),
    )
    return device


# API tokens -----------------------------------------------------------------------------------

# A refused token is recorded at most once in this time: an integration that goes on calling with
# an expired token every few seconds leaves one entry an hour, not thousands.
TOKEN_REFUSAL_QUIET = timedelta(hours=1)


def record_token_refusal(token: ApiToken, reason: str) -> None:
    """Record that a known token (expired, revoked, or of a deactivated account) was refused: a
    forgotten integration or a leaked token, both for the officials to see. A string that is no
    token at all is not recorded: anyone can send one, it names no account, and a scanner
    sending thousands would drown the log (the web server's access log has those 401s)."""
    recent = AuditEntry.objects.unrestricted().filter(
        action=AuditEntry.Action.TOKEN_REFUSED,
        object_type=ApiToken._meta.label_lower,
        object_id=str(token.pk),
        at__gte=timezone.now() - TOKEN_REFUSAL_QUIET,
    )
    if recent.exists():
        return
    user = token.user
    record(
        AuditEntry.Action.TOKEN_REFUSED,
        actor_name=user.username,
        obj=token,
        object_repr=describe_token(token),
        region=audit_region(user),
        outcome="denied",
        data={"reason": _token_state(token)},
    )


def _token_state(token: ApiToken) -> str:
    """What the log says about a refused token: the whole truth, unlike the caller's answer."""
    if token.revoked_at is not None:
        return _("令牌已吊销")
    if not token.user.is_active:
        return _("账号已停用")
    return _("令牌已过期")


def describe_token(token: ApiToken) -> str:
    return _("{username} 的 API 令牌 {hint}…").format(username=token.user.username, hint=token.hint)
