"""Entry points, referrals, the exams already done and their documents, completeness rules."""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jalon.core.documents import StoredDocument, stored_name
from jalon.core.vocabulary import CancerSite, PathwayKind, Priority, Urgency
from jalon.core.workcalendar import DELAY_UNITS


class EntryPoint(models.Model):
    """A door referrals come through (a CPTS line, a hospital fast-track secretariat)."""

    organization = models.ForeignKey("directory.Organization", on_delete=models.PROTECT, related_name="entry_points")
    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(_("code"), unique=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    territory = models.ForeignKey(
        "directory.Territory", verbose_name=_("territoire"), on_delete=models.PROTECT, null=True, blank=True
    )
    answer_delay_amount = models.PositiveSmallIntegerField(_("délai de réponse"), default=48)
    answer_delay_unit = models.CharField(
        _("unité du délai"), max_length=16, choices=DELAY_UNITS, default="working_hours"
    )
    # The delay above is the commitment for a routine referral; an urgent or very urgent one is answered
    # sooner: {"urgent": {"amount": 24, "unit": "working_hours"}, ...}, else the shipped table
    # (data/answer_delays_v1.json). See services.answer_delay.
    answer_delay_by_urgency = models.JSONField(_("délai de réponse selon l'urgence"), default=dict, blank=True)
    opens_at = models.TimeField(_("ouverture"), default=time(8, 0))
    closes_at = models.TimeField(_("fermeture"), default=time(18, 0))
    is_active = models.BooleanField(_("actif"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("guichet")

    def __str__(self) -> str:
        return self.name


class EntryPointClosure(models.Model):
    entry_point = models.ForeignKey(EntryPoint, on_delete=models.CASCADE, related_name="closures")
    day = models.DateField(_("jour"))
    reason = models.CharField(_("motif"), max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entry_point", "day"], name="closure_unique_day")]


class Question(models.TextChoices):
    DIAGNOSIS = "diagnosis", _("Bilan diagnostique")
    OPINION = "opinion", _("Avis spécialisé")
    TREATMENT = "treatment", _("Prise en charge thérapeutique")


class Channel(models.TextChoices):
    WEB = "web", _("Formulaire en ligne")
    PHONE = "phone", _("Téléphone")
    API = "api", _("Logiciel (API)")
    MAIL = "mail", _("Messagerie sécurisée")
    TELEEXPERTISE = "teleexpertise", _("Téléexpertise")


class Status(models.TextChoices):
    RECEIVED = "received", _("Reçue")
    AWAITING_COMPLEMENT = "awaiting_complement", _("En attente de complément")
    ACCEPTED = "accepted", _("Acceptée")
    DECLINED = "declined", _("Refusée")
    REDIRECTED = "redirected", _("Réorientée")
    CLOSED = "closed", _("Clôturée")


OPEN_STATUSES = (Status.RECEIVED, Status.AWAITING_COMPLEMENT, Status.ACCEPTED)

# The worklist's order (referrals.selectors.worklist): received first, then awaiting a complement, then
# accepted; within a status the priority decided at acceptance, else the one the triage rules proposed at
# submission (P1 first, none last); then the declared urgency; then the answer deadline. The same
# expressions index the open referrals (Referral.Meta), so a page of the worklist reads its 50 rows from the
# index instead of sorting every open referral of the entry point (issue 15: 30 ms of the database's CPU
# for each page at 5,000 open referrals).
WORKLIST_STATUS_ORDER = models.Case(
    models.When(status=Status.RECEIVED, then=models.Value(0)),
    models.When(status=Status.AWAITING_COMPLEMENT, then=models.Value(1)),
    models.When(status=Status.ACCEPTED, then=models.Value(2)),
    default=models.Value(3),
    output_field=models.IntegerField(),
)
WORKLIST_PRIORITY_ORDER = models.Case(
    models.When(
        models.Q(priority=Priority.P1) | models.Q(priority="", proposed_priority=Priority.P1), then=models.Value(0)
    ),
    models.When(
        models.Q(priority=Priority.P2) | models.Q(priority="", proposed_priority=Priority.P2), then=models.Value(1)
    ),
    models.When(
        models.Q(priority=Priority.P3) | models.Q(priority="", proposed_priority=Priority.P3), then=models.Value(2)
    ),
    default=models.Value(3),
    output_field=models.IntegerField(),
)
WORKLIST_URGENCY_ORDER = models.Case(
    models.When(declared_urgency=Urgency.VERY_URGENT, then=models.Value(0)),
    models.When(declared_urgency=Urgency.URGENT, then=models.Value(1)),
    default=models.Value(2),
    output_field=models.IntegerField(),
)


class ReferenceCounter(models.Model):
    """The last number handed out per year, for references such as JAL-2026-000123."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class Referral(models.Model):
    reference = models.CharField(_("référence"), max_length=20, unique=True)
    entry_point = models.ForeignKey(
        EntryPoint, verbose_name=_("guichet"), on_delete=models.PROTECT, related_name="referrals"
    )
    channel = models.CharField(_("canal"), max_length=16, choices=Channel.choices)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="referrals")
    referrer = models.ForeignKey(
        "directory.Professional", verbose_name=_("adresseur"), on_delete=models.PROTECT, related_name="referrals_made"
    )
    caller_name = models.CharField(
        _("appelant"), max_length=200, blank=True, help_text=_("Pour une demande reçue par téléphone : qui a appelé.")
    )
    # The GP named on the referral is a proposal: they reach nothing until the coordination confirms them
    # (then they join the patient's care team as GP, granted by that coordinator).
    gp = models.ForeignKey(
        "directory.Professional",
        verbose_name=_("médecin traitant"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    gp_confirmed_at = models.DateTimeField(_("médecin traitant confirmé le"), null=True, blank=True)
    gp_confirmed_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("médecin traitant confirmé par"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    suspected_site = models.CharField(_("cancer suspecté"), max_length=32, choices=CancerSite.choices)
    clinical_reason = models.TextField(_("motif clinique"), blank=True)
    first_symptoms_date = models.DateField(_("date des premiers symptômes"), null=True, blank=True)
    declared_urgency = models.CharField(
        _("urgence déclarée"), max_length=16, choices=Urgency.choices, default=Urgency.ROUTINE
    )
    alarm_signs = models.JSONField(_("signes d'alerte"), default=list, blank=True)
    # Imaging scores as structured exam results ({"birads": 4, "lesion_size_mm": 18}), cleaned by
    # referrals/imaging.clean_imaging_findings; the triage rules read them (issue 14).
    imaging_findings = models.JSONField(_("résultats d'imagerie"), default=dict, blank=True)
    # Signs the triage read in the text (« lu dans le texte ») that the coordination removed: no longer counted.
    dismissed_text_signs = models.JSONField(_("signes lus dans le texte écartés"), default=list, blank=True)
    question = models.CharField(
        _("question posée"), max_length=16, choices=Question.choices, default=Question.DIAGNOSIS
    )
    patient_informed = models.BooleanField(_("patient informé de la suspicion"), null=True)
    # The identity and contact as the submitter sent them (INS, traits, phone, commune). Kept on the referral,
    # never copied onto a known patient: only the coordination changes a patient's record (identity vigilance).
    submitted_identity = models.JSONField(_("identité transmise"), default=dict, blank=True)
    status = models.CharField(
        _("statut"), max_length=24, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    received_at = models.DateTimeField(_("reçue le"), default=timezone.now)
    answer_deadline = models.DateTimeField(_("réponse attendue avant"))
    answered_at = models.DateTimeField(_("répondue le"), null=True, blank=True)
    missing_items = models.JSONField(_("éléments manquants"), default=list, blank=True)
    # Items the referrer answered « non réalisé » (an exam not done): answered, no longer missing (completeness.py).
    items_not_done = models.JSONField(_("examens déclarés non réalisés"), default=list, blank=True)
    completeness_rule_set = models.ForeignKey(
        "referrals.CompletenessRuleSet", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    is_complete = models.BooleanField(_("complète"), default=False)
    outside_territory = models.BooleanField(_("hors territoire"), default=False)
    pathway_kind = models.CharField(_("parcours"), max_length=32, choices=PathwayKind.choices, blank=True)
    priority = models.CharField(_("priorité"), max_length=2, choices=Priority.choices, blank=True)
    # What the triage rules propose while the referral waits (set by triage through `referral_content_changed`).
    proposed_priority = models.CharField(_("priorité proposée"), max_length=2, choices=Priority.choices, blank=True)
    redirected_to = models.CharField(_("réorientée vers"), max_length=200, blank=True)
    status_reason = models.TextField(_("motif du dernier changement de statut"), blank=True)
    related_referrals = models.ManyToManyField("self", blank=True, verbose_name=_("demandes liées"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("demande de prise en soins")
        indexes = [
            models.Index(fields=["entry_point", "status", "answer_deadline"]),
            models.Index(fields=["referrer", "-received_at"]),
            models.Index(fields=["received_at"], name="referral_received_at"),  # the indicators' periods
            models.Index(
                WORKLIST_STATUS_ORDER,
                WORKLIST_PRIORITY_ORDER,
                WORKLIST_URGENCY_ORDER,
                models.F("answer_deadline"),
                models.F("id"),
                name="referral_worklist_order",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
            # The worklist's count of open referrals per entry point, from the index alone (issue 15: 5,000
            # open referrals were read from the table on every page, 4 to 9 ms of the database's time).
            models.Index(
                fields=["entry_point"],
                name="referral_open_by_entry_point",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def awaits_complement(self) -> bool:
        """Whether the referrer may answer a complement now (jalon/referrals/status.py)."""
        from jalon.referrals.status import awaits_complement

        return awaits_complement(self)

    @property
    def contact_phone(self) -> str:
        """The patient's phone: the one the submitter gave with this referral, else the patient's record."""
        return self.submitted_identity.get("phone") or self.patient.phone

    @property
    def contact_commune_code(self) -> str | None:
        """The patient's commune: the one given with this referral, else the patient's record."""
        return self.submitted_identity.get("commune_code") or self.patient.commune_id


class ExamKind(models.TextChoices):
    CT = "ct", _("Scanner (TDM)")
    MRI = "mri", _("IRM")
    PET_CT = "pet_ct", _("TEP-TDM")
    ULTRASOUND = "ultrasound", _("Échographie")
    XRAY = "xray", _("Radiographie")
    MAMMOGRAPHY = "mammography", _("Mammographie")
    ENDOSCOPY = "endoscopy", _("Endoscopie (coloscopie, gastroscopie, écho-endoscopie)")
    BIOPSY = "biopsy", _("Biopsie, anatomopathologie")
    BLOOD_TEST = "blood_test", _("Biologie")
    OTHER = "other", _("Autre")


class ExamDone(models.Model):
    """An exam the patient already had before the referral."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="exams")
    kind = models.CharField(_("type d'examen"), max_length=16, choices=ExamKind.choices)
    done_on = models.DateField(_("date"), null=True, blank=True)
    place = models.CharField(_("lieu"), max_length=200, blank=True)
    summary = models.TextField(_("résultat résumé"), blank=True)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["done_on", "id"]
        verbose_name = _("examen déjà réalisé")


def document_upload_path(instance: ReferralDocument, filename: str) -> str:
    """Stored under a random name: the original name (which may identify the patient) stays in the row."""
    return stored_name("referrals", content_type=instance.content_type)


class ReferralDocument(StoredDocument):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="documents")
    exam = models.ForeignKey(ExamDone, on_delete=models.SET_NULL, null=True, blank=True, related_name="documents")
    file = models.FileField(upload_to=document_upload_path)

    class Meta(StoredDocument.Meta):
        verbose_name = _("document")


class CompletenessRuleSet(models.Model):
    """A versioned set of what a referral must contain, per suspected site. The newest published one applies."""

    version = models.PositiveIntegerField(unique=True)
    published_at = models.DateTimeField(null=True, blank=True)
    source = models.TextField(_("source"), blank=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("règles de complétude")

    def __str__(self) -> str:
        return f"v{self.version}"


class CompletenessRequirement(models.Model):
    """One item a referral must (or, `required` false, should) contain, for one suspected site or (site blank) for all.

    `item` names a check from jalon/referrals/completeness.py (e.g. `first_symptoms_date`,
    `exam:ct`); which items apply to which site is data.
    """

    rule_set = models.ForeignKey(CompletenessRuleSet, on_delete=models.CASCADE, related_name="requirements")
    suspected_site = models.CharField(max_length=32, choices=CancerSite.choices, blank=True)
    item = models.CharField(max_length=40)
    # False: asked of the referrer (« souhaité ») but its absence leaves the referral complete.
    required = models.BooleanField(_("obligatoire"), default=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "suspected_site", "item"], name="completeness_unique_item")
        ]


class ReferralMessage(models.Model):
    """A note exchanged about a referral (complement request, referrer's answer)."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
