"""The GP portal and the city–coordination thread: which referrals a GP follows, who writes in a thread."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from jalon.accounts.access import C, capabilities_of, has_capability
from jalon.core.lookups import by_unique_key
from jalon.patients.models import CareTeamMember, CareTeamRole
from jalon.portal.models import ThreadSide
from jalon.referrals.access import may_work_referral, referral_for_user
from jalon.referrals.models import Referral


def portal_referrals_visible_to(user) -> QuerySet[Referral]:
    """The referrals of the user's patients in the portal: those they made, and those of patients whose
    confirmed GP they are (a patient's opposition to sharing removes the GP, not the referrer). A GP merely
    named on a referral has no care-team row until the coordination confirms them, so no page here.

    Each arm is a join (the referrer index; the GP's care-team rows joined to the referrals), merged by a
    UNION of ids, not the per-row EXISTS of `referrals_visible_to` (docs/benchmarks.md: an OR with an
    EXISTS scans every referral)."""
    if not has_capability(user, C.FOLLOW_IN_PORTAL):
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
    point's organisation, city for its referrer and the patient's confirmed GP (unless the patient opposes
    sharing); None for anyone else, who may neither read nor write it."""
    granted = capabilities_of(user)
    if C.WORK_REFERRALS in granted:
        return ThreadSide.COORDINATION if may_work_referral(user, referral) else None
    if C.FOLLOW_IN_PORTAL not in granted:
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
    referral = by_unique_key(Referral.objects.select_related("entry_point").filter(reference=reference))
    if referral is None or not may_use_thread(user, referral):
        raise Http404
    return referral
