"""Passwords, second factors and API tokens: setting them, and the audit entries they leave."""

from __future__ import annotations

import time
from base64 import b32encode
from binascii import unhexlify

import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from laomo.accounts.models import ApiToken, User
from laomo.audit.models import AuditEntry, Refusal
from laomo.audit.services import record, record_refusal
from laomo.core.scoping import Scope
from laomo.notices.services import notify
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


def record_account_event(action: str, user: User, *, actor: User | None, **data) -> None:
    """An entry about the account `user` (its password, its second factor), filed where its
    sign-ins are."""
    record(action, actor=actor, obj=user, region=audit_region(user), data=data)


def change_password(user: User, raw_password: str, *, acting_user: User) -> None:
    """The user's own new password, good for `LAOMO_PASSWORD_MAX_AGE_DAYS` days. (Validated by
    the form that asked for it.)"""
    user.set_password(raw_password)
    user.password_changed_at = timezone.now()
    user.must_change_password = False
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    record_account_event(AuditEntry.Action.PASSWORD_CHANGE, user, actor=acting_user)


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
    record_account_event(AuditEntry.Action.TOTP_ENROL, user, actor=user)
    return device


# Recovery codes: ten one-time codes for the day the phone is lost ------------------------------

RECOVERY_CODE_COUNT = 10
RECOVERY_DEVICE_NAME = "恢复码"


def recovery_device(user: User) -> StaticDevice | None:
    return StaticDevice.objects.devices_for_user(user, confirmed=True).first()


def recovery_codes_left(user: User) -> int:
    device = recovery_device(user)
    return device.token_set.count() if device is not None else 0


def show_recovery_code(code: str) -> str:
    """As printed for people: "abcd-efgh"."""
    return f"{code[:4]}-{code[4:]}"


def read_recovery_code(text: str) -> str:
    """As typed by people, in any case, with or without the hyphen or spaces."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


@transaction.atomic
def new_recovery_codes(user: User, *, acting_user: User) -> list[str]:
    """Ten new codes in place of any the user had (used or not), for showing once: only the
    person who holds them knows them from then on (the database keeps them to check them)."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes: set[str] = set()
    while len(codes) < RECOVERY_CODE_COUNT:
        codes.add(StaticToken.random_token())
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    record_account_event(
        AuditEntry.Action.RECOVERY_CODES, user, actor=acting_user, codes=RECOVERY_CODE_COUNT
    )
    return sorted(show_recovery_code(code) for code in codes)


@transaction.atomic
def use_recovery_code(device: StaticDevice, code: str) -> bool:
    """Spend `code` if it is one of the device's: each signs in once, even when two sign-ins
    send it at the same moment (only one DELETE of its row deletes anything). A wrong code
    counts towards the device's back-off, as a wrong authenticator code does."""
    used, _by_model = device.token_set.filter(token=read_recovery_code(code)).delete()
    if not used:
        device.throttle_increment()
        return False
    device.throttle_reset(commit=False)
    device.set_last_used_timestamp(commit=False)
    device.save()
    return True


# Resetting the second factor: the phone is lost, and so are the codes -------------------------


def accounts_within(scope: Scope):
    """The accounts whose second factor `scope` may reset: those working within its region (an
    official's region, a school's, a model worker's), never a superuser's or the admin's staff
    (those are reset from the command line, `laomo reset-two-factor`)."""
    if not scope.can("accounts.reset_second_factor") or scope.region is None:
        return User.objects.none()
    within = (
        scope.region_q("region")
        | scope.region_q("school__region")
        | scope.region_q("person__region")
    )
    return User.objects.filter(within, is_superuser=False, is_staff=False)


def has_second_factor(user: User) -> bool:
    return totp_device(user) is not None or recovery_device(user) is not None


@transaction.atomic
def reset_second_factor(user: User, *, acting_user: User | None, reason: str) -> bool:
    """Remove the user's authenticator and recovery codes: they sign in with the password alone
    until they set up a new authenticator (at once, where the city requires one). The user is
    told, by notice and e-mail, so that a reset they did not ask for does not go unseen. Returns
    whether there was anything to remove."""
    removed = TOTPDevice.objects.filter(user=user).delete()[0]
    removed += StaticDevice.objects.filter(user=user).delete()[0]
    if not removed:
        return False
    record_account_event(AuditEntry.Action.TOTP_RESET, user, actor=acting_user, reason=reason)
    if acting_user is None or acting_user.pk != user.pk:
        notify(
            [user],
            kind="second_factor_reset",
            title=_("您的两步验证已被重置"),
            body=_(
                "原因：{reason}。请登录后重新设置动态口令；如非本人要求，请立即联系管理员。"
            ).format(reason=reason),
            url="/account/two-factor/",
        )
    return True


# API tokens -----------------------------------------------------------------------------------


def record_token_refusal(token: ApiToken, reason: str) -> None:
    """Record that a known token (expired, revoked, of a deactivated or locked account) was
    refused: a forgotten integration or a leaked token, both for the officials to see, in the
    account's region. Repeats within the hour are counted into the first (`record_refusal`)."""
    user = token.user
    record_refusal(
        user,
        Refusal.TOKEN,
        obj=token,
        object_repr=describe_token(token),
        detail=_token_state(token),
        region=audit_region(user),
    )


def _token_state(token: ApiToken) -> str:
    """What the log says about a refused token: the whole truth, unlike the caller's answer."""
    if token.revoked_at is not None:
        return _("令牌已吊销")
    if not token.user.is_active:
        return _("账号已停用")
    if token.user.locked_until() is not None:
        return _("账号已锁定（登录失败次数过多）")
    return _("令牌已过期")


def describe_token(token: ApiToken) -> str:
    return _("{username} 的 API 令牌 {hint}…").format(username=token.user.username, hint=token.hint)


# Lifting a sign-in lockout early -----------------------------------------------------------------


def reset_lockout(
    *, username: str | None = None, ip: str | None = None, acting_user: User | None = None
) -> int:
    """Forget the failed sign-ins (and so the lockout) of `username`, of `ip`, of both together,
    or with neither of everyone; record it, filed where that account's sign-ins are. Returns how
    many attempt records went. Every way to do it comes here: the `axes_reset*` commands and
    the admin's "Access attempts"."""
    from axes.utils import reset

    removed = reset(ip=ip, username=username)
    target = User.objects.filter(username=username).first() if username else None
    record(
        AuditEntry.Action.LOCKOUT_RESET,
        actor=acting_user,
        obj=target,
        object_type="" if target else "accounts.user",
        object_repr=username or ip or _("全部账号和地址"),
        region=audit_region(target),
        data={
            "username": username or "",
            "ips": ip or "",
            "deleted": removed,
        },
    )
    return removed
