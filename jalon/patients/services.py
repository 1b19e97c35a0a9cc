"""Finding a known patient, registering a new one, and keeping the care team."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from jalon.accounts.audit import audit
from jalon.accounts.models import AuditAction
from jalon.core.actor import Actor
from jalon.core.identifiers import normalize_ins
from jalon.patients.models import CareTeamMember, IdentityStatus, Patient


@dataclass(frozen=True)
class PatientIdentity:
    birth_name: str
    first_names: str
    sex: str
    birth_date: date
    ins: str = ""
    used_name: str = ""
    birth_place_code: str = ""
    identity_status: str = IdentityStatus.PROVISIONAL
    commune_code: str | None = None
    phone: str = ""
    gp_id: int | None = None


def patient_match(*, ins: str, birth_name: str, first_names: str, birth_date: date) -> Patient | None:
    """The known patient with the same INS, or else the same normalised birth name, first name and birth date
    (unless both identities carry an INS and they differ)."""
    ins = normalize_ins(ins) if ins else ""
    if ins:
        by_ins = Patient.objects.filter(ins=ins).first()
        if by_ins is not None:
            return by_ins
    same_traits = Patient.objects.filter(identity_key=Patient.make_identity_key(birth_name, first_names, birth_date))
    if ins:
        # A known patient with another INS is another person (homonyms born the same day), never a match.
        same_traits = same_traits.filter(ins__isnull=True)
    return same_traits.order_by("pk").first()


def patient_register(*, actor: Actor, identity: PatientIdentity) -> tuple[Patient, bool]:
    """Return the matching known patient (filling only their blank fields) or a new one; True when created.

    A known patient's identity traits are never overwritten by a referral: identity vigilance
    changes them only through a deliberate correction.
    """
    existing = patient_match(
        ins=identity.ins, birth_name=identity.birth_name, first_names=identity.first_names, birth_date=identity.birth_date
    )
    if existing is not None:
        changed = []
        for field_name, value in (
            ("ins", normalize_ins(identity.ins) if identity.ins else ""),
            ("phone", identity.phone),
            ("commune_id", identity.commune_code),
            ("gp_id", identity.gp_id),
            ("used_name", identity.used_name),
            ("birth_place_code", identity.birth_place_code),
        ):
            if value and not getattr(existing, field_name):
                if field_name == "ins" and Patient.objects.filter(ins=value).exists():
                    continue
                setattr(existing, field_name, value)
                changed.append(field_name)
        if changed:
            existing.save(update_fields=changed)
            audit(actor, action=AuditAction.UPDATE, patient_id=existing.pk, object_type="patient", object_id=existing.pk)
        return existing, False
    patient = Patient(
        ins=normalize_ins(identity.ins) or None,
        birth_name=identity.birth_name.strip(),
        used_name=identity.used_name.strip(),
        first_names=" ".join(identity.first_names.split()),
        sex=identity.sex,
        birth_date=identity.birth_date,
        birth_place_code=identity.birth_place_code,
        identity_status=identity.identity_status if identity.ins else IdentityStatus.PROVISIONAL,
        commune_id=identity.commune_code,
        phone=identity.phone,
        gp_id=identity.gp_id,
    )
    patient.refresh_identity_key()
    patient.full_clean(exclude=["commune", "gp"])
    patient.save()
    audit(actor, action=AuditAction.CREATE, patient_id=patient.pk, object_type="patient", object_id=patient.pk)
    return patient, True


def care_team_add(
    *,
    patient_id: int,
    role: str,
    reason: str,
    professional_id: int | None = None,
    organization_id: int | None = None,
    granted_by=None,
) -> CareTeamMember:
    """Add a member unless the same one is already active in that role (idempotent). The low-level write of
    the services that add members as care happens; a person granting access goes through `care_team_grant`."""
    existing = CareTeamMember.objects.active().filter(
        patient_id=patient_id, role=role, professional_id=professional_id, organization_id=organization_id
    )
    member = existing.first()
    if member is not None:
        return member
    return CareTeamMember.objects.create(
        patient_id=patient_id,
        role=role,
        professional_id=professional_id,
        organization_id=organization_id,
        reason=reason[:200],
        since=timezone.now(),
        granted_by=granted_by,
    )


def patient_record_sharing_opposition(*, actor: Actor, patient: Patient, opposes: bool) -> Patient:
    patient.sharing_opposition = opposes
    patient.sharing_opposition_recorded_at = timezone.now()
    patient.save(update_fields=["sharing_opposition", "sharing_opposition_recorded_at"])
    audit(actor, action=AuditAction.UPDATE, patient_id=patient.pk, object_type="patient.sharing_opposition", object_id=patient.pk)
    return patient
