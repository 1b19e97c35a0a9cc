"""Patients with their national health identity (INS) and their care team."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jalon.core.formatting import date_numeric
from jalon.core.identifiers import validate_ins
from jalon.core.text import normalize_name, validate_civil_name


class IdentityStatus(models.TextChoices):
    """French identity vigilance statuses (RNIV)."""

    PROVISIONAL = "prov", _("Provisoire")
    RECOVERED = "recup", _("Récupérée")
    VALIDATED = "vali", _("Validée")
    QUALIFIED = "qual", _("Qualifiée")


class Sex(models.TextChoices):
    FEMALE = "F", _("Féminin")
    MALE = "M", _("Masculin")
    UNKNOWN = "U", _("Indéterminé")


class Patient(models.Model):
    ins = models.CharField(
        _("INS (NIR et clé)"), max_length=15, null=True, blank=True, unique=True, validators=[validate_ins]
    )
    birth_name = models.CharField(_("nom de naissance"), max_length=100, validators=[validate_civil_name])
    used_name = models.CharField(_("nom utilisé"), max_length=100, blank=True, validators=[validate_civil_name])
    first_names = models.CharField(
        _("prénoms"),
        max_length=200,
        help_text=_("Tous les prénoms de naissance, séparés par des espaces."),
        validators=[validate_civil_name],
    )
    sex = models.CharField(_("sexe"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("date de naissance"))
    birth_place_code = models.CharField(_("lieu de naissance (code INSEE)"), max_length=5, blank=True)
    identity_status = models.CharField(
        _("statut de l'identité"), max_length=5, choices=IdentityStatus.choices, default=IdentityStatus.PROVISIONAL
    )
    commune = models.ForeignKey(
        "directory.Commune", verbose_name=_("commune de résidence"), on_delete=models.PROTECT, null=True, blank=True
    )
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    gp = models.ForeignKey(
        "directory.Professional",
        verbose_name=_("médecin traitant"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="gp_patients",
    )
    sharing_opposition = models.BooleanField(_("opposition au partage"), default=False)
    sharing_opposition_recorded_at = models.DateTimeField(_("opposition enregistrée le"), null=True, blank=True)
    # birth name + first first name + birth date, normalised: the key duplicate detection matches on.
    identity_key = models.CharField(max_length=250, db_index=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    # A provisional duplicate retired when the coordination found it was this other (known) patient.
    merged_into = models.ForeignKey(
        "self", verbose_name=_("fusionné dans"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    retired_at = models.DateTimeField(_("retiré le"), null=True, blank=True)

    class Meta:
        ordering = ["birth_name", "first_names"]
        verbose_name = _("patient")

    def __str__(self) -> str:
        return f"{self.display_name} ({date_numeric(self.birth_date)})"

    # What `display_name` reads: lists that show it load only these (`.only(*(f"patient__{f}" ...))`).
    NAME_FIELDS = ("used_name", "birth_name", "first_names")

    @property
    def display_name(self) -> str:
        return self.name_for(self.used_name, self.birth_name, self.first_names)

    @staticmethod
    def name_for(used_name: str, birth_name: str, first_names: str) -> str:
        """The display name from the three fields (lists that read them with `.values()` call this)."""
        name = used_name or birth_name
        born = f" (née {birth_name.upper()})" if used_name and used_name != birth_name else ""
        return f"{name.upper()}{born} {first_names.split(' ')[0]}"

    @staticmethod
    def make_identity_key(birth_name: str, first_names: str, birth_date) -> str:
        first_first_name = (first_names or "").strip().split(" ")[0]
        return f"{normalize_name(birth_name)}|{normalize_name(first_first_name)}|{birth_date.isoformat()}"

    def refresh_identity_key(self) -> None:
        self.identity_key = self.make_identity_key(self.birth_name, self.first_names, self.birth_date)

    @property
    def ins_may_leave_system(self) -> bool:
        """The INS travels to other systems only when the identity is qualified (RNIV: retrieved or
        checked through the INSi teleservice and validated with an identity document)."""
        return bool(self.ins) and self.identity_status == IdentityStatus.QUALIFIED

    @property
    def shareable_ins(self) -> str:
        """The INS to print or send (letters, messages, calendar files, API, exports); "" unless qualified.

        Every output that leaves Jalon reads the INS through here, never `ins` itself."""
        return self.ins if self.ins_may_leave_system else ""


class CareTeamRole(models.TextChoices):
    REFERRER = "referrer", _("Adresseur")
    GP = "gp", _("Médecin traitant")
    COORDINATOR = "coordinator", _("Coordination")
    SPECIALIST = "specialist", _("Spécialiste")
    HOME_NURSE = "home_nurse", _("Infirmier·e à domicile")
    SUPPORT_PROVIDER = "support_provider", _("Soins de support")


class CareTeamMemberQuerySet(models.QuerySet):
    def active(self, at=None):
        at = at or timezone.now()
        return self.filter(since__lte=at).filter(Q(until__isnull=True) | Q(until__gt=at))


class CareTeamMember(models.Model):
    """One professional, or a whole organisation (its coordination team), in a patient's care team.

    Access to patient data follows this table (see jalon/patients/access.py).
    """

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="care_team")
    professional = models.ForeignKey(
        "directory.Professional", on_delete=models.CASCADE, null=True, blank=True, related_name="care_teams"
    )
    organization = models.ForeignKey(
        "directory.Organization", on_delete=models.CASCADE, null=True, blank=True, related_name="care_teams"
    )
    role = models.CharField(_("rôle"), max_length=32, choices=CareTeamRole.choices)
    since = models.DateTimeField(_("depuis"), default=timezone.now)
    until = models.DateTimeField(_("jusqu'au"), null=True, blank=True)
    reason = models.CharField(_("motif"), max_length=200)
    # Who let this member in (a coordinator of the entry point, or the coordination confirming the GP named
    # on a referral); empty for the rows Jalon writes itself (the coordination of an entry point a referral
    # came through, the referrer of a referral, which reaches only that referral).
    granted_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("accordé par"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    ended_by = models.ForeignKey(
        "accounts.User", verbose_name=_("retiré par"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    end_reason = models.CharField(_("motif du retrait"), max_length=200, blank=True)

    objects = CareTeamMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("membre de l'équipe de soins")
        constraints = [
            models.CheckConstraint(
                condition=Q(professional__isnull=False) | Q(organization__isnull=False),
                name="care_team_member_has_someone",
            ),
            models.UniqueConstraint(
                fields=["patient", "professional", "role"],
                condition=Q(until__isnull=True, professional__isnull=False),
                name="care_team_unique_active_professional",
            ),
            models.UniqueConstraint(
                fields=["patient", "organization", "role"],
                condition=Q(until__isnull=True, organization__isnull=False),
                name="care_team_unique_active_organization",
            ),
        ]
        indexes = [models.Index(fields=["professional", "patient"]), models.Index(fields=["organization", "patient"])]


# --- Identity vigilance: a submission whose INS names a known patient with other traits -----------

# The traits compared when an INS matches (RNIV's « traits stricts » Jalon holds).
COMPARED_TRAITS = ("birth_name", "first_names", "sex", "birth_date", "birth_place_code")
TRAIT_LABELS = {
    "birth_name": _("nom de naissance"),
    "first_names": _("prénoms"),
    "sex": _("sexe"),
    "birth_date": _("date de naissance"),
    "birth_place_code": _("lieu de naissance"),
}


class ConflictStatus(models.TextChoices):
    OPEN = "open", _("À résoudre")
    RESOLVED = "resolved", _("Résolu")


class ConflictResolution(models.TextChoices):
    SAME_PERSON = "same_person", _("Même personne : la demande rejoint le patient connu")
    DIFFERENT_PEOPLE = "different_people", _("Personnes différentes : INS erronée, la demande garde son patient")


class IdentityConflict(models.Model):
    """A submission whose INS is a known patient's but whose traits differ: never attached silently.

    The submission got a provisional patient of its own, without the INS (`provisional_patient`); the
    coordination of the entry point decides whether it is the known patient (`existing_patient`).
    """

    existing_patient = models.ForeignKey(
        Patient, verbose_name=_("patient connu"), on_delete=models.PROTECT, related_name="identity_conflicts"
    )
    provisional_patient = models.ForeignKey(
        Patient, verbose_name=_("patient provisoire"), on_delete=models.PROTECT, related_name="provisional_conflicts"
    )
    entry_point = models.ForeignKey(
        "referrals.EntryPoint", verbose_name=_("guichet"), on_delete=models.PROTECT, related_name="+"
    )
    referral = models.ForeignKey(
        "referrals.Referral",
        verbose_name=_("demande"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="identity_conflicts",
    )
    submitted_traits = models.JSONField(_("traits transmis"), default=dict)
    differing_traits = models.JSONField(_("traits différents"), default=list)
    status = models.CharField(
        _("statut"), max_length=10, choices=ConflictStatus.choices, default=ConflictStatus.OPEN, db_index=True
    )
    resolution = models.CharField(_("décision"), max_length=20, choices=ConflictResolution.choices, blank=True)
    reason = models.TextField(_("motif"), blank=True)
    raised_at = models.DateTimeField(_("signalé le"), default=timezone.now)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(_("résolu le"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["raised_at", "id"]
        verbose_name = _("conflit d'identité")
        indexes = [models.Index(fields=["entry_point", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", resolution="") | Q(status="resolved") & ~Q(resolution=""),
                name="identity_conflict_resolution_when_resolved",
            )
        ]

    def __str__(self) -> str:
        return f"{self.existing_patient_id} / {self.provisional_patient_id}"

    @property
    def is_open(self) -> bool:
        return self.status == ConflictStatus.OPEN
