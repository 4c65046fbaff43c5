"""The request being served, for the few places that record where an action came from."""

import contextvars

from django.conf import settings

_current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("laomo_ip", default=None)


def current_ip() -> str | None:
    return _current_ip.get()


def client_ip(request) -> str | None:
    """The client's address: the socket's, or behind nginx (`LAOMO_TRUSTED_PROXY=1`) the
    X-Real-IP that nginx sets. The audit log and the sign-in lockout use the same one."""
    ip = request.META.get("REMOTE_ADDR")
    if getattr(settings, "LAOMO_TRUSTED_PROXY", False):
        ip = request.META.get("HTTP_X_REAL_IP", ip)
    return ip


class RequestContextMiddleware:
    """Remembers the client's address for the audit log.

    Behind nginx, set `LAOMO_TRUSTED_PROXY=1` so that X-Real-IP (set by nginx) is believed;
    otherwise the socket's address is used and a forged header is ignored.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            _current_ip.reset(token)
