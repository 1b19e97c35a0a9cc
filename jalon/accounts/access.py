"""Who may see or change what. Every view and API route reaches patient data through here.

The rule (DESIGN.md §2): a user reaches a patient when they are in the patient's active care
team, either named (their professional record) or, for coordinators, through an organisation
they work for. A patient's opposition to sharing narrows the team to those acting directly on
their care (referrer, coordination, specialists): the GP and others named for information lose
access. Managers and admins reach no nominative data here; they read aggregates and the audit.
A patient or referral out of reach answers 404, never a hint that it exists.
"""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from jalon.accounts.models import Role
from jalon.patients.models import CareTeamMember, CareTeamRole, Patient
from jalon.referrals.models import Referral, Status

CLINICAL_ROLES = (Role.REFERRER, Role.COORDINATOR, Role.SPECIALIST, Role.HOME_NURSE, Role.SUPPORT_PROVIDER)
# Care-team roles that keep access when the patient opposes sharing.
DIRECT_CARE_ROLES = (CareTeamRole.REFERRER, CareTeamRole.COORDINATOR, CareTeamRole.SPECIALIST)


def role_required(*roles: str):
    """View decorator: the user must be logged in (handled by the caller's login_required) and hold one of `roles`."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated or request.user.role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _care_team_of(user) -> QuerySet[CareTeamMember]:
    if user.role not in CLINICAL_ROLES or not user.professional_id:
        return CareTeamMember.objects.none()
    reach = Q(professional_id=user.professional_id)
    if user.role == Role.COORDINATOR:
        reach |= Q(organization_id__in=user.organization_ids(), role=CareTeamRole.COORDINATOR)
    return CareTeamMember.objects.active().filter(reach)


def _patient_reachable(user, patient_ref: str = "pk") -> Exists:
    members = _care_team_of(user).filter(patient_id=OuterRef(patient_ref))
    return Exists(members.filter(Q(role__in=DIRECT_CARE_ROLES) | Q(patient__sharing_opposition=False)))


def patients_visible_to(user) -> QuerySet[Patient]:
    if not user.is_authenticated:
        return Patient.objects.none()
    return Patient.objects.filter(_patient_reachable(user))


def referrals_visible_to(user) -> QuerySet[Referral]:
    """Coordinators: their organisations' entry points. Other clinicians: referrals of patients they reach."""
    if not user.is_authenticated or user.role not in CLINICAL_ROLES or not user.professional_id:
        return Referral.objects.none()
    if user.role == Role.COORDINATOR:
        return Referral.objects.filter(entry_point__organization_id__in=user.organization_ids())
    return Referral.objects.filter(Q(referrer_id=user.professional_id) | _patient_reachable(user, "patient_id"))


def patient_for_user(user, pk: int) -> Patient:
    patient = patients_visible_to(user).filter(pk=pk).first()
    if patient is None:
        raise Http404
    return patient


def referral_for_user(user, reference: str, queryset: QuerySet[Referral] | None = None) -> Referral:
    referral = (queryset if queryset is not None else referrals_visible_to(user)).filter(reference=reference).first()
    if referral is None:
        raise Http404
    return referral


def may_work_referral(user, referral: Referral) -> bool:
    """Accept, decline, redirect, request a complement: the coordinators of the referral's entry point."""
    return (
        user.is_authenticated
        and user.role == Role.COORDINATOR
        and referral.entry_point.organization_id in user.organization_ids()
    )


def may_complete_referral(user, referral: Referral) -> bool:
    """Answer a complement request: the professional who made the referral."""
    return (
        user.is_authenticated
        and user.role in CLINICAL_ROLES
        and user.professional_id is not None
        and referral.referrer_id == user.professional_id
        and referral.status == Status.AWAITING_COMPLEMENT
    )


def require(condition: bool) -> None:
    if not condition:
        raise PermissionDenied
