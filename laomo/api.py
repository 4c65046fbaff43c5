"""The JSON API under /api/v1, with its OpenAPI schema at /api/v1/openapi.json.

It accepts the browser's session (with its CSRF token for writes) or `Authorization: Bearer
TOKEN` (`laomo issue-token USERNAME`). Every endpoint reads through the same scoped querysets as
the pages, so the API shows exactly what the pages show, and another region's object is a 404.
"""

from functools import wraps

from django.core.exceptions import SuspiciousOperation
from django.http import Http404, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from laomo.core import api_errors
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
    return api.create_response(request, {"detail": api_errors.status_detail(404)}, status=404)


@api.exception_handler(SuspiciousOperation)
def bad_request(request, exc):
    """Too many files or fields, too large a body: 400 naming the limit, not a 500."""
    from laomo.core.views import bad_request_message

    return api.create_response(request, {"detail": bad_request_message(exc)}, status=400)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return api.create_response(request, {"detail": api_errors.status_detail(401)}, status=401)


@api.exception_handler(ValidationError)
def invalid(request, exc):
    """A parameter or field out of bounds: 422, each field by its name, each sentence by its
    Chinese label (`laomo.core.api_errors`)."""
    errors = api_errors.describe_validation_errors(exc.errors)
    detail = api_errors.validation_detail(errors)
    return api.create_response(request, {"detail": detail, "errors": errors}, status=422)


@api.exception_handler(HttpError)
def refused(request, exc):
    """ninja's own refusals, which it words in English: a body that is no JSON (400), a session
    write without its CSRF token (403), and any other."""
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        detail = api_errors.bad_json_detail(exc.__cause__)
    elif exc.status_code == 403 and str(exc).startswith("CSRF"):
        detail = str(api_errors.CSRF_DETAIL)
    else:
        detail = api_errors.status_detail(exc.status_code)
    return api.create_response(request, {"detail": detail}, status=exc.status_code)
