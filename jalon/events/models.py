"""The append-only log of everything that happens to a patient's pathway (DESIGN.md §3)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EventQuerySet(models.QuerySet):
    def update(self, **kwargs):  # noqa: ARG002
        raise PermissionError("events are append-only")

    def delete(self):
        raise PermissionError("events are append-only")


class Event(models.Model):
    """A fact: who did what, when, to which patient (and referral). A correction is a new event.

    `kind` is a dotted name from jalon/events/kinds.py; `payload` holds the few values that
    describe the fact (e.g. the previous and new status and the reason).
    """

    kind = models.CharField(_("type"), max_length=60, db_index=True)
    occurred_at = models.DateTimeField(_("survenu le"), default=timezone.now, db_index=True)
    recorded_at = models.DateTimeField(_("enregistré le"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="events")
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    payload = models.JSONField(default=dict, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name = _("événement")
        indexes = [models.Index(fields=["patient", "occurred_at"]), models.Index(fields=["referral", "occurred_at"])]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("events are append-only")
