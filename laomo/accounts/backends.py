"""The lockout check in front of the password check (django-axes), and the password check."""

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

User = get_user_model()


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


class AccountBackend(ModelBackend):
    """Django's password check; the signed-in account is read with its region, which every page's
    scope asks for next (one query a request instead of two). Only the region: on PostgreSQL
    the joins through a school or a person to theirs cost more to plan than the two small
    queries they would save for those roles."""

    def get_user(self, user_id):
        try:
            user = User._default_manager.select_related("region").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
