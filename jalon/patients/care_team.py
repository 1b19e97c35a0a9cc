"""Granting and ending care-team memberships: who reaches a patient's whole file, granted by whom and why.

A referral gives its referrer that referral only; the patient's file is opened by a membership granted by
someone who already has it (the coordination of an entry point the patient came through), recorded with
who granted it and why, and shown on the patient's page (issue 12; the rule is in patients/access.py).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jalon.accounts.audit import audit
from jalon.accounts.models import AuditAction
from jalon.core.actor import Actor
from jalon.patients.models import CareTeamMember, CareTeamRole, Patient


class CareTeamError(Exception):
    """A refused change of the care team, with a French message (and the form field at fault)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


# Roles a coordinator may grant on the patient's page (the coordination itself joins through referrals).
GRANTABLE_ROLES = (
    CareTeamRole.GP,
    CareTeamRole.SPECIALIST,
    CareTeamRole.HOME_NURSE,
    CareTeamRole.SUPPORT_PROVIDER,
    CareTeamRole.REFERRER,
)


@transaction.atomic
def care_team_grant(
    *, actor: Actor, patient: Patient, professional, role: str, reason: str, referral_id: int | None = None
) -> CareTeamMember:
    """Let a professional into the patient's care team (the whole file), granted by a coordinator who already
    has it, with the reason; audited and recorded as an event. Idempotent for an active member."""
    from jalon.events.services import event_record
    from jalon.patients.access import may_manage_care_team

    reason = " ".join((reason or "").split())
    if not may_manage_care_team(actor.user, patient):
        raise CareTeamError(
            _("Seule la coordination d'un guichet par lequel le patient est passé peut modifier son équipe de soins.")
        )
    if role not in GRANTABLE_ROLES:
        raise CareTeamError(_("Ce rôle ne s'accorde pas ici."), field="role")
    if professional is None:
        raise CareTeamError(_("Choisissez le professionnel."), field="professional")
    if not reason:
        raise CareTeamError(_("Indiquez pourquoi ce professionnel rejoint l'équipe de soins."), field="reason")
    if len(reason) > 200:
        raise CareTeamError(_("Motif trop long : 200 caractères au plus."), field="reason")
    existing = (
        CareTeamMember.objects.active()
        .filter(patient_id=patient.pk, role=role, professional_id=professional.pk)
        .first()
    )
    if existing is not None and existing.granted_by_id is not None:
        return existing
    if existing is not None:
        # A row Jalon wrote (the referrer's record of having referred) becomes a granted membership.
        _end(existing, actor=actor, reason=_("Remplacé par un accès accordé par la coordination"))
    member = CareTeamMember.objects.create(
        patient_id=patient.pk,
        role=role,
        professional_id=professional.pk,
        reason=reason,
        since=timezone.now(),
        granted_by=actor.user,
    )
    event_record(
        actor=actor,
        kind="care_team.granted",
        patient_id=patient.pk,
        referral_id=referral_id,
        payload={"member": member.pk, "role": role, "professional": professional.pk, "reason": reason},
    )
    audit(actor, action=AuditAction.UPDATE, patient_id=patient.pk, object_type="care_team.grant", object_id=member.pk)
    return member


def _end(member: CareTeamMember, *, actor: Actor, reason: str) -> None:
    member.until = timezone.now()
    member.ended_by = actor.user if getattr(actor.user, "is_authenticated", False) else None
    member.end_reason = reason[:200]
    member.save(update_fields=["until", "ended_by", "end_reason"])


@transaction.atomic
def care_team_end(*, actor: Actor, member: CareTeamMember, reason: str) -> CareTeamMember:
    """End a membership (from now), by a coordinator who may manage the patient's care team, with the reason;
    audited and recorded as an event. The coordination's own rows are ended by closing its referrals, not here."""
    from jalon.events.services import event_record
    from jalon.patients.access import may_manage_care_team

    reason = " ".join((reason or "").split())
    member = CareTeamMember.objects.select_for_update().select_related("patient").get(pk=member.pk)
    if not may_manage_care_team(actor.user, member.patient):
        raise CareTeamError(
            _("Seule la coordination d'un guichet par lequel le patient est passé peut modifier son équipe de soins.")
        )
    if member.organization_id is not None or member.role == CareTeamRole.COORDINATOR:
        raise CareTeamError(_("La coordination d'un guichet ne se retire pas de l'équipe de soins ici."))
    if member.until is not None and member.until <= timezone.now():
        raise CareTeamError(_("Ce membre ne fait déjà plus partie de l'équipe de soins."))
    if not reason:
        raise CareTeamError(_("Indiquez pourquoi ce professionnel quitte l'équipe de soins."), field="reason")
    if len(reason) > 200:
        raise CareTeamError(_("Motif trop long : 200 caractères au plus."), field="reason")
    _end(member, actor=actor, reason=reason)
    event_record(
        actor=actor,
        kind="care_team.ended",
        patient_id=member.patient_id,
        payload={"member": member.pk, "role": member.role, "professional": member.professional_id, "reason": reason},
    )
    audit(
        actor, action=AuditAction.UPDATE, patient_id=member.patient_id, object_type="care_team.end", object_id=member.pk
    )
    return member
