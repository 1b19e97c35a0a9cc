"""Resources, their opening templates and slots, and appointments booked on slots.

No double booking, ever: at most one *booked* appointment per slot is a partial unique index in the
database (SQLite and PostgreSQL alike), so two app servers racing for a slot cannot both win.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jalon.core.formatting import day_month_time
from jalon.core.vocabulary import ResourceKind
from jalon.core.workcalendar import DELAY_UNITS


class Resource(models.Model):
    organization = models.ForeignKey("directory.Organization", on_delete=models.PROTECT, related_name="resources")
    service = models.ForeignKey(
        "directory.Service", on_delete=models.SET_NULL, null=True, blank=True, related_name="resources"
    )
    kind = models.CharField(_("type"), max_length=20, choices=ResourceKind.choices, db_index=True)
    name = models.CharField(_("nom"), max_length=200)
    professional = models.ForeignKey(
        "directory.Professional",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resources",
        help_text=_("Pour une consultation : le médecin qui la tient."),
    )
    location = models.CharField(_("lieu"), max_length=250, blank=True)
    preparation = models.TextField(_("préparation du patient"), blank=True)
    contact_phone = models.CharField(_("téléphone du secrétariat"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["organization__name", "kind", "name"]
        verbose_name = _("ressource")

    def __str__(self) -> str:
        return self.name


class Campus(models.Model):
    """Sites (organisations) the manager declares one campus: close enough for a patient to go from one
    to the other within the same day. The steps of one diagnostic day are booked at one organisation or
    at the organisations of one campus (`planner.site_key`)."""

    name = models.CharField(_("nom"), max_length=200, unique=True)
    organizations = models.ManyToManyField(
        "directory.Organization", through="CampusSite", related_name="campuses", verbose_name=_("sites")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("campus")
        verbose_name_plural = _("campus")

    def __str__(self) -> str:
        return self.name


class CampusSite(models.Model):
    """An organisation belongs to one campus at most."""

    campus = models.ForeignKey(Campus, on_delete=models.CASCADE, related_name="sites", verbose_name=_("campus"))
    organization = models.OneToOneField(
        "directory.Organization", on_delete=models.CASCADE, related_name="campus_site", verbose_name=_("site")
    )

    class Meta:
        verbose_name = _("site du campus")
        verbose_name_plural = _("sites du campus")

    def __str__(self) -> str:
        return f"{self.organization} ({self.campus})"


class WeeklyOpening(models.Model):
    """A weekly pattern of slots: e.g. CT, Tuesday 14:00–18:00, 30 minutes, reserved for lung pathways,
    released 48 h before if unused."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="openings")
    weekday = models.PositiveSmallIntegerField(
        _("jour"),
        choices=[
            (0, _("lundi")),
            (1, _("mardi")),
            (2, _("mercredi")),
            (3, _("jeudi")),
            (4, _("vendredi")),
            (5, _("samedi")),
            (6, _("dimanche")),
        ],
    )
    start_time = models.TimeField(_("début"))
    end_time = models.TimeField(_("fin"))
    slot_minutes = models.PositiveSmallIntegerField(_("durée d'un créneau (minutes)"), default=30)
    reserved_for = models.JSONField(_("réservé aux parcours"), default=list, blank=True)
    urgent = models.BooleanField(_("créneau d'urgence (P1)"), default=False)
    release_amount = models.PositiveSmallIntegerField(_("libéré avant le créneau"), null=True, blank=True)
    release_unit = models.CharField(_("unité"), max_length=16, choices=DELAY_UNITS, blank=True)
    valid_from = models.DateField(_("à partir du"), default=timezone.localdate)
    valid_until = models.DateField(_("jusqu'au"), null=True, blank=True)

    class Meta:
        ordering = ["resource", "weekday", "start_time"]


class Closure(models.Model):
    """A day a resource is closed (maintenance, holiday of the team...): no slot is generated, and the
    slots already generated that day are blocked (`services.closure_add`)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="closures")
    day = models.DateField(_("jour"))
    reason = models.CharField(_("motif"), max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resource", "day"], name="resource_closure_unique_day")]


class Slot(models.Model):
    """A bookable time on a resource. Booked means it has a booked appointment (see Appointment)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="slots")
    start = models.DateTimeField(_("début"), db_index=True)
    end = models.DateTimeField(_("fin"))
    reserved_for = models.JSONField(_("réservé aux parcours"), default=list, blank=True)
    urgent = models.BooleanField(_("urgence (P1)"), default=False)
    release_at = models.DateTimeField(_("libéré à"), null=True, blank=True, db_index=True)
    released_at = models.DateTimeField(_("libéré le"), null=True, blank=True)
    blocked = models.BooleanField(_("bloqué"), default=False)
    blocked_reason = models.CharField(_("motif du blocage"), max_length=200, blank=True)

    class Meta:
        ordering = ["start", "resource_id"]
        constraints = [models.UniqueConstraint(fields=["resource", "start"], name="slot_unique_start")]

    def __str__(self) -> str:
        return f"{self.resource} {day_month_time(self.start)}"

    @property
    def is_restricted(self) -> bool:
        return bool(self.reserved_for) or self.urgent

    def is_released(self, now) -> bool:
        return self.released_at is not None or (self.release_at is not None and self.release_at <= now)


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("Réservé")
    CANCELLED = "cancelled", _("Annulé")


class Appointment(models.Model):
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="appointments")
    pathway = models.ForeignKey("pathways.Pathway", on_delete=models.PROTECT, related_name="appointments")
    milestone = models.ForeignKey(
        "pathways.Milestone", on_delete=models.PROTECT, null=True, blank=True, related_name="appointments"
    )
    status = models.CharField(
        _("statut"), max_length=10, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    group = models.UUIDField(
        _("réservation groupée"), db_index=True, help_text="Appointments booked together, all or nothing."
    )
    booked_at = models.DateTimeField(default=timezone.now)
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    used_reserved = models.BooleanField(
        default=False, help_text="Booked on a reserved or urgent slot before its release."
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.CharField(_("motif d'annulation"), max_length=300, blank=True)

    class Meta:
        ordering = ["slot__start"]
        verbose_name = _("rendez-vous")
        constraints = [
            models.UniqueConstraint(fields=["slot"], condition=Q(status="booked"), name="one_booking_per_slot"),
        ]
        indexes = [
            # The indicators: appointments booked per month; whether a slot's booking used its reservation.
            models.Index(fields=["status", "booked_at", "pathway"], name="appointment_booked_at"),
            models.Index(fields=["used_reserved", "status", "slot"], name="appointment_used_reserved"),
        ]


class SlotRelease(models.Model):
    """A reserved or urgent slot released unused at its release time (for the indicators)."""

    slot = models.OneToOneField(Slot, on_delete=models.CASCADE, related_name="release")
    released_at = models.DateTimeField(db_index=True)  # the indicators count releases by date
    reserved_for = models.JSONField(default=list)
    urgent = models.BooleanField(default=False)
