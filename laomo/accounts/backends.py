"""The lockout check in front of the password check (django-axes)."""

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied


class LockoutBackend(AxesStandaloneBackend):
    """Refuses a locked account or address before any password is checked.

    A call without a request is no sign-in over the web — the test client's `login()`, the
    shell — and there is no address to count against, so it passes on to the password check
    (axes itself would raise). Every page that signs people in passes its request.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        try:
            return super().authenticate(request, username, password, **kwargs)
        except AxesBackendPermissionDenied:
            # Read by the audit log: this failure is a refusal while locked, not a wrong password.
            request.laomo_locked_out = True
            raise
