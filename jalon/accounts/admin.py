from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from jalon.accounts.models import ApiToken, AuditRecord, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (*DjangoUserAdmin.fieldsets, ("Jalon", {"fields": ("role", "professional")}))
    list_display = ["username", "role", "professional", "is_active"]
    list_filter = ["role", "is_active"]
    raw_id_fields = ["professional"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "key_prefix", "created_at", "revoked_at"]
    readonly_fields = ["key_prefix", "key_hash", "created_at"]


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    """Read-only: the application never changes the audit trail."""

    list_display = ["at", "actor_label", "action", "patient_id", "object_type", "object_id", "ip_address"]
    list_filter = ["action", "channel"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
