"""The JSON API under /api/v1, with its OpenAPI schema at /api/v1/openapi.json.

It accepts the browser's session (with its CSRF token for writes) or `Authorization: Bearer
TOKEN` (`laomo issue-token USERNAME`). Every endpoint reads through the same scoped querysets as
the pages, so the API shows exactly what the pages show, and another region's object is a 404.
"""

from functools import wraps

from django.core.exceptions import SuspiciousOperation
from django.http import Http404, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from laomo.outreach.api import router as outreach_router
from laomo.oversight.api import router as oversight_router
from laomo.people.api import router as people_router
from laomo.regions.api import router as regions_router
from laomo.schools.api import router as schools_router


class BearerToken(HttpBearer):
    """The token itself is checked by `ApiTokenMiddleware`; here we only confirm it was."""

    def authenticate(self, request, token):
        if getattr(request, "api_token", None) is not None:
            return request.user
        return None


class Session(SessionAuth):
    def authenticate(self, request, key):
        user = request.user
        return user if user.is_authenticated and user.is_active else None


def signed_in_only(view):
    """The schema and its browser are for callers of the API, not for the world."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (request.user.is_authenticated and request.user.is_active):
            return JsonResponse({"detail": "未登录或令牌无效"}, status=401)
        return view(request, *args, **kwargs)

    return wrapper


api = NinjaAPI(
    title="劳模工匠进校园工作平台 API",
    version="1",
    description=(
        "登记库（行政区划、学校、劳模工匠、宣讲团）的只读接口与少量操作。所有数据按调用者的区划、"
        "学校或本人范围过滤；范围以外的对象一律返回 404。联系电话按页面同样的规则打码。"
    ),
    auth=[BearerToken(), Session()],
    openapi_url="/openapi.json",
    docs_url="/docs",
    docs_decorator=signed_in_only,
    urls_namespace="api",
)


def refuse_nul(view):
    """A NUL character anywhere in a call's path, query or JSON body is refused (400) before the
    call is read: PostgreSQL cannot hold or even compare text with one in it, so a search for
    "a\\x00b" would otherwise be a 500. (The pages' forms refuse it field by field; uploads'
    text fields are checked by the services.)"""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        query = "".join(f"{key}{value}" for key, values in request.GET.lists() for value in values)
        body = request.body if request.content_type == "application/json" else b""
        if "\x00" in request.path or "\x00" in query or _json_nul(body):
            return JsonResponse({"detail": "请求中含有空字符（\\x00），已拒绝"}, status=400)
        return view(request, *args, **kwargs)

    return wrapper


def _json_nul(body: bytes) -> bool:
    return b"\x00" in body or b"\\u0000" in body.lower()


api.add_decorator(refuse_nul, mode="view")
api.add_router("/regions", regions_router)
api.add_router("/schools", schools_router)
api.add_router("/", people_router)
api.add_router("/", outreach_router)
api.add_router("/oversight", oversight_router)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": "未找到"}, status=404)


@api.exception_handler(SuspiciousOperation)
def bad_request(request, exc):
    """Too many files or fields, too large a body: 400 naming the limit, not a 500."""
    from laomo.core.views import bad_request_message

    return api.create_response(request, {"detail": bad_request_message(exc)}, status=400)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return api.create_response(request, {"detail": "未登录或令牌无效"}, status=401)


@api.exception_handler(ValidationError)
def invalid(request, exc):
    return api.create_response(
        request, {"detail": "请求参数有误", "errors": exc.errors}, status=422
    )
