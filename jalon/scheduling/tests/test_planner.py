"""The interactive planner: its best plan equals the brute-force optimum on generated small cases (every
constraint checked independently: resource kind, free, unblocked, after now, within the horizon, not on
an unavailable day, `may_use`, order, same day); the priority rules on urgent and reserved slots; the
diagnostic day; unavailable days; three alternatives on three days; booked steps bound the next ones;
one query per resource kind; and booking a proposal takes all its slots or none."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from itertools import product

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jalon.core.actor import Actor
from jalon.core.vocabulary import Priority
from jalon.core.workcalendar import PARIS
from jalon.pathways.models import Pathway
from jalon.scheduling.eligibility import may_use
from jalon.scheduling.errors import SchedulingError, SchedulingErrorCode
from jalon.scheduling.models import Appointment, AppointmentStatus, Slot
from jalon.scheduling.planner import Plan, plan_booking_requests, propose_plans
from jalon.scheduling.services import appointments_book
from jalon.scheduling.tests.factories import book, bookable_pathway, local, resource_build, slot_build, step

pytestmark = pytest.mark.django_db

MONDAY_10H = local(2026, 11, 16, 10)
DAYS = [MONDAY_10H.date() + timedelta(days=offset) for offset in (1, 2, 3, 4)]  # Tuesday to Friday


@pytest.fixture(autouse=True)
def clock():
    """Monday 16 November 2026, 10:00 in Paris; time stands still."""
    with time_machine.travel(MONDAY_10H, tick=False) as traveller:
        yield traveller


@pytest.fixture
def resources(hospital):
    return {kind: resource_build(hospital, kind=kind, name=f"{kind} 1") for kind in ("consultation", "ct", "biopsy")}


@pytest.fixture
def pathway(submit, coordinator, resources):  # noqa: ARG001
    """A P2 lung pathway whose steps are reception (consultation) and imaging (CT) on the diagnostic
    day, then biopsy, then a tumour board that is not booked."""
    return bookable_pathway(submit, coordinator, kind="lung", priority="P2")


def at(day_index: int, hour: int, minute: int = 0):
    day = DAYS[day_index]
    return local(day.year, day.month, day.day, hour, minute)


def with_priority(pathway: Pathway, priority: str) -> Pathway:
    Pathway.objects.filter(pk=pathway.pk).update(priority=priority)
    pathway.priority = priority
    return pathway


def steps(pathway, *codes):
    return [step(pathway, code) for code in codes]


def signature(plan: Plan) -> list[tuple[str, int]]:
    return [(booking.milestone_label, booking.slot_id) for booking in plan.bookings]


# --- brute force ---------------------------------------------------------------------------------
def valid(combo, milestones, *, pathway, now, unavailable, booked_ids, horizon_end) -> bool:
    """Every constraint of a plan, written from the rules, not from the planner."""
    kind = pathway.template_version.template.kind
    for slot, milestone in zip(combo, milestones, strict=True):
        if slot.resource.kind != milestone.template.resource_kind or slot.pk in booked_ids:
            return False
        if not (now < slot.start < horizon_end) or slot.start.astimezone(PARIS).date() in unavailable:
            return False
        if not may_use(slot=slot, pathway_kind=kind, priority=pathway.priority, now=now):  # blocked included
            return False
    if any(later.start < earlier.end for earlier, later in zip(combo, combo[1:], strict=False)):
        return False
    days_by_group: dict[str, set] = {}
    for slot, milestone in zip(combo, milestones, strict=True):
        if milestone.template.same_day_group:
            days_by_group.setdefault(milestone.template.same_day_group, set()).add(slot.start.astimezone(PARIS).date())
    return all(len(days) == 1 for days in days_by_group.values())


def brute_force(milestones, *, pathway, now, unavailable, horizon_days=21):
    """(finish, first start) of the best plan over every combination of slots, or None."""
    booked_ids = set(Appointment.objects.filter(status=AppointmentStatus.BOOKED).values_list("slot_id", flat=True))
    options = [
        list(Slot.objects.filter(resource__kind=m.template.resource_kind).select_related("resource"))
        for m in milestones
    ]
    horizon_end = now + timedelta(days=horizon_days)
    best = None
    for combo in product(*options):
        if valid(
            combo,
            milestones,
            pathway=pathway,
            now=now,
            unavailable=unavailable,
            booked_ids=booked_ids,
            horizon_end=horizon_end,
        ):
            key = (max(slot.end for slot in combo), min(slot.start for slot in combo))
            best = key if best is None or key < best else best
    return best


def random_case(rng: random.Random, resources, pathway, coordinator, now):
    """Fresh slots (3 to 6 per step) with random reservations, urgency, releases, blocks and bookings."""
    Appointment.objects.all().delete()
    Slot.objects.all().delete()
    codes = rng.choice(
        [("reception", "imaging"), ("reception", "biopsy"), ("imaging", "biopsy"), ("reception", "imaging", "biopsy")]
    )
    for kind in sorted({step(pathway, code).template.resource_kind for code in codes}):
        starts = set()
        while len(starts) < rng.randint(3, 6):
            if rng.random() < 0.1:
                starts.add(now - timedelta(hours=rng.randint(0, 2), minutes=rng.choice((0, 30))))  # already past
            else:
                starts.add(at(rng.randrange(3), rng.randint(8, 17), rng.choice((0, 30))))
        for start in sorted(starts):
            reserved_for = rng.choice([[], [], [], ["lung"], ["digestive"]])
            urgent = rng.random() < 0.25
            fields = {"reserved_for": reserved_for, "urgent": urgent, "blocked": rng.random() < 0.1}
            if reserved_for or urgent:
                fields["release_at"] = rng.choice([None, now - timedelta(hours=1), start - timedelta(hours=30)])
                if rng.random() < 0.1:
                    fields["released_at"] = now - timedelta(hours=2)
            slot = slot_build(resources[kind], start, minutes=rng.choice((30, 60)), **fields)
            if rng.random() < 0.15:
                Appointment.objects.create(slot=slot, pathway=pathway, group=uuid.uuid4(), booked_by=coordinator)
    priority = rng.choice([Priority.P1, Priority.P2, Priority.P3])
    unavailable = rng.choice([frozenset(), frozenset({rng.choice(DAYS[:3])})])
    return codes, priority, unavailable


def test_its_best_plan_is_the_brute_force_optimum(pathway, resources, coordinator):
    rng = random.Random(20261116)
    now = MONDAY_10H
    outcomes = {"feasible": 0, "infeasible": 0}
    for case in range(40):
        codes, priority, unavailable = random_case(rng, resources, pathway, coordinator, now)
        with_priority(pathway, priority)
        milestones = steps(pathway, *codes)
        expected = brute_force(milestones, pathway=pathway, now=now, unavailable=unavailable)
        plans = propose_plans(
            pathway=pathway, milestones=milestones, now=now, unavailable_days=unavailable, alternatives=1
        )
        if expected is None:
            assert plans == [], f"case {case}: the planner found a plan where none is feasible"
            outcomes["infeasible"] += 1
            continue
        outcomes["feasible"] += 1
        assert len(plans) == 1, f"case {case}: no plan, brute force found {expected}"
        plan = plans[0]
        assert (plan.finish, plan.first_start) == expected, f"case {case}"
        slots = Slot.objects.select_related("resource").in_bulk([b.slot_id for b in plan.bookings])
        combo = [slots[b.slot_id] for b in plan.bookings]
        booked_ids = set(Appointment.objects.filter(status=AppointmentStatus.BOOKED).values_list("slot_id", flat=True))
        assert valid(
            combo,
            milestones,
            pathway=pathway,
            now=now,
            unavailable=unavailable,
            booked_ids=booked_ids,
            horizon_end=now + timedelta(days=21),
        ), f"case {case}"
        assert [b.milestone_id for b in plan.bookings] == [m.pk for m in milestones]
    # the generator covers both outcomes
    assert outcomes["feasible"] >= 15 and outcomes["infeasible"] >= 3, outcomes


# --- the priority rules --------------------------------------------------------------------------
def test_an_urgent_slot_is_for_p1_until_its_release(pathway, resources):
    urgent = slot_build(
        resources["ct"], at(0, 9), urgent=True, release_at=at(0, 9) - timedelta(hours=12)
    )  # Monday 21:00
    plain = slot_build(resources["ct"], at(1, 9))
    imaging = steps(pathway, "imaging")
    assert [b.slot_id for b in propose_plans(pathway=with_priority(pathway, "P3"), milestones=imaging)[0].bookings] == [
        plain.pk
    ]
    assert [b.slot_id for b in propose_plans(pathway=with_priority(pathway, "P2"), milestones=imaging)[0].bookings] == [
        plain.pk
    ]
    assert [b.slot_id for b in propose_plans(pathway=with_priority(pathway, "P1"), milestones=imaging)[0].bookings] == [
        urgent.pk
    ]
    # released: anyone
    Slot.objects.filter(pk=urgent.pk).update(release_at=MONDAY_10H - timedelta(minutes=1))
    assert [b.slot_id for b in propose_plans(pathway=with_priority(pathway, "P3"), milestones=imaging)[0].bookings] == [
        urgent.pk
    ]


def test_a_reserved_slot_is_for_its_pathways_until_its_release(pathway, resources, submit, coordinator):
    other_kind = bookable_pathway(submit, coordinator, kind="breast", priority="P1")
    release = timedelta(hours=12)  # not yet released on Monday 10:00
    for_others = slot_build(
        resources["ct"], at(0, 8), reserved_for=["digestive", "pancreas_biliary"], release_at=at(0, 8) - release
    )
    for_lung = slot_build(resources["ct"], at(0, 9), reserved_for=["lung"], release_at=at(0, 9) - release)
    plain = slot_build(resources["ct"], at(1, 9))
    imaging = steps(pathway, "imaging")
    # a lung pathway (any priority) gets the lung slot, never the one reserved for other pathways
    assert [b.slot_id for b in propose_plans(pathway=with_priority(pathway, "P3"), milestones=imaging)[0].bookings] == [
        for_lung.pk
    ]
    proposed = [plan.bookings[0].slot_id for plan in propose_plans(pathway=pathway, milestones=imaging, alternatives=3)]
    assert proposed == [for_lung.pk, plain.pk]
    # a pathway of another kind: neither reserved slot
    assert [
        b.slot_id for b in propose_plans(pathway=other_kind, milestones=steps(other_kind, "imaging"))[0].bookings
    ] == [plain.pk]
    # recorded as released by the release job: anyone
    Slot.objects.filter(pk__in=[for_others.pk, for_lung.pk]).update(released_at=MONDAY_10H - timedelta(hours=1))
    assert [b.slot_id for b in propose_plans(pathway=pathway, milestones=imaging)[0].bookings] == [for_others.pk]
    assert [
        b.slot_id for b in propose_plans(pathway=other_kind, milestones=steps(other_kind, "imaging"))[0].bookings
    ] == [for_others.pk]


def test_a_blocked_booked_or_past_slot_is_never_proposed(pathway, resources, coordinator):
    slot_build(resources["ct"], MONDAY_10H - timedelta(minutes=30))
    slot_build(resources["ct"], at(0, 8), blocked=True, blocked_reason="Maintenance")
    taken = slot_build(resources["ct"], at(0, 9))
    Appointment.objects.create(slot=taken, pathway=pathway, group=uuid.uuid4(), booked_by=coordinator)
    free = slot_build(resources["ct"], at(0, 10))
    plans = propose_plans(pathway=pathway, milestones=steps(pathway, "imaging"))
    assert [[b.slot_id for b in plan.bookings] for plan in plans] == [[free.pk]]


# --- days and order ------------------------------------------------------------------------------
def test_the_diagnostic_day_keeps_consultation_and_imaging_on_one_day(pathway, resources):
    slot_build(resources["consultation"], at(0, 9))  # Tuesday: the earliest consultation, but no CT after it that day
    slot_build(resources["ct"], at(0, 8))  # Tuesday 8:00: before the consultation
    consultation = slot_build(resources["consultation"], at(1, 9))
    ct = slot_build(resources["ct"], at(1, 14))
    slot_build(resources["ct"], at(2, 8))  # Thursday: earlier than nothing, other day
    [plan] = propose_plans(pathway=pathway, milestones=steps(pathway, "reception", "imaging"), alternatives=1)
    assert [b.slot_id for b in plan.bookings] == [consultation.pk, ct.pk]
    assert plan.day == DAYS[1] and plan.finish == at(1, 14, 30) and plan.first_start == at(1, 9)


def test_each_step_starts_after_the_previous_one_ends(pathway, resources):
    slot_build(resources["consultation"], at(0, 9), minutes=60)
    slot_build(resources["ct"], at(0, 9, 30))  # overlaps the consultation
    ct = slot_build(resources["ct"], at(0, 10))
    slot_build(resources["biopsy"], at(0, 8))  # before both
    biopsy = slot_build(resources["biopsy"], at(1, 8))
    [plan] = propose_plans(pathway=pathway, alternatives=1)  # default: the three bookable steps, in order
    assert [b.milestone_label for b in plan.bookings] == ["reception", "imaging", "biopsy"]
    assert [b.slot_id for b in plan.bookings][1:] == [ct.pk, biopsy.pk]


def test_it_avoids_the_patients_unavailable_days(pathway, resources):
    for day in (0, 1):
        slot_build(resources["consultation"], at(day, 9))
        slot_build(resources["ct"], at(day, 14))
    [plan] = propose_plans(
        pathway=pathway,
        milestones=steps(pathway, "reception", "imaging"),
        unavailable_days=frozenset({DAYS[0]}),
        alternatives=1,
    )
    assert plan.day == DAYS[1]
    assert (
        propose_plans(
            pathway=pathway, milestones=steps(pathway, "reception", "imaging"), unavailable_days=frozenset(DAYS[:2])
        )
        == []
    )


def test_three_alternatives_on_three_different_days(pathway, resources):
    for day in range(4):
        slot_build(resources["consultation"], at(day, 9))
        slot_build(resources["consultation"], at(day, 11))
        slot_build(resources["ct"], at(day, 14))
    plans = propose_plans(pathway=pathway, milestones=steps(pathway, "reception", "imaging"))
    assert [plan.day for plan in plans] == DAYS[:3]
    # each day, both consultations end before the CT: same finish, the earliest first start wins
    assert all(plan.bookings[0].start == at(index, 9) for index, plan in enumerate(plans))
    assert [plan.finish for plan in plans] == sorted(plan.finish for plan in plans)


def test_booked_steps_bound_the_steps_still_to_plan(pathway, resources, coordinator):
    """The biopsy comes after the booked diagnostic day; a rescheduled CT stays on the consultation's day."""
    consultation = slot_build(resources["consultation"], at(1, 9))
    ct = slot_build(resources["ct"], at(1, 14))
    other_ct = slot_build(resources["ct"], at(1, 15))
    slot_build(resources["ct"], at(0, 14))  # another day
    slot_build(resources["biopsy"], at(0, 8))  # before the diagnostic day
    biopsy = slot_build(resources["biopsy"], at(2, 8))
    book(coordinator, pathway, ("reception", consultation), ("imaging", ct))
    plans = propose_plans(pathway=pathway)  # default: the pending steps without a booked appointment
    assert [signature(plan) for plan in plans] == [[("biopsy", biopsy.pk)]]
    plans = propose_plans(pathway=pathway, milestones=steps(pathway, "imaging"))
    assert [signature(plan) for plan in plans] == [[("imaging", other_ct.pk)]]


def test_it_loads_the_slots_in_one_query_per_resource_kind(pathway, resources):
    for day in range(3):
        slot_build(resources["consultation"], at(day, 9))
        slot_build(resources["ct"], at(day, 14))
        slot_build(resources["biopsy"], at(day, 16))
    with CaptureQueriesContext(connection) as queries:
        plans = propose_plans(pathway=pathway)
    assert len(plans) == 3
    slot_queries = [q["sql"] for q in queries.captured_queries if 'FROM "scheduling_slot"' in q["sql"]]
    assert len(slot_queries) == 3 and all('"scheduling_resource"' in sql and "EXISTS" in sql for sql in slot_queries)


# --- booking a proposal: all or nothing ----------------------------------------------------------
def test_booking_a_proposal_takes_all_its_slots(pathway, resources, coordinator):
    slot_build(resources["consultation"], at(0, 9))
    slot_build(resources["ct"], at(0, 14))
    [plan] = propose_plans(pathway=pathway, milestones=steps(pathway, "reception", "imaging"), alternatives=1)
    appointments = appointments_book(
        actor=Actor(user=coordinator), pathway=pathway, requests=plan_booking_requests(plan)
    )
    assert sorted(a.slot_id for a in appointments) == sorted(b.slot_id for b in plan.bookings)
    assert len({a.group for a in appointments}) == 1
    assert step(pathway, "reception").planned_at == at(0, 9) and step(pathway, "imaging").planned_at == at(0, 14)


def test_booking_a_proposal_takes_none_when_one_slot_was_taken_meanwhile(pathway, resources, coordinator, submit):
    slot_build(resources["consultation"], at(0, 9))
    slot_build(resources["ct"], at(0, 14))
    [plan] = propose_plans(pathway=pathway, milestones=steps(pathway, "reception", "imaging"), alternatives=1)
    other = bookable_pathway(submit, coordinator, kind="lung", priority="P1")
    ct = Slot.objects.get(pk=plan.bookings[1].slot_id)
    book(coordinator, other, ("imaging", ct))  # someone else takes the CT between proposal and booking

    with pytest.raises(SchedulingError) as error:
        appointments_book(actor=Actor(user=coordinator), pathway=pathway, requests=plan_booking_requests(plan))
    assert error.value.code == SchedulingErrorCode.SLOT_TAKEN
    assert not Appointment.objects.filter(pathway=pathway).exists()
    assert step(pathway, "reception").planned_at is None and step(pathway, "imaging").planned_at is None
    # and the planner no longer proposes the taken slot
    assert propose_plans(pathway=pathway, milestones=steps(pathway, "reception", "imaging")) == []
