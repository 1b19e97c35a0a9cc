"""The batch planner (pure, no database): CP-SAT's objective equals brute force on tiny instances; an
assignment never uses a slot twice and keeps the rules (`may_use`, release, unavailable days, order,
same day, planned steps a prefix); never worse than the first-come-first-served greedy baseline;
status, bound and gap reported; and the figures (weighted delay, P1 seen within 48 h, diagnosed
within 7 days)."""

from __future__ import annotations

import random
from datetime import timedelta
from itertools import product

import pytest

from jalon.core.workcalendar import PARIS
from jalon.scheduling.batch import PRIORITY_WEIGHTS, PlanningRequest, plan_batch, plan_greedy
from jalon.scheduling.eligibility import may_use
from jalon.scheduling.planner import SlotFact
from jalon.scheduling.tests.factories import local

MONDAY_10H = local(2026, 11, 16, 10)
DAYS = [MONDAY_10H.date() + timedelta(days=offset) for offset in range(5)]  # Monday to Friday
KINDS = ("consultation", "ct", "biopsy")
STEP_SHAPES = [
    [("consultation", "")],
    [("ct", "")],
    [("consultation", "day"), ("ct", "day")],
    [("consultation", ""), ("biopsy", "")],
    [("consultation", "day"), ("ct", "day"), ("biopsy", "")],
]


def at(day_index: int, hour: int, minute: int = 0):
    day = DAYS[day_index]
    return local(day.year, day.month, day.day, hour, minute)


def random_slots(
    rng: random.Random, *, per_kind: tuple[int, int], days: int, kinds=KINDS, now=MONDAY_10H
) -> list[SlotFact]:
    slots = []
    for kind in kinds:
        starts = set()
        while len(starts) < rng.randint(*per_kind):
            starts.add(at(rng.randrange(days), rng.randint(8, 17), rng.choice((0, 30))))
        for start in sorted(starts):
            reserved_for = rng.choice([(), (), (), ("lung",), ("digestive",)])
            urgent = rng.random() < 0.2
            release_at = (
                rng.choice([None, now - timedelta(hours=1), start - timedelta(hours=30)])
                if reserved_for or urgent
                else None
            )
            slots.append(
                SlotFact(
                    id=len(slots) + 1,
                    resource_kind=kind,
                    start=start,
                    end=start + timedelta(minutes=rng.choice((30, 60))),
                    reserved_for=reserved_for,
                    urgent=urgent,
                    release_at=release_at,
                    blocked=rng.random() < 0.08,
                    booked=rng.random() < 0.1,
                )
            )
    return slots


def random_requests(rng: random.Random, count: int, *, shapes=STEP_SHAPES, days: int = 3) -> list[PlanningRequest]:
    requests = []
    for number in range(1, count + 1):
        shape = rng.choice(shapes)
        requests.append(
            PlanningRequest(
                request_id=f"R{number}",
                pathway_kind=rng.choice(["lung", "digestive", "breast"]),
                priority=rng.choice(["P1", "P2", "P3"]),
                released_at=MONDAY_10H + timedelta(hours=rng.choice([-30, -2, 0, 3, 24])),
                steps=[(f"R{number}-{position}", kind, group) for position, (kind, group) in enumerate(shape)],
                unavailable_days=rng.choice([frozenset(), frozenset({rng.choice(DAYS[:days])})]),
            )
        )
    return requests


# --- an independent checker and brute force -----------------------------------------------------
def usable(slot: SlotFact, request: PlanningRequest, kind: str, now) -> bool:
    return (
        slot.resource_kind == kind
        and not slot.booked
        and slot.start > now
        and slot.start >= request.released_at
        and slot.start.astimezone(PARIS).date() not in request.unavailable_days
        and may_use(slot=slot, pathway_kind=request.pathway_kind, priority=request.priority, now=now)
    )


def request_valid(request: PlanningRequest, chosen: list, now) -> bool:
    """`chosen`: a slot or None per step."""
    planned = [slot for slot in chosen if slot is not None]
    if any(slot is None for slot in chosen[: len(planned)]):
        return False  # not a prefix
    for slot, (_step_id, kind, _group) in zip(planned, request.steps, strict=False):
        if not usable(slot, request, kind, now):
            return False
    if any(later.start < earlier.end for earlier, later in zip(planned, planned[1:], strict=False)):
        return False
    days: dict[str, set] = {}
    for slot, (_step_id, _kind, group) in zip(planned, request.steps, strict=False):
        if group:
            days.setdefault(group, set()).add(slot.start.astimezone(PARIS).date())
    return all(len(values) == 1 for values in days.values())


def objective_minutes(requests, chosen_by_request, slots, penalty, now) -> int:
    horizon = max(slot.end for slot in slots if not slot.booked)
    total = 0
    for request in requests:
        planned = [slot for slot in chosen_by_request[request.request_id] if slot is not None]
        unplanned = len(request.steps) - len(planned)
        finish = max(slot.end for slot in planned) if planned and not unplanned else max(horizon, request.released_at)
        total += (
            PRIORITY_WEIGHTS[request.priority] * int((finish - request.released_at).total_seconds() // 60)
            + penalty * unplanned
        )
    return total


def brute_force(requests, slots, *, penalty, now) -> int:
    options = []
    for request in requests:
        for _step_id, kind, _group in request.steps:
            options.append([None] + [slot for slot in slots if usable(slot, request, kind, now)])
    best = None
    for combo in product(*options):
        used = [slot.id for slot in combo if slot is not None]
        if len(used) != len(set(used)):
            continue
        chosen, position = {}, 0
        for request in requests:
            chosen[request.request_id] = list(combo[position : position + len(request.steps)])
            position += len(request.steps)
        if all(request_valid(request, chosen[request.request_id], now) for request in requests):
            value = objective_minutes(requests, chosen, slots, penalty, now)
            best = value if best is None or value < best else best
    return best


def check_assignments(requests, slots, assignments, now) -> None:
    by_id = {slot.id: slot for slot in slots}
    used = [slot_id for pairs in assignments.values() for _step, slot_id in pairs]
    assert len(used) == len(set(used)), "a slot is used twice"
    for request in requests:
        pairs = assignments.get(request.request_id, [])
        assert [step_id for step_id, _slot in pairs] == [step[0] for step in request.steps][: len(pairs)]
        chosen = [by_id[slot_id] for _step, slot_id in pairs] + [None] * (len(request.steps) - len(pairs))
        assert request_valid(request, chosen, now), request.request_id


# --- tests ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(24))
def test_its_objective_equals_brute_force_on_tiny_instances(seed):
    rng = random.Random(seed)
    slots = random_slots(rng, per_kind=(2, 4), days=2, kinds=("consultation", "ct"))
    shapes = [
        [("consultation", "")],
        [("ct", "")],
        [("consultation", "day"), ("ct", "day")],
        [("consultation", ""), ("ct", "")],
    ]
    requests = random_requests(rng, rng.randint(2, 3), shapes=shapes, days=2)
    while sum(len(r.steps) for r in requests) > 5:
        requests.pop()
    penalty = rng.choice([300, 100_000])  # cheap enough to leave a step out, or not
    result = plan_batch(requests=requests, slots=slots, now=MONDAY_10H, penalty_minutes=penalty, time_limit_seconds=10)
    expected = brute_force(requests, slots, penalty=penalty, now=MONDAY_10H)
    assert result.status == "optimal"
    assert round(result.objective * 60) == expected
    assert result.best_bound == pytest.approx(result.objective) and result.gap == pytest.approx(0.0)
    check_assignments(requests, slots, result.assignments, MONDAY_10H)


@pytest.mark.parametrize("seed", range(5))
def test_it_keeps_every_rule_and_is_never_worse_than_greedy(seed):
    rng = random.Random(100 + seed)
    slots = random_slots(rng, per_kind=(10, 16), days=5)
    requests = random_requests(rng, 14, days=5)
    greedy = plan_greedy(requests=requests, slots=slots, now=MONDAY_10H)
    batch = plan_batch(requests=requests, slots=slots, now=MONDAY_10H, time_limit_seconds=5)
    check_assignments(requests, slots, greedy.assignments, MONDAY_10H)
    check_assignments(requests, slots, batch.assignments, MONDAY_10H)
    assert batch.objective <= greedy.objective + 1e-9
    assert batch.status in ("optimal", "feasible")
    assert batch.best_bound is not None and batch.best_bound <= batch.objective + 1e-6
    assert 0.0 <= batch.gap <= 1.0 and batch.wall_seconds > 0 and batch.model_booleans > 0
    assert greedy.status == "greedy" and greedy.best_bound is None and greedy.gap is None


def test_greedy_serves_first_come_and_the_batch_weighs_priority():
    """One CT slot left on Tuesday, two requests: greedy gives it to the earlier P3, the batch to the P1."""
    slots = [
        SlotFact(id=1, resource_kind="ct", start=at(1, 9), end=at(1, 9, 30)),
        SlotFact(id=2, resource_kind="ct", start=at(3, 9), end=at(3, 9, 30)),
    ]
    early_p3 = PlanningRequest("early", "lung", "P3", MONDAY_10H - timedelta(hours=2), [("early-ct", "ct", "")])
    late_p1 = PlanningRequest("late", "lung", "P1", MONDAY_10H, [("late-ct", "ct", "")])
    greedy = plan_greedy(requests=[late_p1, early_p3], slots=slots, now=MONDAY_10H)
    assert greedy.assignments == {"early": [("early-ct", 1)], "late": [("late-ct", 2)]}
    batch = plan_batch(requests=[late_p1, early_p3], slots=slots, now=MONDAY_10H)
    assert batch.assignments == {"early": [("early-ct", 2)], "late": [("late-ct", 1)]}
    assert batch.status == "optimal" and batch.objective < greedy.objective
    # weighted delay in hours: P1 waits from Monday 10:00 to Tuesday 9:30, P3 from 8:00 to Thursday 9:30
    assert batch.metrics.total_weighted_delay_hours == pytest.approx(100 * 23.5 + 1 * 73.5)


def test_it_leaves_out_a_p3_step_rather_than_a_p1_one():
    """One slot, two requests that need it: the P1 is planned, the P3 is not (counted until the horizon)."""
    slots = [
        SlotFact(id=1, resource_kind="biopsy", start=at(1, 9), end=at(1, 10)),
        SlotFact(id=2, resource_kind="consultation", start=at(4, 16), end=at(4, 16, 30)),  # the horizon: Friday
    ]
    p3 = PlanningRequest("p3", "lung", "P3", MONDAY_10H - timedelta(days=3), [("p3-biopsy", "biopsy", "")])
    p1 = PlanningRequest("p1", "lung", "P1", MONDAY_10H, [("p1-biopsy", "biopsy", "")])
    batch = plan_batch(requests=[p3, p1], slots=slots, now=MONDAY_10H)
    assert batch.assignments == {"p3": [], "p1": [("p1-biopsy", 1)]}
    assert batch.metrics.unplanned_steps == 1 and batch.metrics.fully_planned_requests == 1


def test_priority_rules_apply_in_the_batch():
    """An unreleased urgent slot only for P1, an unreleased reserved one only for its pathways, a
    blocked or booked one for nobody, an unavailable day or a slot before the release never."""
    release = at(1, 9) - timedelta(hours=12)  # Monday 21:00, after now
    slots = [
        SlotFact(id=1, resource_kind="ct", start=at(1, 9), end=at(1, 9, 30), urgent=True, release_at=release),
        SlotFact(
            id=2, resource_kind="ct", start=at(1, 10), end=at(1, 10, 30), reserved_for=("lung",), release_at=release
        ),
        SlotFact(id=3, resource_kind="ct", start=at(1, 11), end=at(1, 11, 30), blocked=True),
        SlotFact(id=4, resource_kind="ct", start=at(1, 12), end=at(1, 12, 30), booked=True),
        SlotFact(id=5, resource_kind="ct", start=at(2, 9), end=at(2, 9, 30)),
    ]

    def slot_for(kind, priority, **options):
        request = PlanningRequest(
            "r", kind, priority, options.pop("released_at", MONDAY_10H), [("r-ct", "ct", "")], **options
        )
        return plan_batch(requests=[request], slots=slots, now=MONDAY_10H).assignments["r"]

    assert slot_for("breast", "P1") == [("r-ct", 1)]
    assert slot_for("lung", "P2") == [("r-ct", 2)]
    assert slot_for("breast", "P3") == [("r-ct", 5)]
    assert slot_for("lung", "P1", unavailable_days=frozenset({DAYS[1]})) == [("r-ct", 5)]
    assert slot_for("lung", "P1", released_at=at(1, 12)) == [("r-ct", 5)]


def test_order_and_same_day_hold_in_the_batch():
    slots = [
        SlotFact(id=1, resource_kind="consultation", start=at(1, 9), end=at(1, 9, 30)),
        SlotFact(id=2, resource_kind="ct", start=at(1, 8), end=at(1, 8, 30)),  # before the consultation
        SlotFact(id=3, resource_kind="consultation", start=at(2, 9), end=at(2, 9, 30)),
        SlotFact(id=4, resource_kind="ct", start=at(2, 14), end=at(2, 14, 30)),
        SlotFact(id=5, resource_kind="ct", start=at(1, 8, 30), end=at(1, 9)),  # Tuesday, but before the consultation
    ]
    request = PlanningRequest("r", "lung", "P2", MONDAY_10H, [("r-c", "consultation", "day"), ("r-ct", "ct", "day")])
    for result in (
        plan_batch(requests=[request], slots=slots, now=MONDAY_10H),
        plan_greedy(requests=[request], slots=slots, now=MONDAY_10H),
    ):
        assert result.assignments == {"r": [("r-c", 3), ("r-ct", 4)]}


def test_it_reports_the_p1_figures():
    slots = [
        SlotFact(id=1, resource_kind="consultation", start=at(1, 9), end=at(1, 9, 30)),  # Tuesday: within 48 h
        SlotFact(id=2, resource_kind="biopsy", start=at(4, 9), end=at(4, 10)),  # Friday: within 7 days
        SlotFact(id=3, resource_kind="consultation", start=at(4, 14), end=at(4, 14, 30)),  # Friday: not within 48 h
    ]
    quick = PlanningRequest("quick", "lung", "P1", MONDAY_10H, [("q-c", "consultation", ""), ("q-b", "biopsy", "")])
    slow = PlanningRequest("slow", "lung", "P1", MONDAY_10H, [("s-c", "consultation", ""), ("s-b", "biopsy", "")])
    result = plan_batch(requests=[quick, slow], slots=slots, now=MONDAY_10H)
    metrics = result.metrics
    assert metrics.p1_requests == 2 and metrics.planned_steps == 3 and metrics.unplanned_steps == 1
    assert metrics.p1_seen_within_48h == pytest.approx(0.5) and metrics.p1_diagnosed_within_7d == pytest.approx(0.5)


def test_its_neighbourhood_search_keeps_every_rule():
    """With more requests than a neighbourhood, part of the time re-plans a few requests at a time."""
    rng = random.Random(7)
    slots = random_slots(rng, per_kind=(12, 16), days=5)
    requests = random_requests(rng, 16, days=5)
    greedy = plan_greedy(requests=requests, slots=slots, now=MONDAY_10H)
    batch = plan_batch(requests=requests, slots=slots, now=MONDAY_10H, time_limit_seconds=3, neighbourhood_size=5)
    assert batch.details["neighbourhood_rounds"] > 0
    check_assignments(requests, slots, batch.assignments, MONDAY_10H)
    assert batch.objective <= greedy.objective + 1e-9
    assert batch.status in ("optimal", "feasible") and batch.best_bound <= batch.objective + 1e-6
