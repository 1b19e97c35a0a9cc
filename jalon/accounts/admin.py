from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.decorators import method_decorator

from jalon.accounts.models import ApiToken, AuditRecord, User
from jalon.accounts.reauth import is_post, recent_auth_required

# Saving an account (its role, its rights, its password) asks for the admin's password again when stale.
_recent_auth_to_save = method_decorator(recent_auth_required(when=is_post))


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (*DjangoUserAdmin.fieldsets, ("Jalon", {"fields": ("role", "professional")}))
    list_display = ["username", "role", "professional", "is_active"]
    list_filter = ["role", "is_active"]
    raw_id_fields = ["professional"]

    @_recent_auth_to_save
    def add_view(self, request, form_url="", extra_context=None):
        return super().add_view(request, form_url, extra_context)

    @_recent_auth_to_save
    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super().change_view(request, object_id, form_url, extra_context)

    @_recent_auth_to_save
    def user_change_password(self, request, id, form_url=""):
        return super().user_change_password(request, id, form_url)


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


def _login_through_jalon(request, extra_context=None):
    """The admin has no login form of its own: Jalon's (rate-limited, locked per account and per address)
    serves it. Someone logged in without admin rights gets 403 rather than a loop between the two."""
    from django.contrib.auth.views import redirect_to_login
    from django.core.exceptions import PermissionDenied
    from django.urls import reverse

    from jalon.core.redirects import local_path

    if request.user.is_authenticated:
        raise PermissionDenied
    next_path = local_path(request, request.GET.get("next", "")) or reverse("admin:index")
    return redirect_to_login(next_path, login_url=reverse("accounts:login"))


admin.site.login = _login_through_jalon
