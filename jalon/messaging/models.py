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
    failure_handled_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The notification kind (jalon/messaging/kinds.py) that wrote it; blank for alerts and older rows.
    kind = models.CharField(_("type de message"), max_length=60, blank=True, db_index=True)
    # A PDF letter joined to a secure message (a storage name; the file belongs to the pathway's letters).
    attachment_path = models.CharField(max_length=300, blank=True)
    attachment_name = models.CharField(max_length=200, blank=True)
    # In-app messages: when the recipient opened their notifications.
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message sortant")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            # the in-app inbox and its unread count in the menu
            models.Index(fields=["recipient_user", "channel", "read_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient_address}: {self.subject}"


class NotificationTemplate(models.Model):
    """The texts of one notification kind, versioned: an edit publishes a new version; messages already
    queued keep their text. `subject` and `notice` travel by plain e-mail and SMS, so they hold no
    clinical variable; `body` goes only by MSSanté and in Jalon. Checked by jalon.messaging.templating.

    Region-wide texts (no organisation) are edited by admins; an organisation's managers publish its own
    texts, which replace the region-wide ones in messages about its entry points' referrals. Versions
    count per kind and organisation."""

    kind = models.CharField(_("type de message"), max_length=60)
    organization = models.ForeignKey(
        "directory.Organization",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Vide : texte de toute la région."),
    )
    version = models.PositiveIntegerField()
    subject = models.CharField(_("objet"), max_length=200)
    body = models.TextField(_("texte sécurisé (MSSanté, Jalon)"))
    notice = models.TextField(_("avis court (e-mail, SMS)"))
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    change_note = models.CharField(_("nature de la modification"), max_length=300, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        ordering = ["kind", "-version"]
        verbose_name = _("modèle de message")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "version"],
                condition=models.Q(organization__isnull=True),
                name="notification_template_version_unique",
            ),
            models.UniqueConstraint(
                fields=["kind", "organization", "version"],
                condition=models.Q(organization__isnull=False),
                name="notification_template_org_version_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version}"


class NotificationPreference(models.Model):
    """The channels a professional wants for one kind of notification (in Jalon is always on)."""

    professional = models.ForeignKey(
        "directory.Professional", on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=60)
    channels = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["professional", "kind"], name="notification_preference_unique")]
