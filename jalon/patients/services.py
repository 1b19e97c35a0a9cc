"""Finding a known patient, registering a new one, identity conflicts, and keeping the care team."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jalon.accounts.audit import audit
from jalon.accounts.freshness import data_changed
from jalon.accounts.models import AuditAction
from jalon.core.actor import Actor
from jalon.core.identifiers import normalize_ins
from jalon.events.services import event_record
from jalon.patients.errors import PatientError, PatientErrorCode
from jalon.patients.identity import differing_traits, submission_status_error
from jalon.patients.models import (
    CareTeamMember,
    CareTeamRole,
    ConflictResolution,
    ConflictStatus,
    IdentityConflict,
    IdentityStatus,
    Patient,
)


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
    # Set only by Jalon's own code for a patient it already attached (a tele-expertise request becoming a
    # referral); never from what a person or software sends.
    known_patient_id: int | None = None

    def as_submitted(self) -> dict:
        """What the submitter sent, as JSON (kept on the referral or the identity conflict)."""
        return {
            "ins": normalize_ins(self.ins) if self.ins else "",
            "birth_name": self.birth_name.strip(),
            "used_name": self.used_name.strip(),
            "first_names": " ".join(self.first_names.split()),
            "sex": self.sex,
            "birth_date": self.birth_date.isoformat(),
            "birth_place_code": (self.birth_place_code or "").upper(),
            "identity_status": self.identity_status,
            "commune_code": self.commune_code or "",
            "phone": self.phone,
        }


class PatientRegistration(NamedTuple):
    patient: Patient
    created: bool
    # Set when the INS named a known patient with other traits: `patient` is then a new provisional one.
    conflict: IdentityConflict | None = None


def _live_patients():
    return Patient.objects.filter(merged_into__isnull=True)


def patient_match(*, ins: str, birth_name: str, first_names: str, birth_date: date) -> Patient | None:
    """The known patient with the same INS, or else the same normalised birth name, first name and birth date
    (unless both identities carry an INS and they differ). Retired duplicates never match."""
    ins = normalize_ins(ins) if ins else ""
    if ins:
        by_ins = _live_patients().filter(ins=ins).first()
        if by_ins is not None:
            return by_ins
    same_traits = _live_patients().filter(identity_key=Patient.make_identity_key(birth_name, first_names, birth_date))
    if ins:
        # A known patient with another INS is another person (homonyms born the same day), never a match.
        same_traits = same_traits.filter(ins__isnull=True)
    return same_traits.order_by("pk").first()


def _create_patient(*, actor: Actor, identity: PatientIdentity, ins: str | None, identity_status: str) -> Patient:
    patient = Patient(
        ins=ins or None,
        birth_name=identity.birth_name.strip(),
        used_name=identity.used_name.strip(),
        first_names=" ".join(identity.first_names.split()),
        sex=identity.sex,
        birth_date=identity.birth_date,
        birth_place_code=(identity.birth_place_code or "").upper(),
        identity_status=identity_status,
        commune_id=identity.commune_code,
        phone=identity.phone,
        # The GP named with a submission is a proposal on the referral; the patient's GP is set when the
        # coordination confirms it (referral_confirm_gp).
    )
    patient.refresh_identity_key()
    patient.full_clean(exclude=["commune", "gp", "merged_into"])
    patient.save()
    audit(actor, action=AuditAction.CREATE, patient_id=patient.pk, object_type="patient", object_id=patient.pk)
    return patient


def patient_register(
    *, actor: Actor, identity: PatientIdentity, entry_point_id: int | None = None
) -> PatientRegistration:
    """The matching known patient, untouched, or a new one. A known patient's traits, identifiers and
    contact are never filled or changed by a submitter: what they sent stays with their submission.

    An INS that names a known patient whose traits differ is never attached silently: the submission gets a
    new provisional patient without the INS, and an open identity conflict for the coordination of
    `entry_point_id` (required then) to resolve.
    """
    if identity.known_patient_id is not None:
        return PatientRegistration(Patient.objects.get(pk=identity.known_patient_id), created=False)
    ins = normalize_ins(identity.ins) if identity.ins else ""
    status_error = submission_status_error(identity.identity_status, ins)
    if status_error:
        raise ValidationError(status_error, code="identity_status")
    existing = patient_match(
        ins=ins, birth_name=identity.birth_name, first_names=identity.first_names, birth_date=identity.birth_date
    )
    if existing is None:
        return PatientRegistration(
            _create_patient(actor=actor, identity=identity, ins=ins, identity_status=identity.identity_status),
            created=True,
        )
    differing = (
        differing_traits(
            existing,
            birth_name=identity.birth_name,
            first_names=identity.first_names,
            sex=identity.sex,
            birth_date=identity.birth_date,
            birth_place_code=identity.birth_place_code,
        )
        if ins and existing.ins == ins
        else []
    )
    if not differing:
        return PatientRegistration(existing, created=False)
    if entry_point_id is None:
        raise ValueError("an identity conflict needs the entry point whose coordination resolves it")
    provisional = _create_patient(actor=actor, identity=identity, ins=None, identity_status=IdentityStatus.PROVISIONAL)
    conflict = IdentityConflict.objects.create(
        existing_patient=existing,
        provisional_patient=provisional,
        entry_point_id=entry_point_id,
        submitted_traits=identity.as_submitted(),
        differing_traits=differing,
        raised_by=actor.user if getattr(actor.user, "is_authenticated", False) else None,
    )
    audit(
        actor, action=AuditAction.CREATE, patient_id=existing.pk, object_type="identity_conflict", object_id=conflict.pk
    )
    return PatientRegistration(provisional, created=True, conflict=conflict)


def identity_conflict_record(
    *, actor: Actor, conflict: IdentityConflict, referral_id: int | None = None
) -> IdentityConflict:
    """Tie a conflict just raised to the referral the submission made (if any) and record its event on the
    provisional patient (the known patient's timeline shows nothing of a stranger's submission)."""
    if referral_id is not None:
        conflict.referral_id = referral_id
        conflict.save(update_fields=["referral"])
    event_record(
        actor=actor,
        kind="patient.identity_conflict_raised",
        patient_id=conflict.provisional_patient_id,
        referral_id=referral_id,
        payload={"conflict": conflict.pk, "differing_traits": conflict.differing_traits},
    )
    return conflict


def identity_conflicts_follow_referral(*, patient_id: int, referral_id: int) -> None:
    """A tele-expertise request under an open conflict became a referral: the conflict now names that referral."""
    IdentityConflict.objects.filter(
        provisional_patient_id=patient_id, referral__isnull=True, status=ConflictStatus.OPEN
    ).update(referral_id=referral_id)
    data_changed()  # no signal for update(): the polled pages must see it


def _submitted_value(conflict: IdentityConflict, trait: str):
    value = conflict.submitted_traits.get(trait, "")
    return date.fromisoformat(value) if trait == "birth_date" else value


def _correct_traits(*, actor: Actor, conflict: IdentityConflict, patient: Patient, keep_submitted: list[str]) -> dict:
    """Give `patient` the submitted value of each trait in `keep_submitted`; return {trait: {old, new}}."""
    changes = {}
    for trait in keep_submitted:
        old, new = getattr(patient, trait), _submitted_value(conflict, trait)
        if old != new:
            setattr(patient, trait, new)
            changes[trait] = {"old": str(old), "new": str(new)}
    if not changes:
        return changes
    if patient.identity_status in (IdentityStatus.RECOVERED, IdentityStatus.QUALIFIED):
        # Traits retrieved through INSi were changed by hand: the INS must be checked again before it travels.
        changes["identity_status"] = {"old": patient.identity_status, "new": IdentityStatus.PROVISIONAL}
        patient.identity_status = IdentityStatus.PROVISIONAL
    patient.refresh_identity_key()
    try:
        patient.full_clean(exclude=["commune", "gp", "merged_into", "ins"])
    except ValidationError as error:
        raise PatientError(PatientErrorCode.INVALID_INPUT, " ".join(error.messages)) from error
    patient.save(update_fields=[*list(changes), "identity_key"])
    audit(actor, action=AuditAction.UPDATE, patient_id=patient.pk, object_type="patient.identity", object_id=patient.pk)
    event_record(
        actor=actor,
        kind="patient.identity_corrected",
        patient_id=patient.pk,
        referral_id=conflict.referral_id,
        payload={"conflict": conflict.pk, "changes": changes},
    )
    return changes


# What the apps above patients hold of a patient (referrals, pathways, tele-expertise requests) moves with
# them when two identities are found to be one person. Each such app registers, in its AppConfig.ready(), a
# function (keyword-only: actor, provisional, existing) that moves its rows from the provisional duplicate
# to the known patient, in the resolution's transaction, and returns what the resolution's event should
# say of it ({} for nothing). They run in the order of INSTALLED_APPS.
PatientMerger = Callable[..., dict]
PATIENT_MERGERS: dict[str, PatientMerger] = {}


def register_patient_merger(app_label: str, merger: PatientMerger) -> None:
    """Declare what `app_label` moves when a provisional patient is merged into a known one (once per app)."""
    PATIENT_MERGERS[app_label] = merger


def _merge_into_existing(*, actor: Actor, conflict: IdentityConflict, keep_submitted: list[str]) -> dict:
    """Same person: correct the known patient's traits as chosen, move what the provisional duplicate
    holds to them (`PATIENT_MERGERS`), retire the duplicate."""
    existing = Patient.objects.select_for_update().get(pk=conflict.existing_patient_id)
    provisional = Patient.objects.select_for_update().get(pk=conflict.provisional_patient_id)
    changes = _correct_traits(actor=actor, conflict=conflict, patient=existing, keep_submitted=keep_submitted)
    outcome = {}
    for merger in PATIENT_MERGERS.values():
        outcome.update(merger(actor=actor, provisional=provisional, existing=existing))
    now = timezone.now()
    CareTeamMember.objects.active().filter(patient=provisional).update(until=now)
    data_changed()  # no signal for update(): the polled pages must see it
    # The coordination that resolved it works the moved referral: it joins the known patient's team, as a
    # submission matched at once would have made it. Nobody else does: access follows the referral.
    care_team_add(
        patient_id=existing.pk,
        role=CareTeamRole.COORDINATOR,
        organization_id=conflict.entry_point.organization_id,
        reason=conflict.referral.reference
        if conflict.referral_id
        else _("Conflit d'identité %(id)s") % {"id": conflict.pk},
    )
    provisional.merged_into, provisional.retired_at = existing, now
    provisional.save(update_fields=["merged_into", "retired_at"])
    audit(
        actor, action=AuditAction.UPDATE, patient_id=provisional.pk, object_type="patient.merged", object_id=existing.pk
    )
    return {**outcome, "changes": changes}


@transaction.atomic
def identity_conflict_resolve(
    *, actor: Actor, conflict: IdentityConflict, resolution: str, reason: str, keep_submitted: list[str] | tuple = ()
) -> IdentityConflict:
    """The coordination of the entry point decides. Same person: the submission's referral moves to the known
    patient, whose traits listed in `keep_submitted` take the submitted values (with their old and new values
    in the event), and the provisional duplicate is retired. Different people: the INS was mistyped, the
    submission keeps its own patient, without INS, provisional."""
    from jalon.patients.access import may_resolve_identity_conflict

    conflict = (
        IdentityConflict.objects.select_for_update(of=("self",))
        .select_related("entry_point", "referral")
        .get(pk=conflict.pk)
    )
    if not may_resolve_identity_conflict(actor.user, conflict):
        raise PatientError(
            PatientErrorCode.NOT_ALLOWED, _("Seule la coordination du guichet concerné résout ce conflit d'identité.")
        )
    if not conflict.is_open:
        raise PatientError(PatientErrorCode.ALREADY_RESOLVED, _("Ce conflit d'identité a déjà été résolu."))
    if resolution not in ConflictResolution.values:
        raise PatientError(
            PatientErrorCode.INVALID_INPUT,
            _("Choisissez : même personne, ou personnes différentes."),
            field="resolution",
        )
    if not reason.strip():
        raise PatientError(
            PatientErrorCode.REASON_REQUIRED,
            _("Indiquez le motif de votre décision (pièce vue, appel à l'adresseur...)."),
            field="reason",
        )
    keep_submitted = list(dict.fromkeys(keep_submitted))
    if any(trait not in conflict.differing_traits for trait in keep_submitted):
        raise PatientError(
            PatientErrorCode.INVALID_INPUT,
            _("Seuls les traits qui diffèrent peuvent être corrigés."),
            field="keep_submitted",
        )
    if resolution == ConflictResolution.DIFFERENT_PEOPLE and keep_submitted:
        raise PatientError(
            PatientErrorCode.INVALID_INPUT,
            _("Des personnes différentes : le patient connu garde ses traits, ne cochez aucune correction."),
            field="keep_submitted",
        )
    if resolution == ConflictResolution.SAME_PERSON:
        outcome = _merge_into_existing(actor=actor, conflict=conflict, keep_submitted=keep_submitted)
        patient_id = conflict.existing_patient_id
    else:
        provisional = Patient.objects.select_for_update().get(pk=conflict.provisional_patient_id)
        if provisional.ins or provisional.identity_status != IdentityStatus.PROVISIONAL:
            provisional.ins, provisional.identity_status = None, IdentityStatus.PROVISIONAL
            provisional.save(update_fields=["ins", "identity_status"])
        outcome = {}
        patient_id = conflict.provisional_patient_id
    conflict.status, conflict.resolution, conflict.reason = ConflictStatus.RESOLVED, resolution, reason.strip()
    conflict.resolved_by, conflict.resolved_at = actor.user, timezone.now()
    conflict.save(update_fields=["status", "resolution", "reason", "resolved_by", "resolved_at"])
    event_record(
        actor=actor,
        kind="patient.identity_conflict_resolved",
        patient_id=patient_id,
        referral_id=conflict.referral_id,
        payload={"conflict": conflict.pk, "resolution": resolution, "reason": conflict.reason, **outcome},
    )
    audit(
        actor, action=AuditAction.UPDATE, patient_id=patient_id, object_type="identity_conflict", object_id=conflict.pk
    )
    return conflict


@transaction.atomic
def patient_identity_status_set(*, actor: Actor, patient_id: int, status: str, reason: str) -> Patient:
    """The coordination records the identity status it checked (RNIV): « récupérée » and « qualifiée » need an
    INS (retrieved or checked through INSi; qualified also means an identity document was seen). Only a
    coordinator who reaches the patient may do it; old and new status go in the event."""
    from jalon.patients.access import may_set_identity_status

    patient = Patient.objects.select_for_update().get(pk=patient_id)
    if not may_set_identity_status(actor.user, patient):
        raise PatientError(
            PatientErrorCode.NOT_ALLOWED, _("Seule la coordination qui suit ce patient vérifie son identité.")
        )
    if status not in IdentityStatus.values:
        raise PatientError(PatientErrorCode.INVALID_INPUT, _("Statut de l'identité inconnu."), field="status")
    if status in (IdentityStatus.RECOVERED, IdentityStatus.QUALIFIED) and not patient.ins:
        raise PatientError(
            PatientErrorCode.INVALID_INPUT,
            _("Une identité récupérée ou qualifiée a une INS obtenue par le téléservice INSi."),
            field="status",
        )
    if not reason.strip():
        raise PatientError(
            PatientErrorCode.REASON_REQUIRED, _("Indiquez comment l'identité a été vérifiée."), field="reason"
        )
    if patient.identity_status == status:
        return patient
    old, patient.identity_status = patient.identity_status, status
    patient.save(update_fields=["identity_status"])
    audit(
        actor,
        action=AuditAction.UPDATE,
        patient_id=patient.pk,
        object_type="patient.identity_status",
        object_id=patient.pk,
    )
    event_record(
        actor=actor,
        kind="patient.identity_status_changed",
        patient_id=patient.pk,
        payload={"old": old, "new": status, "reason": reason.strip()},
    )
    return patient


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
    audit(
        actor,
        action=AuditAction.UPDATE,
        patient_id=patient.pk,
        object_type="patient.sharing_opposition",
        object_id=patient.pk,
    )
    return patient
