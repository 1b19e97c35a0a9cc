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
from django.utils import timezone

from jalon.accounts.models import Role
from jalon.directory.models import Membership, Professional
from jalon.mailin.models import InboundMail
from jalon.patients.models import CareTeamMember, CareTeamRole, Patient
from jalon.portal.models import ThreadSide
from jalon.referrals.models import Referral, Status
from jalon.teleexpertise.models import RequestStatus, TeleExpertiseRequest

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


def role_required_or_404(*roles: str):
    """View decorator: the user must hold one of `roles`; anyone else gets a 404, as if the page did not exist."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated or request.user.role not in roles:
                raise Http404
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


def inbound_mails_visible_to(user) -> QuerySet[InboundMail]:
    """Mails received by secure mail: only the coordinators of the organisation owning the entry point."""
    if not user.is_authenticated or user.role != Role.COORDINATOR or not user.professional_id:
        return InboundMail.objects.none()
    return InboundMail.objects.filter(entry_point__organization_id__in=user.organization_ids())


def inbound_mail_for_user(user, pk: int, queryset: QuerySet[InboundMail] | None = None) -> InboundMail:
    """The mail if the user is one of its entry point's coordinators; 404 otherwise (it holds patient data)."""
    mails = queryset if queryset is not None else inbound_mails_visible_to(user)
    mail = mails.filter(pk=pk).first()
    if mail is None:
        raise Http404
    return mail


def require(condition: bool) -> None:
    if not condition:
        raise PermissionDenied


# --- The GP portal and the city–coordination thread ---------------------------------------------

# Who follows their patients in the GP portal: GPs, and specialists or home nurses who referred.
PORTAL_ROLES = (Role.REFERRER, Role.SPECIALIST, Role.HOME_NURSE)


def portal_referrals_visible_to(user) -> QuerySet[Referral]:
    """The referrals of the user's patients in the portal: those they made, and those of patients whose
    active GP they are (a patient's opposition to sharing removes the GP, not the referrer).

    Each arm is a join (the referrer index; the GP's care-team rows joined to the referrals), merged by a
    UNION of ids, not the per-row EXISTS of `referrals_visible_to` (docs/benchmarks.md: an OR with an
    EXISTS scans every referral)."""
    if not user.is_authenticated or user.role not in PORTAL_ROLES or not user.professional_id:
        return Referral.objects.none()
    now = timezone.now()
    referred = Referral.objects.filter(referrer_id=user.professional_id)
    as_gp = Referral.objects.filter(
        Q(patient__care_team__until__isnull=True) | Q(patient__care_team__until__gt=now),
        patient__care_team__professional_id=user.professional_id,
        patient__care_team__role=CareTeamRole.GP,
        patient__care_team__since__lte=now,
        patient__sharing_opposition=False,
    )
    ids = referred.values("pk").order_by().union(as_gp.values("pk").order_by())
    return Referral.objects.filter(pk__in=ids)


def portal_referral_for_user(user, reference: str, queryset: QuerySet[Referral] | None = None) -> Referral:
    """A referral of the user's patients (portal), by reference; 404 for any other."""
    base = portal_referrals_visible_to(user)
    return referral_for_user(user, reference, base if queryset is None else queryset.filter(pk__in=base.values("pk")))


def thread_side_of(user, referral: Referral) -> str | None:
    """The side `user` writes from in the referral's thread: coordination for the coordinators of its entry
    point's organisation, city for its referrer and the patient's active GP (unless the patient opposes
    sharing); None for anyone else, who may neither read nor write it."""
    if not user.is_authenticated or not user.professional_id:
        return None
    if user.role == Role.COORDINATOR:
        return ThreadSide.COORDINATION if may_work_referral(user, referral) else None
    if user.role not in PORTAL_ROLES:
        return None
    if referral.referrer_id == user.professional_id:
        return ThreadSide.CITY
    is_gp = (
        CareTeamMember.objects.active()
        .filter(patient_id=referral.patient_id, professional_id=user.professional_id, role=CareTeamRole.GP)
        .filter(patient__sharing_opposition=False)
        .exists()
    )
    return ThreadSide.CITY if is_gp else None


def may_use_thread(user, referral: Referral) -> bool:
    """Read and write the referral's thread (referrer, the patient's GP, the entry point's coordinators)."""
    return thread_side_of(user, referral) is not None


def thread_referral_for_user(user, reference: str) -> Referral:
    """The referral whose thread the user may read and write; 404 for any other (nothing leaks)."""
    referral = Referral.objects.select_related("entry_point").filter(reference=reference).first()
    if referral is None or not may_use_thread(user, referral):
        raise Http404
    return referral


# --- Tele-expertise --------------------------------------------------------------------------------

# A request is reached by the professional who asked it and by the specialists of the service asked
# (role specialist, with a membership on that service); nobody else, whatever their other links.
TELEEXPERTISE_ROLES = (Role.REFERRER, Role.SPECIALIST)


def _service_ids_of(user) -> QuerySet:
    return Membership.objects.filter(professional_id=user.professional_id, service__isnull=False).values("service_id")


def teleexpertise_specialists_of(service_id: int) -> QuerySet[Professional]:
    """The professionals who answer the service's tele-expertise: an active login as specialist and a
    membership on the service (they receive its requests and may answer them)."""
    return Professional.objects.filter(
        memberships__service_id=service_id, user__role=Role.SPECIALIST, user__is_active=True
    ).distinct()


def teleexpertise_requests_visible_to(user) -> QuerySet[TeleExpertiseRequest]:
    """The requests the user asked, and for a specialist those sent to their services."""
    if not user.is_authenticated or user.role not in TELEEXPERTISE_ROLES or not user.professional_id:
        return TeleExpertiseRequest.objects.none()
    reach = Q(requester_id=user.professional_id)
    if user.role == Role.SPECIALIST:
        reach |= Q(service_id__in=_service_ids_of(user))
    return TeleExpertiseRequest.objects.filter(reach)


def teleexpertise_request_for_user(user, reference: str, queryset: QuerySet[TeleExpertiseRequest] | None = None) -> TeleExpertiseRequest:
    """The request by reference if the user may reach it; 404 for any other (nothing leaks)."""
    base = teleexpertise_requests_visible_to(user)
    found = (base if queryset is None else queryset.filter(pk__in=base.values("pk"))).filter(reference=reference).first()
    if found is None:
        raise Http404
    return found


def is_teleexpertise_requester(user, request: TeleExpertiseRequest) -> bool:
    return (
        user.is_authenticated
        and user.role in TELEEXPERTISE_ROLES
        and user.professional_id is not None
        and request.requester_id == user.professional_id
    )


def is_teleexpertise_answerer(user, request: TeleExpertiseRequest) -> bool:
    """A specialist of the service the request was sent to."""
    return (
        user.is_authenticated
        and user.role == Role.SPECIALIST
        and user.professional_id is not None
        and _service_ids_of(user).filter(service_id=request.service_id).exists()
    )


def may_answer_teleexpertise(user, request: TeleExpertiseRequest) -> bool:
    """Answer: a specialist of the service, while the request waits for its answer."""
    return request.status == RequestStatus.SUBMITTED and is_teleexpertise_answerer(user, request)


def may_withdraw_teleexpertise(user, request: TeleExpertiseRequest) -> bool:
    """Withdraw: the requester, while the request waits for its answer."""
    return request.status == RequestStatus.SUBMITTED and is_teleexpertise_requester(user, request)


def may_convert_teleexpertise(user, request: TeleExpertiseRequest) -> bool:
    """Turn an answered request into a referral: its requester or a specialist of the service."""
    return request.status == RequestStatus.ANSWERED and (is_teleexpertise_requester(user, request) or is_teleexpertise_answerer(user, request))


# --- Indicators -----------------------------------------------------------------------------------

# Who reads the indicators: INDICATOR_ROLES, with the row rules, at the end of this module.


def identified_pathways(user, pathway_ids) -> dict[int, str]:
    """Among these pathways, those whose referral the user reaches, with its reference (one query).
    The indicators' drill-down names only these; every other row stays a pseudonym (managers and the
    regional analyst: all)."""
    ids = list(pathway_ids)
    if not ids:
        return {}
    return dict(referrals_visible_to(user).filter(pathway__id__in=ids).values_list("pathway__id", "reference"))


# --- Indicator rows (issue 12, item 11) -------------------------------------------------------------
# Aggregates stay region-wide for every indicator role; the rows behind a figure (page and exports) are
# scoped: coordinators and managers see only pathways of their organisations' entry points, the regional
# analyst sees every pathway of the region, pseudonymised (they reach no nominative data anywhere).

INDICATOR_ROLES = (Role.MANAGER, Role.COORDINATOR, Role.REGIONAL_ANALYST)


def may_read_regional_indicator_rows(user) -> bool:
    """Region-wide rows (pseudonymised) are for the role made for it, nobody else."""
    return user.is_authenticated and user.role == Role.REGIONAL_ANALYST


def indicator_row_organization_ids(user) -> list[int] | None:
    """The organisations whose entry points' pathways the user may list or export as rows:
    None for every organisation (regional analyst), else the user's own ([] for other roles)."""
    if may_read_regional_indicator_rows(user):
        return None
    if not user.is_authenticated or user.role not in (Role.MANAGER, Role.COORDINATOR):
        return []
    return user.organization_ids()


def indicator_rows_for_user(user, facts: QuerySet) -> QuerySet:
    """`facts` (indicators.PathwayFacts) narrowed to the pathways whose rows the user may list or export."""
    organization_ids = indicator_row_organization_ids(user)
    return facts if organization_ids is None else facts.filter(site_id__in=organization_ids)


# --- Notification texts (issue 12, item 6) ----------------------------------------------------------
# Region-wide texts: admins only. An organisation's texts (used for messages about its entry points'
# referrals): the managers of that organisation. Nobody else edits a text.


def may_edit_regional_notification_texts(user) -> bool:
    return user.is_authenticated and user.role == Role.ADMIN


def notification_text_organization_ids(user) -> list[int]:
    """The organisations whose texts the user may edit (a manager's own organisations; nobody else's)."""
    if not user.is_authenticated or user.role != Role.MANAGER:
        return []
    return user.organization_ids()


def may_edit_notification_texts(user, organization_id: int | None) -> bool:
    """Edit and publish the texts of `organization_id` (None: the region-wide texts)."""
    if organization_id is None:
        return may_edit_regional_notification_texts(user)
    return organization_id in notification_text_organization_ids(user)
# --- Identity vigilance ---------------------------------------------------------------------------


def identity_conflicts_visible_to(user) -> QuerySet:
    """Identity conflicts: only the coordinators of the organisation owning the entry point the submission
    came to (they see both identities to decide); nobody else, whatever their care-team links."""
    from jalon.patients.models import IdentityConflict

    if not user.is_authenticated or user.role != Role.COORDINATOR or not user.professional_id:
        return IdentityConflict.objects.none()
    return IdentityConflict.objects.filter(entry_point__organization_id__in=user.organization_ids())


def identity_conflict_for_user(user, pk: int, queryset: QuerySet | None = None):
    """The conflict if the user is one of its entry point's coordinators; 404 otherwise (it holds two identities)."""
    from jalon.core.forms import beyond_any_row_id

    if beyond_any_row_id(pk):
        raise Http404
    base = identity_conflicts_visible_to(user)
    conflicts = base if queryset is None else queryset.filter(pk__in=base.values("pk"))
    conflict = conflicts.filter(pk=pk).first()
    if conflict is None:
        raise Http404
    return conflict


def may_resolve_identity_conflict(user, conflict) -> bool:
    """Resolve a conflict: the coordinators of its entry point's organisation (the service checks it too)."""
    return identity_conflicts_visible_to(user).filter(pk=conflict.pk).exists()


def may_set_identity_status(user, patient) -> bool:
    """Record the identity status checked (RNIV): a coordinator whose organisation is in the patient's team."""
    return (
        user.is_authenticated
        and user.role == Role.COORDINATOR
        and patients_visible_to(user).filter(pk=patient.pk).exists()
    )
