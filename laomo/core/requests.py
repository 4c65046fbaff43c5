"""The request being served, for the few places that record where an action came from."""

import contextvars

_current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("laomo_ip", default=None)


def current_ip() -> str | None:
    return _current_ip.get()


class RequestContextMiddleware:
    """Remembers the client's address for the audit log.

    Behind nginx, set `LAOMO_TRUSTED_PROXY=1` so that X-Real-IP (set by nginx) is believed;
    otherwise the socket's address is used and a forged header is ignored.
    """

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        self.trust_proxy = getattr(settings, "LAOMO_TRUSTED_PROXY", False)

    def __call__(self, request):
        ip = request.META.get("REMOTE_ADDR")
        if self.trust_proxy:
            ip = request.META.get("HTTP_X_REAL_IP", ip)
        token = _current_ip.set(ip)
        try:
            return self.get_response(request)
        finally:
            _current_ip.reset(token)
