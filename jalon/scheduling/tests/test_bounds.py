"""The batch planner's bounds (issue 15): the redundant cuts change no optimum, and the bound of the linear
relaxation with them (`_relaxation_bound`, solved beside the search) never exceeds the optimum, checked
against brute force and against CP-SAT's proved optimum on tiny instances. Pure: no database."""

from __future__ import annotations

import random

import pytest

from jalon.scheduling.batch import (
    DEFAULT_FAIRNESS,
    _build_model,
    _default_penalty_minutes,
    _horizon,
    _relaxation_bound,
    plan_batch,
)
from jalon.scheduling.planner import _Minutes
from jalon.scheduling.tests.test_batch import (
    MONDAY_10H,
    brute_force,
    check_assignments,
    random_requests,
    random_slots,
)

SHAPES = [
    [("consultation", "")],
    [("ct", "")],
    [("consultation", "day"), ("ct", "day")],
    [("consultation", ""), ("ct", "")],
]


def tiny(seed: int):
    rng = random.Random(seed)
    slots = random_slots(rng, per_kind=(2, 4), days=2, kinds=("consultation", "ct"))
    requests = random_requests(rng, rng.randint(2, 3), shapes=SHAPES, days=2)
    while sum(len(r.steps) for r in requests) > 5:
        requests.pop()
    return requests, slots, rng.choice([300, 100_000])


def relaxation_bound(requests, slots, penalty, fairness=None) -> int:
    free = [slot for slot in slots if not slot.booked]
    minutes = _Minutes(MONDAY_10H)
    model = _build_model(
        requests,
        free,
        MONDAY_10H,
        horizon=_horizon(free, minutes),
        penalty=penalty,
        hint=None,
        fairness=fairness,
        cuts=True,
    )[0]
    bound = _relaxation_bound(model.proto, 30)
    assert bound is not None
    return bound


@pytest.mark.parametrize("seed", range(12))
def test_the_relaxation_bound_never_exceeds_the_optimum(seed):
    requests, slots, penalty = tiny(seed)
    assert relaxation_bound(requests, slots, penalty) <= brute_force(requests, slots, penalty=penalty, now=MONDAY_10H)


@pytest.mark.parametrize("seed", range(12))
def test_the_cuts_change_no_optimum_and_the_bound_stays_below_it_with_the_fairness_cost(seed):
    requests, slots, penalty = tiny(seed)
    plain, cut = (
        plan_batch(
            requests=requests,
            slots=slots,
            now=MONDAY_10H,
            penalty_minutes=penalty,
            time_limit_seconds=10,
            fairness=DEFAULT_FAIRNESS,
            cuts=cuts,
        )
        for cuts in (False, True)
    )
    assert plain.status == cut.status == "optimal"
    assert cut.objective == pytest.approx(plain.objective)
    check_assignments(requests, slots, cut.assignments, MONDAY_10H)
    assert relaxation_bound(requests, slots, penalty, DEFAULT_FAIRNESS) <= round(plain.objective * 60)


@pytest.mark.parametrize("seed", range(3))
def test_the_relaxation_runs_beside_the_search_and_its_bound_is_reported(seed):
    rng = random.Random(100 + seed)
    slots = random_slots(rng, per_kind=(10, 16), days=5)
    requests = random_requests(rng, 14, days=5)
    result = plan_batch(
        requests=requests,
        slots=slots,
        now=MONDAY_10H,
        time_limit_seconds=10,
        fairness=DEFAULT_FAIRNESS,
        relaxation=True,
    )
    check_assignments(requests, slots, result.assignments, MONDAY_10H)
    relaxed = result.details["relaxation_bound"]
    assert relaxed is not None and relaxed <= result.objective + 1e-6
    assert result.best_bound == pytest.approx(max(relaxed, result.details["cp_sat_bound"]))
    penalty = _default_penalty_minutes(requests, [s for s in slots if not s.booked], _Minutes(MONDAY_10H))
    assert result.unplanned_penalty_hours == pytest.approx(penalty / 60)
