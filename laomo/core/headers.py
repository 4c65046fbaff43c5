"""Security headers Django does not send by itself: Content-Security-Policy, Permissions-Policy
and Cross-Origin-Resource-Policy. (X-Frame-Options, nosniff, Referrer-Policy,
Cross-Origin-Opener-Policy and HSTS come from Django's own middleware and settings.)

The policies are settings (`LAOMO_CONTENT_SECURITY_POLICY`, `LAOMO_PERMISSIONS_POLICY`), written as
a mapping of directive to sources and rendered once at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.conf import settings


def render_policy(policy: Mapping[str, Sequence[str]]) -> str:
    """{"default-src": ["'self'"], "upgrade-insecure-requests": []} → "default-src 'self';
    upgrade-insecure-requests"."""
    return "; ".join(" ".join([name, *sources]) for name, sources in policy.items())


def render_permissions(policy: Mapping[str, Sequence[str]]) -> str:
    """{"camera": [], "fullscreen": ["self"]} → "camera=(), fullscreen=(self)"."""
    return ", ".join(f"{name}=({' '.join(allow)})" for name, allow in policy.items())


class SecurityHeadersMiddleware:
    """Adds the headers to every response that does not already carry its own."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.headers = {
            "Content-Security-Policy": render_policy(settings.LAOMO_CONTENT_SECURITY_POLICY),
            "Permissions-Policy": render_permissions(settings.LAOMO_PERMISSIONS_POLICY),
            "Cross-Origin-Resource-Policy": "same-origin",
        }

    def __call__(self, request):
        response = self.get_response(request)
        for name, value in self.headers.items():
            if value and name not in response:
                response[name] = value
        return response
