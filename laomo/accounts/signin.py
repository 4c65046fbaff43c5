"""The signed-in session: its two clocks, and the second step of a sign-in with a second factor.

A session ends 30 minutes after its last request and 8 hours after sign-in, whichever comes
first. The cookie alone cannot do both (each save of the session pushes its expiry on), so the
session keeps the time of sign-in and of the last request, and `SignInPolicyMiddleware` checks
them on every request.

A user with a TOTP device is not signed in when the password is right: the session holds a
pending sign-in (who, by which backend, since when) until the code is right too, and only then
does `django.contrib.auth.login` run — which changes the session key.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _

SIGNED_IN_AT = "laomo_signed_in_at"
SEEN_AT = "laomo_seen_at"
ENDED = "laomo_session_ended"  # why the last session ended, for the sign-in page to say
PENDING = "laomo_pending_sign_in"
# The last request's time is written at most this often, not on every request.
SEEN_RESOLUTION = timedelta(seconds=60)
# How long the code page waits for the code after the password was right.
PENDING_FOR = timedelta(minutes=5)


def _now() -> float:
    return timezone.now().timestamp()


def start_clock(session) -> None:
    """At sign-in (the `user_logged_in` signal)."""
    now = _now()
    session[SIGNED_IN_AT] = now
    session[SEEN_AT] = now


def why_ended(session) -> str:
    """Why this signed-in session is over, or "" while it lasts."""
    signed_in, seen = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
    if signed_in is None or seen is None:
        return _("登录状态已失效")
    now = _now()
    if now - signed_in > settings.LAOMO_SESSION_MAX_HOURS * 3600:
        return _("登录已满{hours}小时，已自动退出").format(hours=settings.LAOMO_SESSION_MAX_HOURS)
    if now - seen > settings.LAOMO_SESSION_IDLE_MINUTES * 60:
        return _("超过{minutes}分钟未操作，已自动退出").format(
            minutes=settings.LAOMO_SESSION_IDLE_MINUTES
        )
    return ""


def touch(session) -> None:
    now = _now()
    if now - session.get(SEEN_AT, 0) >= SEEN_RESOLUTION.total_seconds():
        session[SEEN_AT] = now


def lockout_username(request, credentials=None) -> str:
    """The name django-axes counts failures and locks under: the user name as typed, in lower
    case, since sign-in finds the account by either case (AXES_USERNAME_CALLABLE)."""
    if credentials:
        username = credentials.get("username")
    else:
        username = getattr(request, "data", request.POST).get("username")
    return str(username or "").lower()


# The second step ------------------------------------------------------------------------------


def begin_second_step(request, user, next_url: str) -> None:
    request.session[PENDING] = {
        "user": user.pk,
        "backend": user.backend,
        "at": _now(),
        "next": next_url,
    }


def pending_user(request):
    """The user whose password was right and whose code is awaited, or None (none, expired, or
    deactivated in the meantime)."""
    pending = request.session.get(PENDING)
    if not pending or _now() - pending["at"] > PENDING_FOR.total_seconds():
        return None
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    if user is not None:
        user.backend = pending["backend"]
    return user


def finish_second_step(request) -> str:
    """Forget the pending sign-in; the page it was headed for."""
    pending = request.session.pop(PENDING, None) or {}
    return pending.get("next") or ""
