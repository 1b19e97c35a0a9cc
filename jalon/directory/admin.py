from django.contrib import admin

from jalon.accounts.admin_audit import AuditedAdminMixin
from jalon.directory.models import Commune, Membership, Organization, Professional, Service, Territory


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "department", "postal_codes"]
    search_fields = ["code", "name", "postal_codes"]
    list_filter = ["department"]


class ServiceInline(admin.TabularInline):
    model = Service
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "finess", "commune"]
    list_filter = ["kind"]
    search_fields = ["name", "finess"]
    autocomplete_fields = ["commune"]
    inlines = [ServiceInline]


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    list_display = ["name", "organization"]
    autocomplete_fields = ["communes"]


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
