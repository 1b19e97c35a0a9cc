"""Mails read from the entry point's secure mailbox, kept whole, and what the coordination did with them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jalon.core.documents import stored_name


def raw_mail_path(instance: InboundMail, filename: str) -> str:  # noqa: ARG001
    """A random name: the mail's own name or subject may identify the patient."""
    return stored_name("mailin", extension="eml")


def attachment_path(instance: InboundAttachment, filename: str) -> str:  # noqa: ARG001
    return stored_name("mailin", content_type=instance.detected_content_type)


class ParseStatus(models.TextChoices):
    PARSED = "parsed", _("Lu")
    UNREADABLE = "unreadable", _("Illisible")


class MailStatus(models.TextChoices):
    TO_COMPLETE = "to_complete", _("À compléter")
    CONVERTED = "converted", _("Transformé en demande")
    DISMISSED = "dismissed", _("Écarté")


class InboundMail(models.Model):
    """One mail as received (its bytes kept whole), and whether it became a referral or was set aside."""

    entry_point = models.ForeignKey(
        "referrals.EntryPoint", verbose_name=_("guichet"), on_delete=models.PROTECT, related_name="inbound_mails"
    )
    raw = models.FileField(_("courriel d'origine"), upload_to=raw_mail_path)
    raw_size = models.PositiveIntegerField(_("taille"))
    sha256 = models.CharField(max_length=64, unique=True)  # the same mail read twice is one row
    message_id = models.CharField(_("identifiant du message"), max_length=500, blank=True)
    received_at = models.DateTimeField(_("reçu le"), default=timezone.now)
    sender_address = models.CharField(_("adresse de l'expéditeur"), max_length=254, blank=True)
    sender_name = models.CharField(_("nom de l'expéditeur"), max_length=200, blank=True)
    subject = models.CharField(_("objet"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    body_text = models.TextField(_("texte"), blank=True)
    parse_status = models.CharField(
        _("lecture"), max_length=12, choices=ParseStatus.choices, default=ParseStatus.PARSED
    )
    parse_error = models.TextField(_("erreur de lecture"), blank=True)
    sender = models.ForeignKey(
        "directory.Professional",
        verbose_name=_("expéditeur reconnu"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(_("statut"), max_length=12, choices=MailStatus.choices, default=MailStatus.TO_COMPLETE)
    referral = models.OneToOneField(
        "referrals.Referral",
        verbose_name=_("demande créée"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inbound_mail",
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(_("traité le"), null=True, blank=True)
    dismissal_reason = models.TextField(_("motif"), blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("courriel reçu")
        verbose_name_plural = _("courriels reçus")
        indexes = [models.Index(fields=["entry_point", "status", "-received_at"])]

    def __str__(self) -> str:
        return self.subject or self.sender_address or f"#{self.pk}"

    @property
    def is_unreadable(self) -> bool:
        return self.parse_status == ParseStatus.UNREADABLE

    @property
    def is_to_complete(self) -> bool:
        return self.status == MailStatus.TO_COMPLETE


class InboundAttachment(models.Model):
    """A file attached to a mail; `can_be_document` when it passes the referral documents' check."""

    mail = models.ForeignKey(InboundMail, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField(_("nom du fichier"), max_length=200)
    declared_content_type = models.CharField(_("type annoncé"), max_length=255, blank=True)
    detected_content_type = models.CharField(_("type reconnu"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("taille"))
    sha256 = models.CharField(max_length=64)
    inline = models.BooleanField(_("dans le texte"), default=False)
    can_be_document = models.BooleanField(_("peut être joint à une demande"), default=False)
    refusal_reason = models.CharField(_("motif du refus"), max_length=300, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("pièce jointe")

    def __str__(self) -> str:
        return self.original_name
