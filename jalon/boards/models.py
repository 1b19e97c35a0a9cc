"""Tumour boards (RCP): boards and their members, meetings generated from the schedule, the cases listed,
who attended, the decision, and the personalised care plan (PPS) handed to the patient, versioned."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jalon.core.documents import stored_name


class BoardSpecialty(models.TextChoices):
    """The specialty under which a professional sits on a board (the quorum counts them)."""

    MEDICAL_ONCOLOGY = "medical_oncology", _("Oncologie médicale")
    RADIATION_ONCOLOGY = "radiation_oncology", _("Radiothérapie")
    SURGERY = "surgery", _("Chirurgie")
    PATHOLOGY = "pathology", _("Anatomopathologie")
    RADIOLOGY = "radiology", _("Radiologie")
    ORGAN_SPECIALIST = "organ_specialist", _("Spécialiste d'organe")
    NUCLEAR_MEDICINE = "nuclear_medicine", _("Médecine nucléaire")
    HAEMATOLOGY = "haematology", _("Hématologie")
    SUPPORTIVE_CARE = "supportive_care", _("Soins de support et palliatifs")
    COORDINATION = "coordination", _("Coordination (IDEC)")


WEEKDAYS = [
    (0, _("lundi")),
    (1, _("mardi")),
    (2, _("mercredi")),
    (3, _("jeudi")),
    (4, _("vendredi")),
    (5, _("samedi")),
    (6, _("dimanche")),
]


class Board(models.Model):
    """A tumour board of one organ (the pathway kinds it takes) at one site, meeting on a schedule."""

    name = models.CharField(_("nom"), max_length=200)
    organization = models.ForeignKey(
        "directory.Organization", verbose_name=_("site"), on_delete=models.PROTECT, related_name="boards"
    )
    pathway_kinds = models.JSONField(_("types de parcours"), default=list, blank=True)
    weekday = models.PositiveSmallIntegerField(_("jour"), choices=WEEKDAYS)
    start_time = models.TimeField(_("heure"))
    duration_minutes = models.PositiveSmallIntegerField(_("durée (minutes)"), default=120)
    every_weeks = models.PositiveSmallIntegerField(_("toutes les (semaines)"), default=1)
    first_date = models.DateField(_("première réunion"), help_text=_("Le rythme compte à partir de cette date."))
    required_specialties = models.JSONField(_("spécialités requises (quorum)"), default=list, blank=True)
    chair = models.ForeignKey(
        "directory.Professional", verbose_name=_("président"), on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("RCP")

    def __str__(self) -> str:
        return self.name

    def required_specialty_labels(self) -> list[str]:
        labels = dict(BoardSpecialty.choices)
        return [str(labels.get(code, code)) for code in self.required_specialties]


class BoardMember(models.Model):
    """A professional who sits on the board, under one specialty: they see the cases of its meetings."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="members")
    professional = models.ForeignKey("directory.Professional", on_delete=models.CASCADE, related_name="board_seats")
    specialty = models.CharField(_("spécialité"), max_length=32, choices=BoardSpecialty.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["board", "professional"], name="board_member_unique")]


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Prévue")
    CANCELLED = "cancelled", _("Annulée")


class BoardMeeting(models.Model):
    """One meeting, generated from the board's schedule (unique per board and start: generating is idempotent)."""

    board = models.ForeignKey(Board, on_delete=models.PROTECT, related_name="meetings")
    starts_at = models.DateTimeField(_("début"))
    status = models.CharField(
        _("statut"), max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED
    )
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.CharField(_("motif de l'annulation"), max_length=300, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [models.UniqueConstraint(fields=["board", "starts_at"], name="board_meeting_unique")]

    def __str__(self) -> str:
        return f"{self.board.name} – {timezone.localtime(self.starts_at):%d/%m/%Y %H:%M}"


class CaseStatus(models.TextChoices):
    DRAFT = "draft", _("En préparation")
    READY = "ready", _("Dossier complet")
    LISTED = "listed", _("Inscrit à l'ordre du jour")
    DECIDED = "decided", _("Décision rendue")
    POSTPONED = "postponed", _("Reporté")


OPEN_CASE_STATUSES = (CaseStatus.DRAFT, CaseStatus.READY, CaseStatus.LISTED)


class Sorting(models.TextChoices):
    LISTED_ONLY = "listed_only", _("Standard de soins : dossier enregistré sans discussion")
    DISCUSSION = "discussion", _("Discussion complète")


class BoardCase(models.Model):
    """A pathway put on a meeting's list: prepared by the coordination (the checklist), sorted by the
    coordinator and confirmed by the chair, then decided or postponed. `answers` holds the checklist's
    patient-level items (performance status, comorbidities, patient's wish); `checklist_version` the
    version of the checklist definitions it was prepared with."""

    pathway = models.ForeignKey("pathways.Pathway", on_delete=models.PROTECT, related_name="board_cases")
    meeting = models.ForeignKey(BoardMeeting, on_delete=models.PROTECT, related_name="cases")
    status = models.CharField(_("statut"), max_length=12, choices=CaseStatus.choices, default=CaseStatus.DRAFT)
    question = models.TextField(_("question posée à la RCP"), blank=True)
    answers = models.JSONField(_("réponses de la liste de vérification"), default=dict, blank=True)
    checklist_version = models.PositiveSmallIntegerField(default=1)
    proposed_sorting = models.CharField(_("tri proposé"), max_length=16, choices=Sorting.choices, blank=True)
    sorting_proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_sorting = models.CharField(_("tri confirmé"), max_length=16, choices=Sorting.choices, blank=True)
    sorting_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sorting_confirmed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    ready_at = models.DateTimeField(_("dossier complet le"), null=True, blank=True)
    listed_at = models.DateTimeField(_("inscrit le"), null=True, blank=True)
    postponed_reason = models.TextField(_("motif du report"), blank=True)

    class Meta:
        ordering = ["meeting__starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pathway", "meeting"], name="board_case_unique_per_meeting"),
            # One open case per pathway at a time, across app servers.
            models.UniqueConstraint(
                fields=["pathway"],
                condition=Q(status__in=["draft", "ready", "listed"]),
                name="board_case_one_open_per_pathway",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pathway.referral.reference} – {self.meeting}"


class BoardAttendance(models.Model):
    """Who attended a meeting, under which specialty (the quorum reads it)."""

    meeting = models.ForeignKey(BoardMeeting, on_delete=models.CASCADE, related_name="attendances")
    professional = models.ForeignKey("directory.Professional", on_delete=models.PROTECT, related_name="+")
    specialty = models.CharField(_("spécialité"), max_length=32, choices=BoardSpecialty.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        ordering = ["specialty", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "professional"], name="board_attendance_unique")]


class TreatmentKind(models.TextChoices):
    SURGERY = "surgery", _("Chirurgie")
    CHEMOTHERAPY = "chemotherapy", _("Chimiothérapie")
    RADIOTHERAPY = "radiotherapy", _("Radiothérapie")
    CHEMORADIOTHERAPY = "chemoradiotherapy", _("Radio-chimiothérapie")
    SYSTEMIC_TARGETED = "targeted", _("Thérapie ciblée ou immunothérapie")
    HORMONE = "hormone", _("Hormonothérapie")
    SURVEILLANCE = "surveillance", _("Surveillance")
    SUPPORTIVE = "supportive", _("Soins de support exclusifs")
    OTHER = "other", _("Autre")


class TrialEligibility(models.TextChoices):
    ELIGIBLE = "eligible", _("Éligible à un essai clinique")
    NOT_ELIGIBLE = "not_eligible", _("Pas d'essai clinique adapté")
    TO_CHECK = "to_check", _("Éligibilité à vérifier")


class BoardDecision(models.Model):
    """The board's proposal for a case, validated by the specialties present (`validated_specialties`)."""

    case = models.OneToOneField(BoardCase, on_delete=models.PROTECT, related_name="decision")
    treatment_kind = models.CharField(_("traitement proposé"), max_length=20, choices=TreatmentKind.choices)
    proposal = models.TextField(_("proposition thérapeutique"))
    options = models.TextField(_("options discutées"), blank=True)
    trial_eligibility = models.CharField(_("essai clinique"), max_length=16, choices=TrialEligibility.choices)
    trial_note = models.CharField(_("essai envisagé"), max_length=300, blank=True)
    next_steps = models.TextField(_("prochaines étapes"), blank=True)
    announcement_plan = models.TextField(_("annonce à organiser"), blank=True)
    validated_specialties = models.JSONField(default=list)
    decided_at = models.DateTimeField(_("décidé le"), default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    event = models.ForeignKey("events.Event", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    def __str__(self) -> str:
        return self.proposal[:80]


class CarePlan(models.Model):
    """The personalised care plan (PPS) written from a decision: versions, then handed and sent to the GP."""

    decision = models.OneToOneField(BoardDecision, on_delete=models.PROTECT, related_name="care_plan")
    pathway = models.ForeignKey("pathways.Pathway", on_delete=models.PROTECT, related_name="care_plans")
    handed_on = models.DateField(_("remis au patient le"), null=True, blank=True)
    handed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(_("adressé au médecin traitant le"), null=True, blank=True)

    def current_version(self) -> CarePlanVersion | None:
        return self.versions.order_by("-number").first()


def care_plan_upload_path(instance, filename: str) -> str:  # noqa: ARG001
    """A random name: the PPS names the patient, its file name must not. Stored with the letters Jalon writes (a
    folder the nightly sweep knows, core.files.SWEPT_FOLDERS)."""
    return stored_name("letters", content_type="application/pdf")


class CarePlanVersion(models.Model):
    """One state of the PPS: its content (what the form edits) and its PDF. Never changed: an edit is a new
    version, the earlier ones kept."""

    care_plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    content = models.JSONField()
    file = models.FileField(upload_to=care_plan_upload_path)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["care_plan", "number"]
        constraints = [models.UniqueConstraint(fields=["care_plan", "number"], name="care_plan_version_unique")]
