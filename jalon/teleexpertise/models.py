"""Tele-expertise: the services that answer, the GPs' requests, their documents.

A request is a question about a suspected case asked to one hospital service; its specialists answer
within the offer's delay, and an answer can turn the request into a referral (no re-keying).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jalon.core.documents import StoredDocument, stored_name
from jalon.core.vocabulary import CancerSite
from jalon.core.workcalendar import DELAY_UNITS

# The seeds describe tele-expertise offers (seed 001, fiche 1, action clé 3) but give no answer delay.
DEFAULT_DELAY_SOURCE = (
    "Proposition Jalon, à valider : les sources ne donnent pas de délai (seed 001, fiche 1, action clé 3)"
)


class TeleExpertiseOffer(models.Model):
    """A directory service that answers tele-expertise, within its delay, and the entry point its requests
    turn into referrals through."""

    service = models.OneToOneField(
        "directory.Service", verbose_name=_("service"), on_delete=models.PROTECT, related_name="teleexpertise_offer"
    )
    answer_delay_amount = models.PositiveSmallIntegerField(_("délai de réponse"), default=2)
    answer_delay_unit = models.CharField(
        _("unité du délai"), max_length=16, choices=DELAY_UNITS, default="working_days"
    )
    source = models.CharField(_("source du délai"), max_length=300, default=DEFAULT_DELAY_SOURCE)
    entry_point = models.ForeignKey(
        "referrals.EntryPoint",
        verbose_name=_("guichet des demandes de prise en soins"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Le guichet qui reçoit la demande de prise en soins quand un avis oriente le patient."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["service__organization__name", "service__name"]
        verbose_name = _("offre de téléexpertise")
        verbose_name_plural = _("offres de téléexpertise")

    def __str__(self) -> str:
        return str(self.service)


class RequestStatus(models.TextChoices):
    SUBMITTED = "submitted", _("En attente de réponse")
    ANSWERED = "answered", _("Répondue")
    CONVERTED = "converted", _("Orientée vers une prise en soins")
    WITHDRAWN = "withdrawn", _("Retirée")


class ReferenceCounter(models.Model):
    """The last number handed out per year, for references such as TEX-2026-000012."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class TeleExpertiseRequest(models.Model):
    """A GP's question to a service about a suspected case. `service` is the offer's service when asked,
    kept even if the offer is reconfigured later (it decides who may answer)."""

    reference = models.CharField(_("référence"), max_length=20, unique=True)
    offer = models.ForeignKey(
        TeleExpertiseOffer, verbose_name=_("offre"), on_delete=models.PROTECT, related_name="requests"
    )
    service = models.ForeignKey(
        "directory.Service", verbose_name=_("service sollicité"), on_delete=models.PROTECT, related_name="+"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="teleexpertise_requests")
    requester = models.ForeignKey(
        "directory.Professional",
        verbose_name=_("médecin demandeur"),
        on_delete=models.PROTECT,
        related_name="teleexpertise_requests",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    suspected_site = models.CharField(_("cancer suspecté"), max_length=32, choices=CancerSite.choices)
    question = models.TextField(_("question posée"))
    clinical_summary = models.TextField(_("résumé clinique"), blank=True)
    status = models.CharField(
        _("statut"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.SUBMITTED
    )
    submitted_at = models.DateTimeField(_("envoyée le"), default=timezone.now)
    answer_deadline = models.DateTimeField(_("réponse attendue avant"))
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("répondue par"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("répondue le"), null=True, blank=True)
    answer = models.TextField(_("réponse"), blank=True)
    withdrawn_at = models.DateTimeField(_("retirée le"), null=True, blank=True)
    withdrawal_reason = models.TextField(_("motif du retrait"), blank=True)
    # Set once, by the late scan's conditional update: the late message goes out exactly once.
    late_notified_at = models.DateTimeField(_("retard signalé le"), null=True, blank=True)
    converted_referral = models.ForeignKey(
        "referrals.Referral",
        verbose_name=_("demande de prise en soins créée"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="teleexpertise_requests",
    )

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("demande de téléexpertise")
        verbose_name_plural = _("demandes de téléexpertise")
        indexes = [
            models.Index(fields=["service", "status", "answer_deadline"]),
            models.Index(fields=["requester", "-submitted_at"]),
            models.Index(fields=["status", "answer_deadline"]),
        ]

    def __str__(self) -> str:
        return self.reference


def document_upload_path(instance: TeleExpertiseDocument, filename: str) -> str:  # noqa: ARG001
    """Stored under a random name: the original name (which may identify the patient) stays in the row."""
    return stored_name("teleexpertise", content_type=instance.content_type)


class TeleExpertiseDocument(StoredDocument):
    request = models.ForeignKey(TeleExpertiseRequest, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(upload_to=document_upload_path)

    class Meta(StoredDocument.Meta):
        verbose_name = _("document de téléexpertise")
