"""What a request must pass before it reaches a page: a live session and a user who has done
what sign-in requires of them; a valid bearer token for the API; sign-in for every page."""

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware as BaseLoginRequiredMiddleware
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from laomo.accounts import ratelimits, services, signin
from laomo.accounts.models import ApiToken
from laomo.audit.models import Refusal
from laomo.audit.services import record_refusal
from laomo.core.requests import client_ip


class SignInPolicyMiddleware:
    """The rules of a signed-in browser session (等保2.0 身份鉴别).

    Before anything else, a session past its idle or absolute limit is ended (see
    `laomo.accounts.signin`), so the request goes on as anonymous and is sent to sign in. Then a
    user whose password is an administrator's or older than allowed is sent to change it, and an
    administrator who must use a second factor and has none, to set one up; until then only
    those pages and signing out answer. (A deactivated user is already anonymous here: Django's
    ModelBackend refuses to load an inactive user for a session.)
    """

    # Where a user who must first change the password or set up a second factor may go.
    ALWAYS_OPEN = frozenset({"password-change", "two-factor", "logout", "admin:logout"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            if ended := signin.why_ended(request.session):
                request.laomo_logout_reason = ended
                logout(request)
                request.session[signin.ENDED] = ended
            else:
                signin.touch(request.session)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or getattr(request, "api_token", None) is not None:
            return None
        if getattr(view_func, "login_required", True) is False:
            return None  # the public pages: signing in, the health check
        match = request.resolver_match
        if match is not None and match.view_name in self.ALWAYS_OPEN:
            return None
        if reason := user.password_change_reason():
            target = "password-change"
        elif user.must_use_totp and services.totp_device(user) is None:
            reason = _("本市要求管理员账号启用动态口令（两步验证），请先完成设置。")
            target = "two-factor"
        else:
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": reason}, status=403)
        return redirect(target)


class ApiTokenMiddleware:
    """`Authorization: Bearer TOKEN` on /api/: the token's user, if the token is live (see
    `ApiToken.refusal`); else 401, and the refusal is recorded (see
    `services.record_token_refusal`).

    Every call to /api/ counts against its client address first (before any token is looked
    up, so guessing tokens counts too), then a live token's calls against the token
    (`laomo.accounts.ratelimits`): past either limit, 429 with Retry-After."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        ip = client_ip(request)
        if verdict := ratelimits.check_address(ip):
            if verdict.first:
                ratelimits.record_address_limited(ip)
            return _too_many(settings.LAOMO_API_RATE_PER_ADDRESS, verdict)
        header = request.headers.get("Authorization", "")
        if header:
            scheme, _sep, raw = header.partition(" ")
            if scheme.lower() != "bearer" or not raw.strip():
                return _unauthorized(_("Authorization 头应为 “Bearer 令牌”"))
            token = ApiToken.objects.matching(raw.strip()).select_related("user").first()
            if token is None:
                # No account to name; counted per address, so a scanner leaves one entry an hour.
                record_refusal(request, Refusal.TOKEN, detail=_("令牌不存在"))
                return _unauthorized(_("令牌无效或已吊销"))
            if refusal := token.refusal():
                services.record_token_refusal(token, refusal)
                return _unauthorized(refusal)
            if verdict := ratelimits.check_token(token):
                if verdict.first:
                    ratelimits.record_token_limited(token)
                return _too_many(settings.LAOMO_API_RATE_PER_TOKEN, verdict)
            token.touch()
            request.user = token.user
            request.api_token = token
            request._dont_enforce_csrf_checks = True
        return self.get_response(request)


def _too_many(limit: int, verdict: ratelimits.Verdict) -> JsonResponse:
    response = JsonResponse({"detail": ratelimits.refusal_detail(limit, verdict)}, status=429)
    response["Retry-After"] = str(verdict.retry_after)
    return response


def _unauthorized(detail: str) -> JsonResponse:
    response = JsonResponse({"detail": detail}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="laomo"'
    return response


# The pages anyone may open, by URL name, besides those marked `login_not_required` (the login
# page, the health check): the public showcase, which shows only what a school agreed to show.
PUBLIC_VIEWS = frozenset({"showcase:index", "showcase:photo", "showcase:photo-thumb"})


class LoginRequiredMiddleware(BaseLoginRequiredMiddleware):
    """Every page needs sign-in, except `PUBLIC_VIEWS` and what is marked `login_not_required`.
    The API answers 401 itself rather than redirecting to a page."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith("/api/"):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in PUBLIC_VIEWS:
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
