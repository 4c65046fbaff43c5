"""`Authorization: Bearer TOKEN` for the API, resolved before the scope is computed."""

from django.contrib.auth.middleware import LoginRequiredMiddleware as BaseLoginRequiredMiddleware
from django.http import JsonResponse

from laomo.accounts.models import ApiToken


class ApiTokenMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        header = request.headers.get("Authorization", "")
        if request.path.startswith("/api/") and header:
            scheme, _sep, raw = header.partition(" ")
            if scheme.lower() != "bearer" or not raw.strip():
                return _unauthorized("Authorization 头应为 “Bearer 令牌”")
            token = ApiToken.objects.matching(raw.strip()).select_related("user").first()
            if token is None or not token.user.is_active:
                return _unauthorized("令牌无效或已吊销")
            token.touch()
            request.user = token.user
            request.api_token = token
            request._dont_enforce_csrf_checks = True
        return self.get_response(request)


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
