"""Admin for schedules: resources with their weekly openings and closures, slots, and appointments
(read only: booking, cancelling and rescheduling go through the services, which keep the history,
the events and the audit trail)."""

from django.contrib import admin
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from jalon.core.actor import Actor
from jalon.scheduling.models import (
    Appointment,
    AppointmentStatus,
    Campus,
    CampusSite,
    Closure,
    Resource,
    Slot,
    SlotRelease,
    WeeklyOpening,
)
from jalon.scheduling.services import closure_add


class WeeklyOpeningInline(admin.TabularInline):
    model = WeeklyOpening
    extra = 0
    fields = [
        "weekday",
        "start_time",
        "end_time",
        "slot_minutes",
        "reserved_for",
        "urgent",
        "release_amount",
        "release_unit",
        "valid_from",
        "valid_until",
    ]


class ClosureInline(admin.TabularInline):
    model = Closure
    extra = 0


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "organization", "service", "professional", "contact_phone", "is_active"]
    list_filter = ["kind", "is_active", "organization"]
    search_fields = ["name", "location", "organization__name", "professional__last_name"]
    list_select_related = ["organization", "service", "professional"]
    raw_id_fields = ["professional"]
    inlines = [WeeklyOpeningInline, ClosureInline]

    def save_formset(self, request, form, formset, change):
        """A closure added here blocks the day's slots already generated, as on the closures page."""
        super().save_formset(request, form, formset, change)
        if formset.model is Closure:
            for closure in formset.new_objects:
                closure_add(
                    actor=Actor.from_request(request),
                    day=closure.day,
                    reason=closure.reason or str(_("Fermeture")),
                    resource=closure.resource,
                )


class CampusSiteInline(admin.TabularInline):
    model = CampusSite
    extra = 1
    autocomplete_fields = ["organization"]


@admin.register(Campus)
class CampusAdmin(admin.ModelAdmin):
    """Sites close enough for one diagnostic day (the steps of a same-day group may be split between them)."""

    list_display = ["name"]
    search_fields = ["name", "sites__organization__name"]
    inlines = [CampusSiteInline]


class ReservationFilter(admin.SimpleListFilter):
    title = _("réservation")
    parameter_name = "reservation"

    def lookups(self, request, model_admin):
        return [("reserved", _("Réservé à des parcours")), ("urgent", _("Urgence (P1)")), ("open", _("Ouvert à tous"))]

    def queryset(self, request, queryset):
        if self.value() == "reserved":
            return queryset.exclude(reserved_for=[])
        if self.value() == "urgent":
            return queryset.filter(urgent=True)
        if self.value() == "open":
            return queryset.filter(reserved_for=[], urgent=False)
        return queryset


@admin.register(Slot)
class SlotAdmin(admin.ModelAdmin):
    list_display = [
        "start",
        "end",
        "resource",
        "reserved_for",
        "urgent",
        "release_at",
        "released_at",
        "blocked",
        "is_booked",
    ]
    list_filter = [
        ReservationFilter,
        "urgent",
        "blocked",
        "resource__kind",
        "resource__organization",
        ("start", admin.DateFieldListFilter),
    ]
    search_fields = ["resource__name"]
    date_hierarchy = "start"
    list_select_related = ["resource"]
    raw_id_fields = ["resource"]
    readonly_fields = ["released_at"]

    def get_queryset(self, request):
        booked = Appointment.objects.filter(slot=OuterRef("pk"), status=AppointmentStatus.BOOKED)
        return super().get_queryset(request).annotate(booked=Exists(booked))

    @admin.display(boolean=True, description=_("pris"), ordering="booked")
    def is_booked(self, slot):
        return slot.booked


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ["slot", "pathway", "milestone", "status", "booked_at", "booked_by", "used_reserved", "cancelled_at"]
    list_filter = ["status", "used_reserved", "slot__resource__kind"]
    search_fields = ["pathway__referral__reference", "slot__resource__name"]
    list_select_related = [
        "slot__resource",
        "pathway__referral",
        "pathway__template_version__template",
        "milestone",
        "booked_by",
    ]
    date_hierarchy = "booked_at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SlotRelease)
class SlotReleaseAdmin(admin.ModelAdmin):
    list_display = ["slot", "released_at", "reserved_for", "urgent"]
    list_filter = ["urgent"]
    list_select_related = ["slot__resource"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
