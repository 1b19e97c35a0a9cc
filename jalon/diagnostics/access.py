"""Who reaches an exam or a pathology request, and who may record a result.

* The pathway's exams and pathology requests are part of the pathway: whoever reaches the pathway's referral
  reads them on the pathway page (`referrals.access`), and the coordinators of its entry point
  (`may_work_referral`) request exams and pathology and record what comes back.
* A pathologist (role `pathologist`, capability ANSWER_PATHOLOGY) reaches only the pathology requests addressed
  to them: their screen lists them, and every other request answers 404. They do not reach the pathway page.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from jalon.accounts.access import C, capabilities_of, has_capability, roles_with
from jalon.core.lookups import by_unique_key
from jalon.diagnostics.models import PathologyRequest
from jalon.directory.models import Professional
from jalon.referrals.access import may_work_referral, referrals_visible_to


def pathologists() -> QuerySet[Professional]:
    """The professionals a pathology request may be addressed to: an active login whose role answers pathology."""
    return Professional.objects.filter(user__role__in=roles_with(C.ANSWER_PATHOLOGY), user__is_active=True).order_by(
        "last_name", "first_name"
    )


def coordinators_of(organization_id: int) -> QuerySet[Professional]:
    """The professionals who work the referrals of the organisation's entry points (told of a non-contributive
    specimen and of late results)."""
    return Professional.objects.filter(
        memberships__organization_id=organization_id,
        user__role__in=roles_with(C.WORK_REFERRALS),
        user__is_active=True,
    ).distinct()


def pathology_requests_visible_to(user) -> QuerySet[PathologyRequest]:
    """A pathologist's own requests; for the coordination, the requests of the pathways whose referral they reach."""
    granted = capabilities_of(user)
    reach = Q(pk__in=[])
    if C.ANSWER_PATHOLOGY in granted:
        reach |= Q(pathologist_id=user.professional_id)
    if C.WORK_REFERRALS in granted:
        reach |= Q(pathway__referral__in=referrals_visible_to(user))
    return PathologyRequest.objects.filter(reach)


def pathology_request_for_user(user, request_id: int) -> PathologyRequest:
    """The request if the user may reach it; 404 for any other (nothing leaks)."""
    found = by_unique_key(
        pathology_requests_visible_to(user)
        .select_related(
            "pathway__referral__entry_point",
            "pathway__patient",
            "pathway__template_version__template",
            "pathologist",
            "milestone",
            "rebiopsy_task",
        )
        .filter(pk=request_id)
    )
    if found is None:
        raise Http404
    return found


def is_addressed_pathologist(user, request: PathologyRequest) -> bool:
    return has_capability(user, C.ANSWER_PATHOLOGY) and request.pathologist_id == user.professional_id


def may_record_pathology_result(user, request: PathologyRequest) -> bool:
    """Record a result: the pathologist it is addressed to, or a coordinator of the pathway's entry point (a result
    received by mail), while the request still waits for a result and the pathway is open."""
    if not request.is_open or request.pathway.is_closed:
        return False
    return is_addressed_pathologist(user, request) or may_work_referral(user, request.pathway.referral)
