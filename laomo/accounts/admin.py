from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse

from laomo.accounts.forms import AdminPasswordChangeForm, AdminUserCreationForm
from laomo.accounts.models import ApiToken, User
from laomo.accounts.services import audit_region, reset_lockout
from laomo.audit.models import AuditEntry
from laomo.audit.services import record


@login_not_required
def _sign_in_on_the_site(request, extra_context=None):
    """The admin's own sign-in form would skip the second factor: superusers and staff sign in
    on the site's page like everyone else, and come back."""
    if request.user.is_authenticated:
        if not request.user.is_staff:
            raise PermissionDenied  # signed in, but the admin is not theirs
        return redirect("admin:index")
    return redirect_to_login(request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index"))


admin.site.login = _sign_in_on_the_site


@admin.register(User)
class LaomoUserAdmin(UserAdmin):
    list_display = ("username", "display_name", "role", "region", "school", "person", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (
        *UserAdmin.fieldsets,
        ("角色与范围", {"fields": ("role", "display_name", "region", "school", "person")}),
        ("登录安全", {"fields": ("must_change_password", "password_changed_at")}),
    )
    readonly_fields = ("password_changed_at",)
    raw_id_fields = ("school", "person")
    add_form = AdminUserCreationForm
    change_password_form = AdminPasswordChangeForm
    # Only a superuser grants rights in the admin. A staff member allowed to change accounts may
    # set roles and reset passwords, but not make anyone (themselves first) a superuser or staff,
    # or hand out the admin's permissions: Django's form would take those fields as posted.
    PRIVILEGES = ("is_superuser", "is_staff", "groups", "user_permissions")

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += self.PRIVILEGES
        return fields

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, unquote(id))
            record(
                AuditEntry.Action.PASSWORD_CHANGE,
                actor=request.user,
                obj=user,
                region=audit_region(user),
                data={"source": "系统管理", "reason": "管理员重设，本人下次登录须修改"},
            )
        return response


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued by `laomo issue-token`, which shows the token once; here they are seen
    and revoked. Whose a token is and when it expires are not changed here: moving a live token
    to another account, or pushing its end further out, would be issuing one unseen."""

    list_display = ("hint", "user", "created_at", "expires_at", "last_used_at", "revoked_at")
    readonly_fields = ("user", "key_hash", "hint", "created_at", "expires_at", "last_used_at")

    def has_add_permission(self, request):
        return False


@admin.register(AccessAttempt)
class LaomoAccessAttemptAdmin(AccessAttemptAdmin):
    """django-axes's list of failed sign-ins (AXES_ENABLE_ADMIN is off so that this one takes
    its place): deleting one lifts its lockout, through `reset_lockout`, which records it."""

    def delete_model(self, request, obj):
        reset_lockout(username=obj.username, ip=obj.ip_address, acting_user=request.user)

    def delete_queryset(self, request, queryset):
        for attempt in queryset:
            self.delete_model(request, attempt)
