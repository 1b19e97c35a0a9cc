"""The batch mode on real data: the pending bookable steps of active pathways, planned together on
the coming week's free slots (CP-SAT), beside the first-come-first-served baseline; optionally booked."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef

from jalon.core.actor import Actor
from jalon.pathways.models import Milestone, Pathway, PathwayStatus
from jalon.scheduling.batch import DEFAULT_FAIRNESS, BatchResult, PlanningRequest, plan_batch, plan_greedy
from jalon.scheduling.eligibility import bookable_from, resource_site_key, within_reach_filter
from jalon.scheduling.errors import SchedulingError
from jalon.scheduling.models import Appointment, AppointmentStatus, Resource, Slot
from jalon.scheduling.planner import SlotFact, bookable_milestones
from jalon.scheduling.services import BookingRequest, appointments_book


def pending_requests(*, now: datetime, organization_ids: list[int] | None = None) -> list[PlanningRequest]:
    pathways = Pathway.objects.filter(status=PathwayStatus.ACTIVE).select_related(
        "template_version__template", "referral__entry_point__organization__commune"
    )
    if organization_ids:
        pathways = pathways.filter(referral__entry_point__organization_id__in=organization_ids)
    requests, reaches = [], {}
    for pathway in pathways:
        entry_point = pathway.referral.entry_point
        if entry_point.pk not in reaches:
            reaches[entry_point.pk] = frozenset(
                resource_site_key(resource)
                for resource in Resource.objects.filter(within_reach_filter(entry_point, prefix="")).select_related(
                    "organization__campus_site"
                )
            )
        steps = bookable_milestones(pathway)
        if steps:
            requests.append(
                PlanningRequest(
                    request_id=pathway.pk,
                    pathway_kind=pathway.template_version.template.kind,
                    priority=pathway.priority,
                    released_at=max(pathway.started_at, bookable_from(now)),
                    steps=[
                        (step.pk, step.template.resource_kind, step.template.same_day_group, step.template.specialty)
                        for step in steps
                    ],
                    reach=reaches[entry_point.pk],
                )
            )
    return requests


def week_slots(*, now: datetime, days: int = 7) -> list[SlotFact]:
    booked = Appointment.objects.filter(slot=OuterRef("pk"), status=AppointmentStatus.BOOKED)
    slots = (
        Slot.objects.filter(start__gt=now, start__lt=now + timedelta(days=days), resource__is_active=True)
        .annotate(is_booked=Exists(booked))
        .select_related("resource__service", "resource__organization__campus_site")
    )
    return [SlotFact.from_slot(slot, booked=slot.is_booked) for slot in slots]


def plan_week(
    *, now: datetime, organization_ids=None, time_limit_seconds: float = 10.0
) -> tuple[BatchResult, BatchResult]:
    """(CP-SAT plan, greedy baseline) for the coming week, what is not booked yet: run again once reserved
    slots are released (`slots_release_due`) or new requests have come, it plans them on what is free then.
    The plan bounds how long lower priorities wait (`DEFAULT_FAIRNESS`)."""
    requests = pending_requests(now=now, organization_ids=organization_ids)
    slots = week_slots(now=now)
    return (
        plan_batch(
            requests=requests,
            slots=slots,
            now=now,
            time_limit_seconds=time_limit_seconds,
            fairness=DEFAULT_FAIRNESS,
        ),
        plan_greedy(requests=requests, slots=slots, now=now),
    )


def book_plan(*, actor: Actor, result: BatchResult) -> tuple[int, list[str]]:
    """Book each pathway's planned steps (all or nothing per pathway); returns (booked, problems)."""
    booked, problems = 0, []
    for pathway_id, pairs in result.assignments.items():
        pathway = Pathway.objects.get(pk=pathway_id)
        requests = [
            BookingRequest(milestone=Milestone.objects.get(pk=step_id), slot=Slot.objects.get(pk=slot_id))
            for step_id, slot_id in pairs
        ]
        try:
            booked += len(appointments_book(actor=actor, pathway=pathway, requests=requests))
        except SchedulingError as error:
            problems.append(f"{pathway.referral.reference} : {error.message}")
    return booked, problems
