"""Reads of tele-expertise, always through the access rules, with their related rows fetched up front."""

from __future__ import annotations

from django.db.models import BooleanField, Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from jalon.accounts.access import Capability, has_capability
from jalon.events.models import Event
from jalon.teleexpertise.access import teleexpertise_requests_visible_to
from jalon.teleexpertise.models import RequestStatus, TeleExpertiseOffer, TeleExpertiseRequest

_UNANSWERED_FIRST = Case(
    When(status=RequestStatus.SUBMITTED, then=Value(0)), default=Value(1), output_field=IntegerField()
)


def active_offers() -> QuerySet[TeleExpertiseOffer]:
    return TeleExpertiseOffer.objects.filter(is_active=True).select_related("service__organization")


def _with_lateness(requests: QuerySet[TeleExpertiseRequest], now) -> QuerySet[TeleExpertiseRequest]:
    """`is_late`: still unanswered past the promised time (computed, not stored)."""
    return requests.annotate(
        is_late=Case(
            When(Q(status=RequestStatus.SUBMITTED, answer_deadline__lt=now), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def requests_for_list(user, now=None) -> QuerySet[TeleExpertiseRequest]:
    """A GP's own requests, newest first; a specialist's services' requests, unanswered first, nearest
    deadline first (plus any they asked themselves)."""
    now = now or timezone.now()
    requests = _with_lateness(teleexpertise_requests_visible_to(user), now).select_related(
        "patient", "requester", "service__organization", "converted_referral"
    )
    if has_capability(user, Capability.ANSWER_TELEEXPERTISE):
        return requests.annotate(unanswered_first=_UNANSWERED_FIRST).order_by(
            "unanswered_first", "answer_deadline", "-id"
        )
    return requests.order_by("-submitted_at", "-id")


def request_detail_queryset(user, now=None) -> QuerySet[TeleExpertiseRequest]:
    return (
        _with_lateness(teleexpertise_requests_visible_to(user), now or timezone.now())
        .select_related(
            "patient",
            "patient__commune",
            "patient__gp",
            "requester",
            "service__organization",
            "offer__entry_point",
            "answered_by__professional",
            "converted_referral",
            "created_by",
        )
        .prefetch_related("documents")
    )


def request_events(request: TeleExpertiseRequest) -> QuerySet[Event]:
    """The request's history: its patient's events that name it."""
    return (
        Event.objects.filter(
            patient_id=request.patient_id, kind__startswith="teleexpertise.", payload__teleexpertise=request.reference
        )
        .select_related("actor")
        .order_by("occurred_at", "id")
    )
