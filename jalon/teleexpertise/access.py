"""Who reaches a tele-expertise request, and who may answer, withdraw or convert it."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from jalon.accounts.access import C, capabilities_of, has_capability, roles_with
from jalon.core.lookups import by_unique_key
from jalon.directory.models import Membership, Professional
from jalon.teleexpertise.models import RequestStatus, TeleExpertiseRequest


# A request is reached by the professional who asked it and by the specialists of the service asked
# (role specialist, with a membership on that service); nobody else, whatever their other links.
def _service_ids_of(user) -> QuerySet:
    return Membership.objects.filter(professional_id=user.professional_id, service__isnull=False).values("service_id")


def teleexpertise_specialists_of(service_id: int) -> QuerySet[Professional]:
    """The professionals who answer the service's tele-expertise: an active login as specialist and a
    membership on the service (they receive its requests and may answer them)."""
    return Professional.objects.filter(
        memberships__service_id=service_id, user__role__in=roles_with(C.ANSWER_TELEEXPERTISE), user__is_active=True
    ).distinct()


def teleexpertise_requests_visible_to(user) -> QuerySet[TeleExpertiseRequest]:
    """The requests the user asked, and for a specialist those sent to their services."""
    granted = capabilities_of(user)
    if C.READ_TELEEXPERTISE not in granted:
        return TeleExpertiseRequest.objects.none()
    reach = Q(requester_id=user.professional_id)
    if C.ANSWER_TELEEXPERTISE in granted:
        reach |= Q(service_id__in=_service_ids_of(user))
    return TeleExpertiseRequest.objects.filter(reach)


def teleexpertise_request_for_user(
    user, reference: str, queryset: QuerySet[TeleExpertiseRequest] | None = None
) -> TeleExpertiseRequest:
    """The request by reference if the user may reach it; 404 for any other (nothing leaks)."""
    base = teleexpertise_requests_visible_to(user)
    found = by_unique_key(
        (base if queryset is None else queryset.filter(pk__in=base.values("pk"))).filter(reference=reference)
    )
    if found is None:
        raise Http404
    return found


def is_teleexpertise_requester(user, request: TeleExpertiseRequest) -> bool:
    return has_capability(user, C.READ_TELEEXPERTISE) and request.requester_id == user.professional_id


def is_teleexpertise_answerer(user, request: TeleExpertiseRequest) -> bool:
    """A specialist of the service the request was sent to."""
    return (
        has_capability(user, C.ANSWER_TELEEXPERTISE)
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
    return request.status == RequestStatus.ANSWERED and (
        is_teleexpertise_requester(user, request) or is_teleexpertise_answerer(user, request)
    )
