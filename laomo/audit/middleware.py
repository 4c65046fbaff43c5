"""Refusals written once the response is ready (see `laomo.audit.services.record_refusal`)."""

from laomo.audit import services
from laomo.audit.models import Refusal
from laomo.core.requests import current_ip


class RefusalMiddleware:
    """Records the refusals of a request once its response is ready: those the code reported
    (`record_refusal`), and any 403 or 405 answer, whoever gave it (a permission check, Django's
    CSRF check, a view that takes POST only)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        pending: list = []
        token = services.pending_refusals.set(pending)
        try:
            response = self.get_response(request)
        finally:
            services.pending_refusals.reset(token)
        if response.status_code in (403, 405) and not pending:
            kind = Refusal.METHOD if response.status_code == 405 else Refusal.PERMISSION
            pending.append(
                {
                    "who": request,
                    "kind": kind,
                    "obj": None,
                    "detail": "",
                    "object_repr": "",
                    "region": None,
                    "data": {"path": request.path[:200], "http_method": request.method},
                }
            )
        ip = current_ip()
        for refusal in pending:
            who = refusal["who"]
            if who is None or getattr(who, "user_id", False) == services.user_id_of(request):
                who = request  # the request's own scope: its user is at hand
            refusal["data"] = {"path": request.path[:200], **refusal["data"]}
            services.write_refusal(actor=services.actor_of(who), ip=ip, **refusal)
        return response
