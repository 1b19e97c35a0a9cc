from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group

from jalon.accounts.admin_audit import AuditedAdminMixin
from jalon.accounts.models import ApiToken, AuditRecord, User


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    fieldsets = (*DjangoUserAdmin.fieldsets, ("Jalon", {"fields": ("role", "professional")}))
    list_display = ["username", "role", "professional", "is_active"]
    list_filter = ["role", "is_active"]
    raw_id_fields = ["professional"]


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(AuditedAdminMixin, DjangoGroupAdmin):
    """Groups carry permissions: changing one changes what its members may do."""


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "user", "key_prefix", "created_at", "revoked_at"]
    readonly_fields = ["key_prefix", "key_hash", "created_at"]


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    """Read-only: the application never changes the audit trail."""

    list_display = ["at", "actor_label", "action", "patient_id", "object_type", "object_id", "ip_address"]
    list_filter = ["action", "channel"]
    readonly_fields = ["detail"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
