from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from laomo.accounts.models import ApiToken, User


@admin.register(User)
class LaomoUserAdmin(UserAdmin):
    list_display = ("username", "display_name", "role", "region", "school", "person", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (
        *UserAdmin.fieldsets,
        ("角色与范围", {"fields": ("role", "display_name", "region", "school", "person")}),
    )
    raw_id_fields = ("school", "person")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("hint", "user", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("key_hash", "hint", "created_at", "last_used_at")
