"""Targets on a plan's delays as a whole (issue 15: the overall p90 and the P1 mean against first come, first
served): the allowance is what a nearest-rank percentile permits, the batch planner keeps a percentile and a
mean target when a plan can, still returns a plan when none can (the excess costs), counts what was settled
before, and the rolling re-plan hands each plan the delays of the requests it no longer plans. Pure: no
database."""

from __future__ import annotations

import math
import random
from datetime import timedelta

import pytest

from jalon.scheduling.batch import (
    DelayTargets,
    PlanningRequest,
    _default_penalty_minutes,
    evaluate,
    plan_batch,
    plan_greedy,
    plan_rolling,
    request_delays,
)
from jalon.scheduling.planner import SlotFact, _Minutes
from jalon.scheduling.tests.test_batch import at, check_assignments, random_requests, random_slots

MONDAY_10H = at(0, 10)


def slot(slot_id: int, day: int, hour: int, *, minutes: int = 30) -> SlotFact:
    start = at(day, hour)
    return SlotFact(id=slot_id, resource_kind="consultation", start=start, end=start + timedelta(minutes=minutes))


def request(request_id: str, priority: str, released_at) -> PlanningRequest:
    return PlanningRequest(
        request_id=request_id,
        pathway_kind="breast",
        priority=priority,
        released_at=released_at,
        steps=[(f"{request_id}-0", "consultation", "")],
    )


def nearest_rank(values, share):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


# A P1 request released at 09:00 and a P3 one waiting since the Friday before (72 h) compete for the one slot
# of Monday 11:00; the next is on Thursday 11:00. The weights give Monday to the P1 request (2.5 h), so the
# P3 request waits until Thursday (145.5 h); both can be done within 80 h only the other way round.
P1_NOW = request("P1", "P1", at(0, 9))
P3_OLD = request("P3", "P3", MONDAY_10H - timedelta(hours=72))
TWO_SLOTS = [slot(1, 0, 11), slot(2, 3, 11)]


def slot_of(result, one_request) -> int:
    return result.assignments[one_request.request_id][0][1]


def delays_hours(result, requests, slots) -> list[float]:
    return [
        minutes / 60
        for minutes in request_delays(requests=requests, slots=slots, assignments=result.assignments, now=MONDAY_10H)
    ]


def test_the_allowance_is_what_a_nearest_rank_percentile_permits():
    """p90 ≤ T exactly when at most `allowance(n, 0.9)` delays exceed T (150 requests: 15)."""
    assert DelayTargets.allowance(150, 0.9) == 15 and DelayTargets.allowance(0, 0.9) == 0
    rng = random.Random(3)
    for _ in range(300):
        values = [rng.randrange(0, 20) for _ in range(rng.randint(1, 40))]
        limit = rng.randrange(0, 20)
        over = sum(1 for value in values if value > limit)
        assert (nearest_rank(values, 0.9) <= limit) == (over <= DelayTargets.allowance(len(values), 0.9))


def test_for_percentile_sets_the_allowance_and_the_totals_of_the_mean_targets():
    requests = [P1_NOW, P3_OLD, request("P1b", "P1", at(0, 9))]
    targets = DelayTargets.for_percentile(requests, percentile_hours=84, share=0.5, mean_hours={"P1": 10})
    assert targets.cap_hours == 84 and targets.max_over_cap == 1 and targets.total_hours == {"P1": 20}


def test_without_targets_the_p1_request_takes_monday_and_the_p3_one_waits_past_the_cap():
    result = plan_batch(requests=[P1_NOW, P3_OLD], slots=TWO_SLOTS, now=MONDAY_10H, time_limit_seconds=10)
    assert slot_of(result, P1_NOW) == 1 and max(delays_hours(result, [P1_NOW, P3_OLD], TWO_SLOTS)) > 80


def test_a_percentile_target_puts_the_long_waiting_request_first():
    targets = DelayTargets(cap_hours=80, max_over_cap=0)
    result = plan_batch(
        requests=[P1_NOW, P3_OLD], slots=TWO_SLOTS, now=MONDAY_10H, time_limit_seconds=10, targets=targets
    )
    assert result.status == "optimal" and result.gap == pytest.approx(0.0)
    assert slot_of(result, P3_OLD) == 1 and slot_of(result, P1_NOW) == 2
    assert max(delays_hours(result, [P1_NOW, P3_OLD], TWO_SLOTS)) <= 80
    assert result.details["target_cost"] == 0


def test_a_mean_target_of_a_priority_is_kept():
    targets = DelayTargets(total_hours={"P3": 74})  # one P3 request: its mean at most 74 h
    result = plan_batch(
        requests=[P1_NOW, P3_OLD], slots=TWO_SLOTS, now=MONDAY_10H, time_limit_seconds=10, targets=targets
    )
    assert slot_of(result, P3_OLD) == 1 and delays_hours(result, [P3_OLD], TWO_SLOTS)[0] <= 74


def test_targets_out_of_reach_cost_their_excess_but_a_plan_is_still_returned():
    """Within 10 h is impossible for the P3 request (72 h already): it is over whatever the plan, so the
    weights decide the rest and the one request over costs ten unplanned steps."""
    targets = DelayTargets(cap_hours=10, max_over_cap=0)
    requests = [P1_NOW, P3_OLD]
    result = plan_batch(requests=requests, slots=TWO_SLOTS, now=MONDAY_10H, time_limit_seconds=10, targets=targets)
    assert slot_of(result, P1_NOW) == 1 and slot_of(result, P3_OLD) == 2
    penalty = _default_penalty_minutes(requests, TWO_SLOTS, _Minutes(MONDAY_10H))
    assert result.details["target_cost"] == pytest.approx(10 * penalty / 60)
    assert result.objective == pytest.approx(
        evaluate(
            requests=requests,
            slots=TWO_SLOTS,
            assignments=result.assignments,
            now=MONDAY_10H,
            penalty_minutes=penalty,
            targets=targets,
        )[0]
        / 60
    )


def test_what_was_settled_before_uses_up_the_allowance():
    """One request over the cap allowed, and one already over among those planned before: none is left."""
    targets = DelayTargets(cap_hours=80, max_over_cap=1)
    free = plan_batch(
        requests=[P1_NOW, P3_OLD], slots=TWO_SLOTS, now=MONDAY_10H, time_limit_seconds=10, targets=targets
    )
    assert slot_of(free, P1_NOW) == 1
    used_up = plan_batch(
        requests=[P1_NOW, P3_OLD],
        slots=TWO_SLOTS,
        now=MONDAY_10H,
        time_limit_seconds=10,
        targets=targets,
        settled=(1, {}),
    )
    assert slot_of(used_up, P3_OLD) == 1
    assert targets.excess([P1_NOW], [60 * 90], settled=(1, {"P1": 30})) == (1, {})
    assert DelayTargets(total_hours={"P1": 1}).excess([P1_NOW], [50], settled=(0, {"P1": 30})) == (0, {"P1": 20})


@pytest.mark.parametrize("seed", range(3))
def test_the_neighbourhood_search_keeps_the_rules_and_does_no_worse_than_first_come_first_served(seed):
    """Targets met by first come, first served (its own p90 and P1 mean): the plan returned, searched by
    neighbourhoods of 4 requests, costs no more than that plan, targets included."""
    rng = random.Random(200 + seed)
    slots = random_slots(rng, per_kind=(10, 16), days=5)
    requests = random_requests(rng, 14, days=5)
    fcfs = plan_greedy(requests=requests, slots=slots, now=MONDAY_10H)
    delays = request_delays(requests=requests, slots=slots, assignments=fcfs.assignments, now=MONDAY_10H)
    p1 = [delay for one, delay in zip(requests, delays, strict=True) if one.priority == "P1"]
    targets = DelayTargets.for_percentile(
        requests,
        percentile_hours=nearest_rank(delays, 0.9) / 60,
        mean_hours={"P1": sum(p1) / len(p1) / 60} if p1 else {},
    )
    result = plan_batch(
        requests=requests, slots=slots, now=MONDAY_10H, time_limit_seconds=4, neighbourhood_size=4, targets=targets
    )
    check_assignments(requests, slots, result.assignments, MONDAY_10H)
    penalty = _default_penalty_minutes(requests, [s for s in slots if not s.booked], _Minutes(MONDAY_10H))
    free = [s for s in slots if not s.booked]
    baseline = evaluate(
        requests=requests,
        slots=free,
        assignments=fcfs.assignments,
        now=MONDAY_10H,
        penalty_minutes=penalty,
        targets=targets,
    )[0]
    assert result.objective <= baseline / 60 + 1e-6
    assert result.details["target_cost"] == 0
    assert result.best_bound <= result.objective + 1e-6


def test_a_re_plan_is_given_the_delays_of_the_requests_it_no_longer_plans():
    """At 10:00 the P1 request's 09:00 step is booked within the freeze: it is settled: its 5 h count."""
    done = request("done", "P1", at(0, 7))
    later = request("later", "P1", MONDAY_10H)
    slots = [slot(1, 0, 9, minutes=180), slot(2, 0, 14)]
    calls = []

    def plan(**kwargs):
        calls.append({key: kwargs.get(key) for key in ("now", "targets", "settled")} | {"requests": kwargs["requests"]})
        return plan_batch(time_limit_seconds=5, **kwargs)

    result = plan_rolling(
        requests=[done, later],
        slots=slots,
        start=at(0, 8),
        end=at(0, 11),
        plan=plan,
        freeze=timedelta(hours=2),
        targets=lambda known: DelayTargets.for_percentile(known, percentile_hours=80, mean_hours={"P1": 3}),
    )
    assert result.assignments == {"done": [("done-0", 1)], "later": [("later-0", 2)]}
    first, second = calls
    assert first["settled"] == (0, {}) and first["targets"].total_hours == {"P1": 3}
    assert [one.request_id for one in second["requests"]] == ["later"]
    assert second["settled"] == (0, {"P1": 300}) and second["targets"].total_hours == {"P1": 6}
