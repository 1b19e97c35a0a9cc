"""Re-planning the week as it goes (issue 15): the fairness cost bounds how long a lower priority waits,
a re-plan takes a reserved slot once it is released (the clock moved on) and keeps what is booked
near, the previous plan is accepted as a warm start, and ordering interchangeable requests loses no
plan. Pure: no database."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from jalon.scheduling.batch import (
    DEFAULT_FAIRNESS,
    Fairness,
    PlanningRequest,
    _deadline_order,
    evaluate,
    plan_batch,
    plan_greedy_online,
    plan_rolling,
    valid_part,
)
from jalon.scheduling.planner import SlotFact
from jalon.scheduling.tests.test_batch import at, check_assignments, random_slots

MONDAY_8H = at(0, 8)


def slot(slot_id: int, day: int, hour: int, *, kind: str = "consultation", minutes: int = 60, **fields) -> SlotFact:
    start = at(day, hour)
    return SlotFact(id=slot_id, resource_kind=kind, start=start, end=start + timedelta(minutes=minutes), **fields)


def request(request_id: str, priority: str, released_at, kinds=("consultation",), pathway_kind: str = "breast"):
    return PlanningRequest(
        request_id=request_id,
        pathway_kind=pathway_kind,
        priority=priority,
        released_at=released_at,
        steps=[(f"{request_id}-{position}", kind, "") for position, kind in enumerate(kinds)],
    )


def finish_hours(result_assignments, slots, one_request) -> float:
    by_id = {s.id: s for s in slots}
    end = max(by_id[slot_id].end for _step, slot_id in result_assignments[one_request.request_id])
    return (end - one_request.released_at).total_seconds() / 3600


# --- fairness ------------------------------------------------------------------------------------
def test_the_fairness_cost_bounds_how_long_a_p3_request_waits():
    """Five P1 requests and one P3 request waiting since the week before, five consultation slots a day:
    by weight alone the P3 request goes last (Tuesday); with a target of 76 h for P3 it is seen on
    Monday, and the P1 requests still take the other Monday slots."""
    slots = [slot(day * 10 + hour, day, hour) for day in range(2) for hour in range(9, 14)]
    waiting = request("P3-old", "P3", MONDAY_8H - timedelta(hours=72))
    urgent = [request(f"P1-{n}", "P1", MONDAY_8H) for n in range(5)]
    requests = [waiting, *urgent]
    fairness = Fairness(after_hours={"P3": 76}, extra_weight={"P3": 200})

    by_weight = plan_batch(requests=requests, slots=slots, now=MONDAY_8H, time_limit_seconds=5)
    fair = plan_batch(requests=requests, slots=slots, now=MONDAY_8H, time_limit_seconds=5, fairness=fairness)

    assert by_weight.status == fair.status == "optimal"
    assert finish_hours(by_weight.assignments, slots, waiting) > 76
    assert finish_hours(fair.assignments, slots, waiting) <= 76
    assert sum(finish_hours(fair.assignments, slots, r) <= 6 for r in urgent) == 4  # one P1 gives way
    check_assignments(requests, slots, fair.assignments, MONDAY_8H)
    # the model's objective is the one `evaluate` scores
    penalty = round(60 * fair.unplanned_penalty_hours)
    objective, _ = evaluate(
        requests=requests,
        slots=slots,
        assignments=fair.assignments,
        now=MONDAY_8H,
        penalty_minutes=penalty,
        fairness=fairness,
    )
    assert objective / 60 == pytest.approx(fair.objective)
    assert fair.best_bound == pytest.approx(fair.objective)


def test_the_default_fairness_charges_each_priority_beyond_its_target():
    for priority, hours in DEFAULT_FAIRNESS.after_hours.items():
        assert DEFAULT_FAIRNESS.threshold_minutes(priority) == 60 * hours
    assert DEFAULT_FAIRNESS.extra_weight["P3"] > 100  # beyond its target, a P3 hour outweighs a P1 hour within


def test_the_earliest_target_start_serves_an_overdue_p3_before_a_fresh_p1_and_a_fresh_p1_before_a_p3():
    overdue = request("P3-old", "P3", MONDAY_8H - timedelta(hours=100))
    fresh_p1 = request("P1-new", "P1", MONDAY_8H)
    fresh_p3 = request("P3-new", "P3", MONDAY_8H - timedelta(hours=1))
    ordered = sorted([fresh_p3, fresh_p1, overdue], key=_deadline_order(DEFAULT_FAIRNESS))
    assert [r.request_id for r in ordered] == ["P3-old", "P1-new", "P3-new"]
    slots = [slot(1, 0, 9), slot(2, 0, 10), slot(3, 0, 11)]
    result = plan_batch(
        requests=[fresh_p3, fresh_p1, overdue],
        slots=slots,
        now=MONDAY_8H,
        time_limit_seconds=2,
        fairness=DEFAULT_FAIRNESS,
    )
    assert result.assignments == {"P3-old": [("P3-old-0", 1)], "P1-new": [("P1-new-0", 2)], "P3-new": [("P3-new-0", 3)]}


# --- rolling re-planning -------------------------------------------------------------------------
def test_a_re_plan_takes_a_reserved_slot_once_it_is_released():
    """A breast request may not use Wednesday's slot reserved for lung on Monday, so it is planned on
    Friday; the slot is released 48 h before its start (Monday 10:00) and the re-plan at that hour moves
    the request to Wednesday. First come, first served on arrival keeps Friday."""
    reserved = slot(1, 2, 10, reserved_for=("lung",), release_at=at(2, 10) - timedelta(hours=48))
    friday = slot(2, 4, 10)
    slots = [reserved, friday]
    breast = request("R1", "P2", MONDAY_8H)
    plans = []

    def plan(*, requests, slots, now, hint):
        result = plan_batch(requests=requests, slots=slots, now=now, time_limit_seconds=2, hint=hint, keep=hint)
        plans.append((now, result.assignments))
        return result

    rolling = plan_rolling(requests=[breast], slots=slots, start=MONDAY_8H, end=at(4, 18), plan=plan)

    assert plans[0] == (MONDAY_8H, {"R1": [("R1-0", friday.id)]})
    assert [replan["at"] for replan in rolling.replans] == [MONDAY_8H.isoformat(), at(0, 10).isoformat()]
    assert rolling.replans[1]["releases"] == 1
    assert rolling.assignments == {"R1": [("R1-0", reserved.id)]}
    assert rolling.moved == 1
    assert plan_greedy_online(requests=[breast], slots=slots, start=MONDAY_8H) == {"R1": [("R1-0", friday.id)]}


def test_a_re_plan_keeps_the_steps_booked_within_the_freeze_and_plans_the_rest_after_them():
    """A consultation booked on Monday 9:00 and a CT on Wednesday: a P1 arrival at 8:30 that wants both
    Monday 9:00 (booked, within 2 h: it stays) and Wednesday's CT takes the CT; the first request's CT
    moves to Thursday, after its consultation."""
    slots = [slot(1, 0, 9), slot(2, 2, 9, kind="ct"), slot(3, 3, 9, kind="ct"), slot(4, 0, 11)]
    first = request("R1", "P3", MONDAY_8H, kinds=("consultation", "ct"))
    later = request("R2", "P1", MONDAY_8H + timedelta(minutes=30), kinds=("consultation", "ct"))

    def plan(*, requests, slots, now, hint):
        return plan_batch(requests=requests, slots=slots, now=now, time_limit_seconds=2, hint=hint, keep=hint)

    rolling = plan_rolling(
        requests=[first, later],
        slots=slots,
        start=MONDAY_8H,
        end=at(4, 18),
        every=timedelta(minutes=30),
        freeze=timedelta(hours=2),
        plan=plan,
    )

    assert rolling.assignments["R1"] == [("R1-0", 1), ("R1-1", 3)]
    assert rolling.assignments["R2"] == [("R2-0", 4), ("R2-1", 2)]
    check_assignments([first, later], slots, rolling.assignments, MONDAY_8H)


# --- warm start and symmetry ---------------------------------------------------------------------
def test_the_previous_plan_is_accepted_as_warm_start_without_its_invalid_steps():
    slots = [slot(1, 0, 9), slot(2, 0, 10, kind="ct"), slot(3, 1, 9), slot(4, 1, 10, kind="ct")]
    first = request("R1", "P2", MONDAY_8H, kinds=("consultation", "ct"))
    second = request("R2", "P2", MONDAY_8H, kinds=("consultation", "ct"))
    previous = {"R1": [("R1-0", 3), ("R1-1", 4)], "R2": [("R2-0", 1), ("R2-1", 99)]}  # slot 99 is gone

    assert valid_part(requests=[first, second], slots=slots, assignments=previous, now=MONDAY_8H) == {
        "R1": [("R1-0", 3), ("R1-1", 4)],
        "R2": [("R2-0", 1)],
    }
    result = plan_batch(
        requests=[first, second],
        slots=slots,
        now=MONDAY_8H,
        time_limit_seconds=2,
        hint_greedy=False,
        hint=previous,
        keep=previous,
        move_cost_minutes=600,
    )
    assert result.status == "optimal"
    assert result.details["moved"] == 1  # only the step on the vanished slot
    assert result.assignments == {"R1": [("R1-0", 3), ("R1-1", 4)], "R2": [("R2-0", 1), ("R2-1", 2)]}


def test_a_booked_plan_re_planned_unchanged_moves_nothing():
    rng = random.Random(3)
    slots = random_slots(rng, per_kind=(6, 9), days=3, now=MONDAY_8H)
    requests = [
        request(f"R{n}", rng.choice(["P1", "P2", "P3"]), MONDAY_8H, kinds=rng.choice([("consultation", "ct"), ("ct",)]))
        for n in range(8)
    ]
    first = plan_batch(requests=requests, slots=slots, now=MONDAY_8H, time_limit_seconds=3)
    again = plan_batch(
        requests=requests,
        slots=slots,
        now=MONDAY_8H,
        time_limit_seconds=3,
        hint=first.assignments,
        keep=first.assignments,
        move_cost_minutes=60,
    )
    assert again.details["moved"] == 0
    assert again.objective == pytest.approx(first.objective)


@pytest.mark.parametrize("seed", range(6))
def test_ordering_interchangeable_requests_loses_no_plan(seed):
    """Requests that no rule tells apart (twins) finish in the order of their positions: the optimum is the
    same with and without that constraint, and every twin is planned when there is room."""
    rng = random.Random(seed)
    slots = random_slots(rng, per_kind=(4, 7), days=2, kinds=("consultation", "ct"), now=MONDAY_8H)
    shape = rng.choice([("consultation",), ("consultation", "ct"), ("ct",)])
    twins = [request(f"T{n}", "P2", MONDAY_8H, kinds=shape) for n in range(3)]
    others = [request(f"O{n}", rng.choice(["P1", "P3"]), MONDAY_8H, kinds=("ct",)) for n in range(2)]
    requests = [*twins, *others]
    results = [
        plan_batch(requests=requests, slots=slots, now=MONDAY_8H, time_limit_seconds=5, symmetry=symmetry)
        for symmetry in (True, False)
    ]
    assert [result.status for result in results] == ["optimal", "optimal"]
    assert results[0].objective == pytest.approx(results[1].objective)
    assert results[0].metrics.planned_steps == results[1].metrics.planned_steps
    check_assignments(requests, slots, results[0].assignments, MONDAY_8H)
