"""The outbox: every outgoing message, written in the transaction of the event that causes it."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    MSSANTE = "mssante", _("MSSanté")
    SMS = "sms", _("SMS")
    IN_APP = "in_app", _("Dans Jalon")


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    SENT = "sent", _("Envoyé")
    FAILED = "failed", _("Échec définitif")


class OutboxMessage(models.Model):
    idempotency_key = models.CharField(max_length=120, unique=True)
    channel = models.CharField(_("canal"), max_length=10, choices=Channel.choices)
    recipient_address = models.CharField(_("destinataire"), max_length=254)
    recipient_professional = models.ForeignKey(
        "directory.Professional", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recipient_user = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    event = models.ForeignKey("events.Event", on_delete=models.PROTECT, null=True, blank=True, related_name="messages")
    subject = models.CharField(_("objet"), max_length=200)
    body = models.TextField(_("texte"))
    status = models.CharField(_("statut"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    # A definitive failure is shown to the coordination until someone retries it or takes it into account.
    failure_handled_at = models.DateTimeField(null=True, blank=True)
    failure_handled_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message sortant")
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient_address}: {self.subject}"
