"""The territory and its actors: communes, organisations, their services, professionals."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jalon.core.identifiers import validate_finess, validate_rpps


class Commune(models.Model):
    """A current French commune from the official geographic code (see data/README.md)."""

    code = models.CharField(_("code INSEE"), max_length=5, primary_key=True)
    name = models.CharField(_("nom"), max_length=120, db_index=True)
    department = models.CharField(_("département"), max_length=3, db_index=True)
    postal_codes = models.CharField(
        _("codes postaux"), max_length=200, blank=True, help_text=_("Séparés par des espaces.")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("commune")

    def __str__(self) -> str:
        first_postal_code = self.postal_codes.split(" ", 1)[0]
        return f"{self.name} ({first_postal_code or self.department})"


class OrganizationKind(models.TextChoices):
    CPTS = "cpts", _("CPTS")
    HOSPITAL = "hospital", _("Hôpital")
    CLINIC = "clinic", _("Clinique")
    IMAGING_CENTRE = "imaging_centre", _("Centre d'imagerie")
    LABORATORY = "laboratory", _("Laboratoire")
    DAC = "dac", _("DAC")
    HEALTH_INSURANCE = "health_insurance", _("Caisse d'assurance maladie")
    PRACTICE = "practice", _("Cabinet libéral")
    HEALTH_CENTRE = "health_centre", _("Maison ou centre de santé")
    ASSOCIATION = "association", _("Association")
    OTHER = "other", _("Autre")


class Organization(models.Model):
    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=32, choices=OrganizationKind.choices)
    finess = models.CharField(
        _("FINESS"), max_length=9, blank=True, null=True, unique=True, validators=[validate_finess]
    )
    commune = models.ForeignKey(Commune, verbose_name=_("commune"), on_delete=models.PROTECT, null=True, blank=True)
    address = models.CharField(_("adresse"), max_length=250, blank=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")

    def __str__(self) -> str:
        return self.name

    @property
    def department(self) -> str | None:
        return self.commune.department if self.commune_id else None


class Territory(models.Model):
    """The communes a CPTS (or any organisation) covers."""

    organization = models.OneToOneField(
        Organization, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="territory"
    )
    name = models.CharField(_("nom"), max_length=200)
    communes = models.ManyToManyField(Commune, verbose_name=_("communes"), related_name="territories")

    class Meta:
        verbose_name = _("territoire")

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    """A department of an organisation, e.g. « Pneumologie »."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="services")
    name = models.CharField(_("nom"), max_length=200)
    specialty = models.CharField(_("spécialité"), max_length=100, blank=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)

    class Meta:
        ordering = ["organization__name", "name"]
        verbose_name = _("service")
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="service_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} – {self.organization.name}"


class Profession(models.TextChoices):
    PHYSICIAN = "physician", _("Médecin")
    NURSE = "nurse", _("Infirmier·e")
    PHARMACIST = "pharmacist", _("Pharmacien·ne")
    PHYSIOTHERAPIST = "physiotherapist", _("Masseur-kinésithérapeute")
    PSYCHOLOGIST = "psychologist", _("Psychologue")
    DIETITIAN = "dietitian", _("Diététicien·ne")
    SOCIAL_WORKER = "social_worker", _("Assistant·e social·e")
    SECRETARY = "secretary", _("Secrétaire médical·e")
    OTHER = "other", _("Autre")


class Professional(models.Model):
    rpps = models.CharField(_("RPPS"), max_length=11, blank=True, null=True, unique=True, validators=[validate_rpps])
    last_name = models.CharField(_("nom"), max_length=100)
    first_name = models.CharField(_("prénom"), max_length=100)
    profession = models.CharField(_("profession"), max_length=32, choices=Profession.choices)
    specialty = models.CharField(_("spécialité"), max_length=100, blank=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True, help_text=_("Format E.164."))
    email = models.EmailField(_("e-mail"), blank=True)
    mssante_address = models.EmailField(_("adresse MSSanté"), blank=True)
    commune = models.ForeignKey(
        Commune, verbose_name=_("commune d'exercice"), on_delete=models.PROTECT, null=True, blank=True
    )
    organizations = models.ManyToManyField(
        Organization, through="Membership", related_name="professionals", verbose_name=_("organisations")
    )

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("professionnel")
        indexes = [models.Index(fields=["last_name", "first_name"])]

    def __str__(self) -> str:
        title = "Dr " if self.profession == Profession.PHYSICIAN else ""
        detail = f" ({self.specialty})" if self.specialty else ""
        return f"{title}{self.first_name} {self.last_name.upper()}{detail}"

    @property
    def display_name(self) -> str:
        return self.name_for(self.profession, self.first_name, self.last_name)

    @staticmethod
    def name_for(profession: str, first_name: str, last_name: str) -> str:
        """The display name from the three fields (lists that read them with `.values()` call this)."""
        title = "Dr " if profession == Profession.PHYSICIAN else ""
        return f"{title}{first_name} {last_name.upper()}"


class Membership(models.Model):
    professional = models.ForeignKey(Professional, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    service = models.ForeignKey(Service, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["professional", "organization"], name="membership_unique")]
