"""Exams and pathology as objects attached to the pathway's milestones (issue 16, item 1).

An `ExamRequest` is an exam the coordination asks for a step of the pathway (kind, site, urgency), followed
from requested to scheduled and done (or cancelled), its report stored as a document. A `PathologyRequest`
is the enriched prescription sent with a biopsy specimen to a pathologist (seed 001, fiche 5): its fields
per template as data (`prescription.py`), the dates its preliminary and final results are expected, and the
results themselves; a non-contributive result opens the re-biopsy at once (services.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jalon.core.documents import StoredDocument, stored_name
from jalon.core.vocabulary import Urgency
from jalon.referrals.models import ExamKind


class ExamStatus(models.TextChoices):
    REQUESTED = "requested", _("Demandé")
    SCHEDULED = "scheduled", _("Programmé")
    DONE = "done", _("Réalisé")
    CANCELLED = "cancelled", _("Annulé")


class ExamRequest(models.Model):
    pathway = models.ForeignKey("pathways.Pathway", on_delete=models.CASCADE, related_name="exam_requests")
    milestone = models.ForeignKey(
        "pathways.Milestone",
        verbose_name=_("étape du parcours"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="exam_requests",
    )
    kind = models.CharField(_("examen"), max_length=20, choices=ExamKind.choices)
    site = models.ForeignKey(
        "directory.Organization", verbose_name=_("lieu"), on_delete=models.PROTECT, related_name="+"
    )
    urgency = models.CharField(_("urgence"), max_length=16, choices=Urgency.choices, default=Urgency.ROUTINE)
    note = models.TextField(_("précisions"), blank=True)
    status = models.CharField(
        _("statut"), max_length=12, choices=ExamStatus.choices, default=ExamStatus.REQUESTED, db_index=True
    )
    requested_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scheduled_for = models.DateTimeField(_("programmé pour le"), null=True, blank=True)
    done_at = models.DateTimeField(_("réalisé le"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("annulé le"), null=True, blank=True)
    cancel_reason = models.CharField(_("motif de l'annulation"), max_length=300, blank=True)
    # The scheduling appointment that books it, by id only: scheduling stands on the same floor as this app,
    # which may not import it (docs/ARCHITECTURE.md).
    appointment_id = models.PositiveIntegerField(_("rendez-vous"), null=True, blank=True)

    class Meta:
        ordering = ["pathway", "requested_at", "id"]
        verbose_name = _("demande d'examen")

    def __str__(self) -> str:
        return str(self.get_kind_display())


def exam_report_upload_path(instance: ExamReport, filename: str) -> str:  # noqa: ARG001
    return stored_name("exam_reports", content_type=instance.content_type)


class ExamReport(StoredDocument):
    """The report of an exam, checked (`core.documents.check_document`) before it is stored."""

    exam = models.ForeignKey(ExamRequest, on_delete=models.CASCADE, related_name="reports")
    file = models.FileField(upload_to=exam_report_upload_path)

    class Meta(StoredDocument.Meta):
        verbose_name = _("compte rendu d'examen")


class PathologyStatus(models.TextChoices):
    REQUESTED = "requested", _("En attente de résultat")
    PRELIMINARY = "preliminary", _("Résultat intermédiaire rendu")
    FINAL = "final", _("Résultat définitif rendu")
    NON_CONTRIBUTIVE = "non_contributive", _("Prélèvement non contributif")


OPEN_PATHOLOGY_STATUSES = (PathologyStatus.REQUESTED, PathologyStatus.PRELIMINARY)


class PathologyStage(models.TextChoices):
    PRELIMINARY = "preliminary", _("Résultat intermédiaire")
    FINAL = "final", _("Résultat définitif")


class PathologyRequest(models.Model):
    """The specimen of a biopsy milestone sent to a pathologist with the enriched prescription."""

    pathway = models.ForeignKey("pathways.Pathway", on_delete=models.CASCADE, related_name="pathology_requests")
    milestone = models.ForeignKey(
        "pathways.Milestone",
        verbose_name=_("prélèvement (étape)"),
        on_delete=models.PROTECT,
        related_name="pathology_requests",
    )
    specimen = models.CharField(_("prélèvement (site, nature)"), max_length=200)
    specimen_taken_at = models.DateTimeField(_("prélevé le"))
    pathologist = models.ForeignKey(
        "directory.Professional",
        verbose_name=_("anatomopathologiste"),
        on_delete=models.PROTECT,
        related_name="pathology_requests",
    )
    template_kind = models.CharField(max_length=32, help_text="The template whose prescription fields apply.")
    prescription = models.JSONField(_("bon de prescription"), default=dict)
    prescription_version = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(
        _("statut"), max_length=20, choices=PathologyStatus.choices, default=PathologyStatus.REQUESTED, db_index=True
    )
    requested_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    preliminary_due_at = models.DateTimeField(_("résultat intermédiaire attendu le"))
    final_due_at = models.DateTimeField(_("résultat définitif attendu le"))
    preliminary_at = models.DateTimeField(_("résultat intermédiaire le"), null=True, blank=True)
    preliminary_text = models.TextField(_("résultat intermédiaire"), blank=True)
    final_at = models.DateTimeField(_("résultat définitif le"), null=True, blank=True)
    final_text = models.TextField(_("résultat définitif"), blank=True)
    # None until a result says; False: the specimen yielded no usable tissue (a re-biopsy is needed).
    contributive = models.BooleanField(_("contributif"), null=True, blank=True)
    non_contributive_at = models.DateTimeField(_("non contributif signalé le"), null=True, blank=True)
    molecular_tests_received = models.JSONField(_("examens complémentaires reçus"), default=list, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Claimed by the late scan (one alert per stage): a conditional update makes two workers raise it once.
    preliminary_late_at = models.DateTimeField(null=True, blank=True)
    final_late_at = models.DateTimeField(null=True, blank=True)
    rebiopsy_task = models.ForeignKey(
        "pathways.Task", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The non-contributive request this one repeats (time to re-biopsy is counted between them).
    rebiopsy_of = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="rebiopsies")

    class Meta:
        ordering = ["pathway", "requested_at", "id"]
        verbose_name = _("demande d'anatomopathologie")
        indexes = [
            models.Index(fields=["status", "preliminary_due_at"]),
            models.Index(fields=["status", "final_due_at"]),
        ]

    def __str__(self) -> str:
        return self.specimen

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_PATHOLOGY_STATUSES

    def molecular_tests_asked(self) -> list[str]:
        return list(self.prescription.get("molecular_tests", []))

    def late_stages(self, now) -> list[str]:
        """The results expected and not in at `now`: "preliminary", "final" (what the screens show as late)."""
        late = []
        if self.status == PathologyStatus.REQUESTED and self.preliminary_due_at <= now:
            late.append(PathologyStage.PRELIMINARY)
        if self.is_open and self.final_due_at <= now:
            late.append(PathologyStage.FINAL)
        return late
