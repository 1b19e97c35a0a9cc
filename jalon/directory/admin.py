from django.contrib import admin

from jalon.directory.models import Commune, Organization, Service, Territory

# Professionals (and their memberships) are registered by accounts/admin.py: a professional's memberships
# decide what their account reaches, so their changes go to the audit trail (accounts.admin_audit).


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
