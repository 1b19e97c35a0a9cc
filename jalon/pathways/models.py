"""Pathway templates (versioned data) and pathway instances with their milestones, tasks and alerts."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jalon.core.documents import stored_name
from jalon.core.vocabulary import PathwayKind, Priority, ResourceKind, Specialty
from jalon.core.workcalendar import DELAY_UNITS


class ResponsibleRole(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordination")
    SPECIALIST = "specialist", _("Médecin spécialiste")
    RADIOLOGIST = "radiologist", _("Radiologue")
    PATHOLOGIST = "pathologist", _("Anatomopathologiste")
    SURGEON = "surgeon", _("Chirurgien")
    ONCOLOGIST = "oncologist", _("Oncologue")
    TUMOUR_BOARD = "tumour_board", _("RCP")
    GP = "gp", _("Médecin traitant")
    REFERRER = "referrer", _("Adresseur")


class Phase(models.TextChoices):
    DIAGNOSIS = "diagnosis", _("Diagnostic")
    TREATMENT = "treatment", _("Traitement")
    RETURN = "return", _("Retour au médecin traitant")


class Branch(models.TextChoices):
    ALWAYS = "", _("Toujours")
    MALIGNANT = "malignant", _("Si cancer confirmé")
    NOT_MALIGNANT = "not_malignant", _("Si non malin")


class PathwayTemplate(models.Model):
    kind = models.CharField(_("type de parcours"), max_length=32, choices=PathwayKind.choices, unique=True)
    name = models.CharField(_("nom"), max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name = _("modèle de parcours")

    def __str__(self) -> str:
        return self.name

    def current_version(self) -> PathwayTemplateVersion | None:
        return self.versions.filter(published_at__isnull=False).order_by("-version").first()


class PathwayTemplateVersion(models.Model):
    """One published state of a template. Never edited once published: an edit is a new version,
    and running pathways keep the version they started with."""

    template = models.ForeignKey(PathwayTemplate, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    change_note = models.TextField(_("nature de la modification"), blank=True)
    source = models.TextField(_("source"), blank=True)

    class Meta:
        ordering = ["template", "-version"]
        verbose_name = _("version de modèle de parcours")
        constraints = [models.UniqueConstraint(fields=["template", "version"], name="template_version_unique")]

    def __str__(self) -> str:
        return f"{self.template.name} v{self.version}"


class MilestoneTemplate(models.Model):
    """A step of a template: who does it, what it depends on, and its target delay from a reference step.

    `reference_code` blank means "from the start of the pathway" (the referral's acceptance), and
    `REQUEST_REFERENCE` ("request") from the referral's reception (the GP's request);
    `depends_on` lists codes of steps that must be done first; `follows` codes of earlier steps this one
    is never due before (without having to wait for them: the final pathology result after the
    intermediate one). `delay_by_priority` gives the target per pathway priority
    ({"P1": {"amount": 6, "unit": "hours"}, ...}, sourced in `priority_source`); a priority it does not
    name uses `target_amount`/`target_unit`.
    """

    template_version = models.ForeignKey(PathwayTemplateVersion, on_delete=models.CASCADE, related_name="milestones")
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("libellé"), max_length=200)
    order = models.PositiveSmallIntegerField(_("ordre"))
    phase = models.CharField(_("phase"), max_length=16, choices=Phase.choices, default=Phase.DIAGNOSIS)
    branch = models.CharField(_("branche"), max_length=16, choices=Branch.choices, blank=True, default="")
    responsible_role = models.CharField(_("responsable"), max_length=20, choices=ResponsibleRole.choices)
    required = models.BooleanField(_("obligatoire"), default=True)
    depends_on = models.JSONField(_("dépend de"), default=list, blank=True)
    reference_code = models.CharField(_("délai compté depuis"), max_length=40, blank=True)
    target_amount = models.PositiveIntegerField(_("délai cible"), null=True, blank=True)
    target_unit = models.CharField(_("unité"), max_length=16, choices=DELAY_UNITS, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    delay_by_priority = models.JSONField(_("délai cible selon la priorité"), default=dict, blank=True)
    priority_source = models.CharField(_("source des délais selon la priorité"), max_length=300, blank=True)
    follows = models.JSONField(_("jamais attendu avant"), default=list, blank=True)
    # Booking: which kind of resource the step needs (blank: not booked in Jalon), and a group name
    # shared by steps planned on the same day (the diagnostic day).
    resource_kind = models.CharField(_("ressource à réserver"), max_length=20, blank=True, choices=ResourceKind.choices)
    same_day_group = models.CharField(_("même jour que"), max_length=40, blank=True)
    # The specialty of the service whose resource the step books (blank: any service of the kind).
    specialty = models.CharField(_("spécialité"), max_length=32, blank=True, choices=Specialty.choices)

    class Meta:
        ordering = ["template_version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["template_version", "code"], name="milestone_template_code_unique")
        ]

    def __str__(self) -> str:
        return self.label

    def priority_delays(self) -> list[tuple[str, int, str]]:
        """(priority, amount, French unit) for each per-priority target, P1 first (for the pages)."""
        units = dict(DELAY_UNITS)
        return [
            (priority, delay["amount"], units.get(delay["unit"], delay["unit"]))
            for priority, delay in sorted((self.delay_by_priority or {}).items())
        ]

    def target_for(self, priority: str) -> tuple[int, str] | None:
        """The target delay (amount, unit) of this step for a pathway of `priority`, or None."""
        chosen = (self.delay_by_priority or {}).get(priority)
        if chosen:
            return int(chosen["amount"]), chosen["unit"]
        if self.target_amount is not None and self.target_unit:
            return self.target_amount, self.target_unit
        return None


REQUEST_REFERENCE = "request"


class PathwayStatus(models.TextChoices):
    ACTIVE = "active", _("En cours")
    CLOSED = "closed", _("Clôturé")


class Outcome(models.TextChoices):
    PENDING = "", _("Diagnostic en cours")
    MALIGNANT = "malignant", _("Cancer confirmé")
    NOT_MALIGNANT = "not_malignant", _("Non malin")


class Pathway(models.Model):
    referral = models.OneToOneField("referrals.Referral", on_delete=models.PROTECT, related_name="pathway")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="pathways")
    template_version = models.ForeignKey(PathwayTemplateVersion, on_delete=models.PROTECT, related_name="pathways")
    priority = models.CharField(_("priorité"), max_length=2, choices=Priority.choices)
    status = models.CharField(
        _("statut"), max_length=10, choices=PathwayStatus.choices, default=PathwayStatus.ACTIVE, db_index=True
    )
    outcome = models.CharField(_("issue du diagnostic"), max_length=16, choices=Outcome.choices, blank=True, default="")
    department = models.CharField(max_length=3, blank=True, help_text="Department whose working calendar applies.")
    started_at = models.DateTimeField(_("débuté le"), default=timezone.now)
    closed_at = models.DateTimeField(_("clôturé le"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("dernière activité"), default=timezone.now, db_index=True)
    lost_to_follow_up = models.BooleanField(_("perdu de vue"), default=False)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("parcours")

    def __str__(self) -> str:
        return f"{self.referral.reference} – {self.template_version}"

    @property
    def is_closed(self) -> bool:
        return self.status == PathwayStatus.CLOSED


class MilestoneStatus(models.TextChoices):
    PENDING = "pending", _("À faire")
    DONE = "done", _("Fait")
    SKIPPED = "skipped", _("Sans objet")


class Milestone(models.Model):
    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="milestones")
    template = models.ForeignKey(MilestoneTemplate, on_delete=models.PROTECT, related_name="+")
    code = models.SlugField(max_length=40)
    label = models.CharField(_("jalon"), max_length=200)
    order = models.PositiveSmallIntegerField()
    status = models.CharField(
        _("statut"), max_length=10, choices=MilestoneStatus.choices, default=MilestoneStatus.PENDING
    )
    due_at = models.DateTimeField(_("échéance"), null=True, blank=True, db_index=True)
    # Where the step's window starts (its reference time): "due soon" is a share of that window.
    counted_from = models.DateTimeField(_("délai compté depuis"), null=True, blank=True)
    planned_at = models.DateTimeField(_("prévu le"), null=True, blank=True, help_text="Appointment date, once booked.")
    done_at = models.DateTimeField(_("réalisé le"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("commentaire"), blank=True)
    document = models.ForeignKey(
        "referrals.ReferralDocument", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    appointment_reference = models.CharField(_("rendez-vous lié"), max_length=200, blank=True)

    class Meta:
        ordering = ["pathway", "order"]
        constraints = [models.UniqueConstraint(fields=["pathway", "code"], name="milestone_code_unique")]
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self) -> str:
        return self.label


class Task(models.Model):
    """A task of the pathway: a first task set by the triage rule (e.g. « Programmer un scanner
    thoraco-abdominal »), or a complement asked of the referrer at acceptance (`complement_item` names the
    missing item, jalon/referrals/completeness.py; the referrer's answer closes it)."""

    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="tasks")
    label = models.CharField(_("tâche"), max_length=300)
    responsible_role = models.CharField(
        _("responsable"), max_length=20, choices=ResponsibleRole.choices, default=ResponsibleRole.COORDINATOR
    )
    due_at = models.DateTimeField(_("échéance"), null=True, blank=True)
    done_at = models.DateTimeField(_("faite le"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source = models.CharField(_("origine"), max_length=200, blank=True)
    complement_item = models.CharField(_("élément demandé à l'adresseur"), max_length=40, blank=True)

    class Meta:
        ordering = ["pathway", "due_at", "id"]


def warning_window(due_at, counted_from, *, horizon: timedelta, share_percent: int) -> timedelta:
    """How long before its due date a step is "due soon": `share_percent` of its own window (from
    `counted_from` to `due_at`), never more than `horizon`; the horizon alone when the window is unknown.
    So a step is never "due soon" on the first minute of its window (unless the share is 100 %)."""
    if due_at is None or counted_from is None:
        return horizon
    window = max(due_at - counted_from, timedelta(0))
    return min(horizon, window * share_percent / 100)


class AlertPolicy(models.Model):
    """Alert thresholds, versioned like every rule; the newest published one applies."""

    version = models.PositiveIntegerField(unique=True)
    published_at = models.DateTimeField(null=True, blank=True)
    warning_horizon_hours = models.PositiveIntegerField(_("prévenir avant l'échéance (heures)"), default=24)
    # A step is "due soon" when this share of its own window is left (never more than the horizon above).
    warning_share_percent = models.PositiveSmallIntegerField(
        _("prévenir quand il reste (% du délai de l'étape)"), default=20
    )
    escalation_after_hours = models.PositiveIntegerField(_("escalader après retard de (heures)"), default=48)
    lost_to_follow_up_days = models.PositiveIntegerField(_("perdu de vue sans événement depuis (jours)"), default=14)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        ordering = ["-version"]

    def warning_window(self, due_at, counted_from) -> timedelta:
        return warning_window(
            due_at,
            counted_from,
            horizon=timedelta(hours=self.warning_horizon_hours),
            share_percent=self.warning_share_percent,
        )


class AlertKind(models.TextChoices):
    DUE_SOON = "due_soon", _("Échéance proche")
    OVERDUE = "overdue", _("En retard")
    LOST_TO_FOLLOW_UP = "lost_to_follow_up", _("Perdu de vue")


class Alert(models.Model):
    """Raised by the periodic scan. `key` makes raising idempotent: the same situation raises one alert."""

    key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=AlertKind.choices)
    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="alerts")
    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, null=True, blank=True, related_name="alerts")
    due_at = models.DateTimeField(_("échéance"), null=True, blank=True)
    raised_at = models.DateTimeField(_("levée le"), default=timezone.now)
    escalated_at = models.DateTimeField(_("escaladée le"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("prise en compte le"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["acknowledged_at", "kind"])]


class LetterKind(models.TextChoices):
    FIRST_DIAGNOSTIC_DAY = "first_diagnostic_day", _("Courrier après la première journée de diagnostic")
    CLOSING_REPORT = "closing_report", _("Compte rendu de fin de parcours")


def letter_upload_path(instance: Letter, filename: str) -> str:  # noqa: ARG001
    """A random name: the letter names the patient, its file name must not."""
    return stored_name("letters", content_type="application/pdf")


class Letter(models.Model):
    """A PDF letter Jalon wrote from the pathway's data (liaison letter, closing report) for the GP.

    One per pathway and kind: the event that makes it is recorded once, a resend reuses the file.
    """

    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="letters")
    kind = models.CharField(_("type de courrier"), max_length=32, choices=LetterKind.choices)
    title = models.CharField(_("titre"), max_length=200)
    file = models.FileField(upload_to=letter_upload_path)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    event = models.ForeignKey("events.Event", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("rédigé le"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("courrier")
        constraints = [models.UniqueConstraint(fields=["pathway", "kind"], name="letter_unique_kind")]

    def __str__(self) -> str:
        return self.title
