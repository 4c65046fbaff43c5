"""No copy of personal or audit data is kept by a browser or a proxy (等保2.0 个人信息保护).

Pages, exports, photos and API answers name people, their phones and what they did; a shared
school computer's browser cache or a proxy on the way would keep them after the session ends.
So every response gets `Cache-Control: no-store` (and `Pragma: no-cache`, for HTTP/1.0 proxies),
except the public showcase, which shows only what a school agreed to publish and decides its own
caching. Static files never reach this middleware: WhiteNoise, before it, answers them with its
long cache.
"""

from __future__ import annotations

PUBLIC_NAMESPACES = frozenset({"showcase"})


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.namespace in PUBLIC_NAMESPACES:
            return response
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        return response
