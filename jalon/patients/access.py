"""Who reaches a patient: the care team (DESIGN.md §2, issue 12), and identity vigilance.

* Access to a patient's whole file goes through an active care-team membership that gives the whole file:
  the coordination of an entry point the patient came through, and any member granted by someone who
  already had it (`granted_by`, see `care_team_grant`). The referrer's own care-team row only records who
  referred (the referral itself is reached through `referrals.access`). A GP named on a referral is a
  proposal until the coordination confirms them.
* A patient's opposition to sharing narrows the care team to those acting directly on their care
  (referrer, coordination, specialists): the GP, the home nurse and the support provider lose access.
* A patient out of reach answers 404, never a hint that it exists.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from jalon.accounts.access import C, has_capability
from jalon.core.lookups import by_unique_key
from jalon.patients.models import CareTeamMember, CareTeamRole, IdentityConflict, Patient

# Care-team roles that keep access when the patient opposes sharing.
DIRECT_CARE_ROLES = (CareTeamRole.REFERRER, CareTeamRole.COORDINATOR, CareTeamRole.SPECIALIST)


# A membership that opens the patient's whole file: the coordination of an entry point the patient came
# through (its organisation's row, written by `referral_submit`), and any member granted by someone who
# already had it (`granted_by`: the coordination granting, confirming a GP or booking a specialist).
# Rows nobody granted only record a role: the referrer of a referral (who reaches that referral) and the
# specialist who answered a tele-expertise (who reaches that request) do not open the rest of the file.
FILE_WIDE = Q(role=CareTeamRole.COORDINATOR, organization__isnull=False) | Q(granted_by__isnull=False)


def _care_team_of(user) -> QuerySet[CareTeamMember]:
    """The active memberships that open a patient's file to `user` (by name, or through their organisation
    for the coordination)."""
    if not has_capability(user, C.READ_AS_CARE_TEAM):
        return CareTeamMember.objects.none()
    reach = Q(professional_id=user.professional_id)
    if has_capability(user, C.READ_ENTRY_POINT):
        reach |= Q(organization_id__in=user.organization_ids(), role=CareTeamRole.COORDINATOR)
    return CareTeamMember.objects.active().filter(reach).filter(FILE_WIDE)


def patient_reachable(user, patient_ref: str = "pk") -> Exists:
    """Whether the patient `patient_ref` names is reached through the care team (for `referrals_visible_to`
    too): a membership opening the file, and for a patient opposing sharing one of direct care."""
    members = _care_team_of(user).filter(patient_id=OuterRef(patient_ref))
    return Exists(members.filter(Q(role__in=DIRECT_CARE_ROLES) | Q(patient__sharing_opposition=False)))


def patients_visible_to(user) -> QuerySet[Patient]:
    """The patients whose whole file the user reaches through the care team (the patient page)."""
    if not has_capability(user, C.READ_AS_CARE_TEAM):
        return Patient.objects.none()
    return Patient.objects.filter(patient_reachable(user))


def patient_for_user(user, pk) -> Patient:
    """The patient if the user reaches their whole file; 404 otherwise (a bad id too)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    patient = by_unique_key(patients_visible_to(user).filter(pk=pk)) if 0 < pk < 2**63 else None
    if patient is None:
        raise Http404
    return patient


def reaches_patient_file(user, patient_id: int) -> bool:
    """Whether the user reaches the patient's whole file (and so the record's INS, contact, commune, GP)."""
    return patients_visible_to(user).filter(pk=patient_id).exists()


# --- The care team: who grants, and the confirmed GP -------------------------------------------------


def may_manage_care_team(user, patient: Patient) -> bool:
    """Grant or end memberships of a patient's care team, confirm a proposed GP: the coordination of an entry
    point the patient came through (their organisation is an active coordinator member)."""
    if not has_capability(user, C.MANAGE_CARE_TEAM):
        return False
    return (
        CareTeamMember.objects.active()
        .filter(patient_id=patient.pk, role=CareTeamRole.COORDINATOR, organization_id__in=user.organization_ids())
        .exists()
    )


def confirmed_gp_ids(patient_id: int) -> list[int]:
    """The professionals confirmed as the patient's GP (an active GP membership), none while the patient
    opposes sharing. Messages "to the GP" go to these only, never to a GP merely named on a referral."""
    return list(
        CareTeamMember.objects.active()
        .filter(
            patient_id=patient_id, role=CareTeamRole.GP, professional__isnull=False, patient__sharing_opposition=False
        )
        .values_list("professional_id", flat=True)
    )


# --- Identity vigilance ---------------------------------------------------------------------------


def identity_conflicts_visible_to(user) -> QuerySet:
    """Identity conflicts: only the coordinators of the organisation owning the entry point the submission
    came to (they see both identities to decide); nobody else, whatever their care-team links."""
    if not has_capability(user, C.RESOLVE_IDENTITY_CONFLICTS):
        return IdentityConflict.objects.none()
    return IdentityConflict.objects.filter(entry_point__organization_id__in=user.organization_ids())


def identity_conflict_for_user(user, pk: int, queryset: QuerySet | None = None):
    """The conflict if the user is one of its entry point's coordinators; 404 otherwise (it holds two identities)."""
    from jalon.core.forms import beyond_any_row_id

    if beyond_any_row_id(pk):
        raise Http404
    base = identity_conflicts_visible_to(user)
    conflicts = base if queryset is None else queryset.filter(pk__in=base.values("pk"))
    conflict = by_unique_key(conflicts.filter(pk=pk))
    if conflict is None:
        raise Http404
    return conflict


def may_resolve_identity_conflict(user, conflict) -> bool:
    """Resolve a conflict: the coordinators of its entry point's organisation (the service checks it too)."""
    return identity_conflicts_visible_to(user).filter(pk=conflict.pk).exists()


def may_set_identity_status(user, patient) -> bool:
    """Record the identity status checked (RNIV): a coordinator whose organisation is in the patient's team."""
    return (
        has_capability(user, C.RESOLVE_IDENTITY_CONFLICTS) and patients_visible_to(user).filter(pk=patient.pk).exists()
    )
