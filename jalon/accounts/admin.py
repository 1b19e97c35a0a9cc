from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _

from jalon.accounts.admin_audit import AuditedAdminMixin
from jalon.accounts.models import ApiScope, ApiToken, AuditRecord, User
from jalon.accounts.reauth import is_post, recent_auth_required
from jalon.accounts.tokens import MAX_TOKEN_LIFETIME_DAYS, api_token_issue, api_token_issue_errors, api_token_revoke
from jalon.core.actor import Actor
from jalon.directory.models import Membership, Professional

# Saving an account (its role, its rights, its password) asks for the admin's password again when stale.
_recent_auth_to_save = method_decorator(recent_auth_required(when=is_post))


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
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


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(Professional)
class ProfessionalAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """A professional's memberships decide which organisations' patients their account reaches: audited."""

    list_display = ["last_name", "first_name", "profession", "specialty", "rpps"]
    list_filter = ["profession"]
    search_fields = ["last_name", "first_name", "rpps", "email"]
    inlines = [MembershipInline]


class ApiTokenIssueForm(forms.ModelForm):
    """Issuing a token in the admin: whose, for which software, which scopes, for how long."""

    scopes = forms.MultipleChoiceField(
        label=_("Droits"), choices=ApiScope.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    lifetime_days = forms.IntegerField(label=_("Validité (jours)"), min_value=1, max_value=MAX_TOKEN_LIFETIME_DAYS)

    class Meta:
        model = ApiToken
        fields = ["user", "name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scopes"].initial = list(ApiScope.values)
        self.fields["lifetime_days"].initial = settings.API_TOKEN_LIFETIME_DAYS
        self.fields["user"].queryset = User.objects.filter(is_active=True).order_by("username")

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        errors = api_token_issue_errors(
            user=cleaned.get("user"),
            name=cleaned.get("name", ""),
            scopes=cleaned.get("scopes", []),
            lifetime_days=cleaned["lifetime_days"],
        )
        for field, message in errors.items():
            self.add_error(field if field in self.fields else None, message)
        return cleaned


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(AuditedAdminMixin, DjangoGroupAdmin):
    """Groups carry permissions: changing one changes what its members may do."""


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Tokens are issued here (or with `manage.py issue_api_token`) and revoked, never edited nor deleted:
    the key is shown once, right after issuing."""

    list_display = ["name", "user", "key_prefix", "scope_list", "created_at", "expires_at", "last_used_at", "state"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__username", "key_prefix"]
    readonly_fields = [
        "user",
        "name",
        "key_prefix",
        "scope_list",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "state",
    ]
    fields = readonly_fields
    actions = ["revoke"]

    @admin.display(description=_("droits"))
    def scope_list(self, token: ApiToken) -> str:
        return ", ".join(token.scope_labels)

    @admin.display(description=_("état"))
    def state(self, token: ApiToken) -> str:
        if token.revoked_at is not None:
            return _("révoqué")
        if token.is_expired():
            return _("expiré")
        return _("actif")

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ApiTokenIssueForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ["user", "name", "scopes", "lifetime_days"] if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing of a token is edited; revoking is an action
        token, key = api_token_issue(
            actor=Actor.from_request(request),
            user=form.cleaned_data["user"],
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            lifetime_days=form.cleaned_data["lifetime_days"],
        )
        obj.pk = token.pk
        obj.refresh_from_db()
        obj._state.adding = False
        request._issued_api_key = key

    def response_add(self, request, obj, post_url_continue=None):
        """The clear key, once (the admin's views are never cached: `no-store`)."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "token": obj,
            "key": request._issued_api_key,
            "title": _("Jeton d'API créé"),
        }
        return TemplateResponse(request, "admin/accounts/apitoken/issued.html", context)

    @admin.action(description=_("Révoquer les jetons sélectionnés"))
    def revoke(self, request, queryset):
        actor = Actor.from_request(request)
        revoked = sum(api_token_revoke(actor=actor, token=token) for token in queryset)
        self.message_user(request, _("%(count)s jeton(s) révoqué(s).") % {"count": revoked}, messages.SUCCESS)


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
