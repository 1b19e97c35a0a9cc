"""The interactive planner: the earliest feasible bookings for a pathway's next steps, with alternatives.

For the steps still to book (each needs a resource kind), CP-SAT chooses one slot per step:

- the slot is of the step's resource kind and, when the step names a specialty, of a resource of a
  service of that specialty (`eligibility.serves_specialty`), free (no booked appointment), starts
  after the lead time (`eligibility.bookable_from`) and within the horizon, at an organisation within
  the entry point's reach (`eligibility.within_reach_filter`), not on one of the patient's unavailable
  days (local Paris date), and this patient may use it: `eligibility.may_use`, the one priority rule
  (blocked, reserved for other pathways or urgent before release);
- order: steps are taken in increasing `order`, each starts once the previous one has ended
  (start_i >= end_{i-1}), which also covers `depends_on` between the steps planned (a step only
  depends on lower-order steps); steps after an already booked earlier step start after it;
- steps sharing a non-empty `same_day_group` (the diagnostic day: consultation then imaging,
  seed 001, fiche 4, « jour 1 ») are on the same local day and at one site (an organisation, or the
  organisations of one `Campus`: `eligibility.site_key`), and on the day and site of a booked member;
- objective: earliest finish (end of the last step), then earliest first start.

Alternatives: the best plan, then the best plan whose diagnostic day (local date of its first
booking) differs from the days already proposed, and so on. Booking a plan goes through
`services.appointments_book`, which takes all its slots or none.

The model: a boolean per (step, candidate slot), exactly one per step; they define each step's
start, end and day (integer minutes from `now`, day index), on which order (start >= end of the
previous step) and same day (equal day) are linear constraints; minimise finish × (span + 1) +
first start. Candidates are filtered first (`step_candidates`), so the model only holds usable
slots within the horizon. Time limit 5 s, 2 workers; [] when infeasible.

The model is pure (slot facts in, slot facts out: `solve_step_plans`); `propose_plans` loads the
slots (one query per resource kind) and builds `Plan`s. The batch planner (`batch.py`) shares the
slot facts and the rule on one slot (`slot_usable`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone
from ortools.sat.python import cp_model

from jalon.core.workcalendar import PARIS
from jalon.pathways.models import Milestone, MilestoneStatus
from jalon.scheduling.eligibility import (
    bookable_from,
    may_use,
    resource_site_key,
    resource_specialty,
    serves_specialty,
    usable_slots_filter,
    within_reach_filter,
)
from jalon.scheduling.models import Appointment, AppointmentStatus, Slot
from jalon.scheduling.services import BookingRequest

DEFAULT_TIME_LIMIT_SECONDS = 5.0
DEFAULT_WORKERS = 2


# --- slot facts and the rules on one slot ----------------------------------------------------------
@dataclass(frozen=True)
class SlotFact:
    """What the planners need to know of a slot, without the database (the benchmark builds them)."""

    id: int
    resource_kind: str
    start: datetime
    end: datetime
    reserved_for: tuple[str, ...] = ()
    urgent: bool = False
    release_at: datetime | None = None
    blocked: bool = False
    booked: bool = False
    released_at: datetime | None = None
    resource_id: int | None = None
    resource_name: str = ""
    site: str = ""  # `eligibility.site_key`: same-day steps share it ("" everywhere: one site)
    specialty: str = ""  # the `Specialty` code of the resource's service

    # The model's own definition of "released" (recorded, or its release time has come), not a copy:
    # with it, `may_use` applies to a SlotFact exactly as to a Slot.
    is_released = Slot.is_released

    @classmethod
    def from_slot(cls, slot: Slot, *, booked: bool = False) -> SlotFact:
        return cls(
            id=slot.pk,
            resource_kind=slot.resource.kind,
            start=slot.start,
            end=slot.end,
            reserved_for=tuple(slot.reserved_for or ()),
            urgent=slot.urgent,
            release_at=slot.release_at,
            blocked=slot.blocked,
            booked=booked,
            released_at=slot.released_at,
            resource_id=slot.resource_id,
            resource_name=slot.resource.name,
            site=resource_site_key(slot.resource),
            specialty=resource_specialty(slot.resource),
        )


def local_day(moment: datetime) -> date:
    return moment.astimezone(PARIS).date()


def slot_usable(
    slot: SlotFact,
    *,
    resource_kind: str,
    pathway_kind: str,
    priority: str,
    now: datetime,
    not_before: datetime | None = None,
    unavailable_days: Iterable[date] = frozenset(),
    specialty: str = "",
) -> bool:
    """May this patient's step take this slot, whatever the other steps? (`may_use` is the priority rule,
    `serves_specialty` the service's.)"""
    return (
        slot.resource_kind == resource_kind
        and serves_specialty(resource_specialty=slot.specialty, step_specialty=specialty)
        and not slot.booked
        and slot.start > now
        and (not_before is None or slot.start >= not_before)
        and local_day(slot.start) not in unavailable_days
        and may_use(slot=slot, pathway_kind=pathway_kind, priority=priority, now=now)
    )


# --- the pure model ------------------------------------------------------------------------------
@dataclass(frozen=True)
class StepSpec:
    """One step to plan. `depends_on` holds keys of other steps of the same plan that must end first;
    `not_before` / `not_after` bound its start / end; `day` and `site` pin its local day and site (a booked
    group member); `specialty` is the service's its resource must have."""

    key: object
    resource_kind: str
    label: str = ""
    same_day_group: str = ""
    depends_on: tuple = ()
    not_before: datetime | None = None
    not_after: datetime | None = None
    day: date | None = None
    site: str | None = None
    specialty: str = ""


def precedence_pairs(steps: Sequence[StepSpec]) -> list[tuple[int, int]]:
    """(before, after) index pairs: each step after the previous one in order, and after what it depends on."""
    index = {step.key: position for position, step in enumerate(steps)}
    pairs = {(position - 1, position) for position in range(1, len(steps))}
    for position, step in enumerate(steps):
        pairs.update((index[key], position) for key in step.depends_on if key in index and index[key] != position)
    return sorted(pairs)


def same_day_pairs(steps: Sequence[StepSpec]) -> list[tuple[int, int]]:
    """(first member, other member) index pairs of every non-empty same-day group."""
    first: dict[str, int] = {}
    pairs = []
    for position, step in enumerate(steps):
        if not step.same_day_group:
            continue
        if step.same_day_group in first:
            pairs.append((first[step.same_day_group], position))
        else:
            first[step.same_day_group] = position
    return pairs


class _Minutes:
    """Integer minutes from an origin: starts rounded down, ends up (never accepts an overlap)."""

    def __init__(self, origin: datetime):
        self.origin = origin

    def floor(self, moment: datetime) -> int:
        return int((moment - self.origin).total_seconds() // 60)

    def ceil(self, moment: datetime) -> int:
        return -int(-(moment - self.origin).total_seconds() // 60)


def step_candidates(
    steps: Sequence[StepSpec],
    slots: Iterable[SlotFact],
    *,
    pathway_kind: str,
    priority: str,
    now: datetime,
    unavailable_days: Iterable[date] = frozenset(),
    horizon_end: datetime | None = None,
) -> list[list[SlotFact]]:
    """For each step, the slots it could take on its own, by start."""
    unavailable = frozenset(unavailable_days)
    slots = [slot for slot in slots if horizon_end is None or slot.start < horizon_end]
    result = []
    for step in steps:
        result.append(
            sorted(
                (
                    slot
                    for slot in slots
                    if slot_usable(
                        slot,
                        resource_kind=step.resource_kind,
                        pathway_kind=pathway_kind,
                        priority=priority,
                        now=now,
                        not_before=step.not_before,
                        unavailable_days=unavailable,
                        specialty=step.specialty,
                    )
                    and (step.not_after is None or slot.end <= step.not_after)
                    and (step.day is None or local_day(slot.start) == step.day)
                    and (step.site is None or slot.site == step.site)
                ),
                key=lambda slot: (slot.start, slot.end, slot.id),
            )
        )
    return result


def solve_step_plans(
    *,
    steps: Sequence[StepSpec],
    slots: Iterable[SlotFact],
    pathway_kind: str,
    priority: str,
    now: datetime,
    unavailable_days: Iterable[date] = frozenset(),
    horizon_end: datetime | None = None,
    alternatives: int = 3,
    time_limit_seconds: float = DEFAULT_TIME_LIMIT_SECONDS,
    workers: int = DEFAULT_WORKERS,
) -> list[tuple[SlotFact, ...]]:
    """Up to `alternatives` plans (one slot per step, in the steps' order), best first, each on a
    diagnostic day (day of its first step) of its own; [] when no plan is feasible."""
    if not steps or alternatives < 1:
        return []
    candidates = step_candidates(
        steps,
        slots,
        pathway_kind=pathway_kind,
        priority=priority,
        now=now,
        unavailable_days=unavailable_days,
        horizon_end=horizon_end,
    )
    if any(not options for options in candidates):
        return []
    minutes = _Minutes(now)
    starts = [[minutes.floor(slot.start) for slot in options] for options in candidates]
    ends = [[minutes.ceil(slot.end) for slot in options] for options in candidates]
    all_days = sorted({local_day(slot.start) for options in candidates for slot in options})
    day_index = {day: position for position, day in enumerate(all_days)}
    site_index = {
        site: position
        for position, site in enumerate(sorted({slot.site for options in candidates for slot in options}))
    }
    span = max(max(row) for row in ends) + 1

    model = cp_model.CpModel()
    choose = [[model.new_bool_var(f"x{i}_{k}") for k in range(len(options))] for i, options in enumerate(candidates)]
    start_vars, end_vars, day_vars, site_vars = [], [], [], []
    for i, options in enumerate(candidates):
        model.add_exactly_one(choose[i])
        start = model.new_int_var(min(starts[i]), max(starts[i]), f"start{i}")
        end = model.new_int_var(min(ends[i]), max(ends[i]), f"end{i}")
        days = [day_index[local_day(slot.start)] for slot in options]
        day = model.new_int_var(min(days), max(days), f"day{i}")
        model.add(start == cp_model.LinearExpr.weighted_sum(choose[i], starts[i]))
        model.add(end == cp_model.LinearExpr.weighted_sum(choose[i], ends[i]))
        model.add(day == cp_model.LinearExpr.weighted_sum(choose[i], days))
        sites = [site_index[slot.site] for slot in options]
        site = model.new_int_var(min(sites), max(sites), f"site{i}")
        model.add(site == cp_model.LinearExpr.weighted_sum(choose[i], sites))
        start_vars.append(start)
        end_vars.append(end)
        day_vars.append(day)
        site_vars.append(site)
    for before, after in precedence_pairs(steps):
        model.add(start_vars[after] >= end_vars[before])
    for first, other in same_day_pairs(steps):
        # The diagnostic day: one day, one site (an organisation, or the organisations of one campus).
        model.add(day_vars[first] == day_vars[other])
        model.add(site_vars[first] == site_vars[other])
    finish = model.new_int_var(0, span, "finish")
    model.add_max_equality(finish, end_vars)
    first_start = model.new_int_var(0, span, "first_start")
    model.add_min_equality(first_start, start_vars)
    # Lexicographic: any minute saved on the finish outweighs the first start.
    model.minimize(finish * (span + 1) + first_start)

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_seconds
    solver.parameters.num_workers = workers
    # Probing and symmetry detection take most of the time on three weeks of slots (0.8 s a solve
    # instead of 0.1 s on 3,000 candidates) and find nothing this model needs.
    solver.parameters.cp_model_probing_level = 0
    solver.parameters.symmetry_level = 0
    plans: list[tuple[SlotFact, ...]] = []
    while len(plans) < alternatives:
        status = solver.solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            break
        plan = tuple(
            next(slot for slot, x in zip(options, choose[i], strict=True) if solver.boolean_value(x))
            for i, options in enumerate(candidates)
        )
        plans.append(plan)
        taken_day = local_day(min(plan, key=lambda slot: slot.start).start)
        # The next alternative's diagnostic day differs: no step may start on this day before all the
        # others do, i.e. the step that comes first (step 0, as every step follows the previous one).
        for slot, x in zip(candidates[0], choose[0], strict=True):
            if local_day(slot.start) == taken_day:
                model.add(x == 0)
    return plans


# --- the database side ---------------------------------------------------------------------------
@dataclass(frozen=True)
class PlannedBooking:
    milestone_id: int
    milestone_label: str
    slot_id: int
    resource_id: int
    resource_name: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Plan:
    bookings: tuple[PlannedBooking, ...]
    finish: datetime = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "finish", max(booking.end for booking in self.bookings))

    @property
    def first_start(self) -> datetime:
        return min(booking.start for booking in self.bookings)

    @property
    def day(self) -> date:
        """The diagnostic day: local date of the first booking."""
        return local_day(self.first_start)


def bookable_milestones(pathway) -> list[Milestone]:
    """The pathway's pending steps that book a resource and have no booked appointment, in order."""
    booked = Appointment.objects.filter(milestone=OuterRef("pk"), status=AppointmentStatus.BOOKED)
    return list(
        pathway.milestones.filter(status=MilestoneStatus.PENDING)
        .exclude(template__resource_kind="")
        .exclude(Exists(booked))
        .select_related("template")
        .order_by("order")
    )


def load_slot_facts(
    *, resource_kind: str, pathway_kind: str, priority: str, now: datetime, until: datetime, entry_point=None
) -> list[SlotFact]:
    """Free slots of one resource kind starting from the lead time (`bookable_from`) until `until`, within
    the entry point's reach when one is given: one query. `usable_slots_filter` is the coarse SQL side of
    the priority rule; `may_use` decides each slot in `solve_step_plans`."""
    booked = Appointment.objects.filter(slot=OuterRef("pk"), status=AppointmentStatus.BOOKED)
    slots = Slot.objects.filter(
        resource__kind=resource_kind,
        resource__is_active=True,
        start__gt=now,
        start__gte=bookable_from(now),
        start__lt=until,
    )
    if entry_point is not None:
        slots = slots.filter(within_reach_filter(entry_point))
    slots = (
        slots.filter(usable_slots_filter(pathway_kind=pathway_kind, priority=priority, now=now))
        .exclude(Exists(booked))
        .select_related("resource__service", "resource__organization__campus_site")
        .order_by("start", "resource_id")
    )
    return [SlotFact.from_slot(slot) for slot in slots]


def _booked_context(pathway, milestones) -> list[tuple]:
    """(order, same_day_group, start, end, site) of the pathway's booked appointments of steps not being
    planned, but those on slots a closure blocked."""
    planned = [milestone.pk for milestone in milestones]
    return [
        (
            appointment.milestone.order,
            appointment.milestone.template.same_day_group,
            appointment.slot.start,
            appointment.slot.end,
            resource_site_key(appointment.slot.resource),
        )
        for appointment in Appointment.objects.filter(
            pathway=pathway, status=AppointmentStatus.BOOKED, milestone__isnull=False
        )
        .exclude(milestone_id__in=planned)
        .exclude(slot__blocked=True)  # closed after booking: to be rebooked, it binds nothing
        .select_related("slot__resource__organization__campus_site", "milestone__template")
    ]


def propose_plans(
    *,
    pathway,
    milestones=None,
    now: datetime | None = None,
    unavailable_days: frozenset[date] = frozenset(),
    horizon_days: int = 21,
    alternatives: int = 3,
    time_limit_seconds: float = DEFAULT_TIME_LIMIT_SECONDS,
) -> list[Plan]:
    """The best plans for `milestones` (default: `bookable_milestones(pathway)`), best first, each on its
    own diagnostic day; [] when none is feasible within `horizon_days`."""
    now = now or timezone.now()
    milestones = sorted(bookable_milestones(pathway) if milestones is None else milestones, key=lambda m: m.order)
    milestones = [milestone for milestone in milestones if milestone.template.resource_kind]
    if not milestones:
        return []
    pathway_kind = pathway.template_version.template.kind
    horizon_end = now + timedelta(days=horizon_days)
    earliest = bookable_from(now)
    booked = _booked_context(pathway, milestones)
    code_to_pk = {milestone.code: milestone.pk for milestone in milestones}
    steps = []
    for milestone in milestones:
        template = milestone.template
        earlier_ends = [end for order, _group, _start, end, _site in booked if order < milestone.order]
        later_starts = [start for order, _group, start, _end, _site in booked if order > milestone.order]
        members = [
            (start, site) for _order, group, start, _end, site in booked if group and group == template.same_day_group
        ]
        group_days = {local_day(start) for start, _site in members}
        group_sites = {site for _start, site in members}
        if len(group_days) > 1 or len(group_sites) > 1:
            return []  # the booked members of its group are already on different days or sites
        steps.append(
            StepSpec(
                key=milestone.pk,
                label=milestone.label,
                resource_kind=template.resource_kind,
                same_day_group=template.same_day_group,
                depends_on=tuple(code_to_pk[code] for code in template.depends_on or () if code in code_to_pk),
                not_before=max([earliest, *earlier_ends]),
                not_after=min(later_starts, default=None),
                day=next(iter(group_days), None),
                site=next(iter(group_sites), None),
                specialty=template.specialty,
            )
        )
    slots = []
    for resource_kind in sorted({step.resource_kind for step in steps}):
        slots += load_slot_facts(
            resource_kind=resource_kind,
            pathway_kind=pathway_kind,
            priority=pathway.priority,
            now=now,
            until=horizon_end,
            entry_point=pathway.referral.entry_point,
        )
    chosen = solve_step_plans(
        steps=steps,
        slots=slots,
        pathway_kind=pathway_kind,
        priority=pathway.priority,
        now=now,
        unavailable_days=unavailable_days,
        horizon_end=horizon_end,
        alternatives=alternatives,
        time_limit_seconds=time_limit_seconds,
    )
    return [
        Plan(
            bookings=tuple(
                PlannedBooking(
                    milestone_id=milestone.pk,
                    milestone_label=milestone.label,
                    slot_id=slot.id,
                    resource_id=slot.resource_id,
                    resource_name=slot.resource_name,
                    start=slot.start,
                    end=slot.end,
                )
                for milestone, slot in zip(milestones, plan, strict=True)
            )
        )
        for plan in chosen
    ]


def plan_booking_requests(plan: Plan) -> list[BookingRequest]:
    """The `appointments_book` requests for a plan (two queries), to book it all or nothing."""
    milestones = Milestone.objects.select_related("template").in_bulk(
        [booking.milestone_id for booking in plan.bookings]
    )
    slots = Slot.objects.select_related("resource").in_bulk([booking.slot_id for booking in plan.bookings])
    return [
        BookingRequest(milestone=milestones[booking.milestone_id], slot=slots[booking.slot_id])
        for booking in plan.bookings
    ]
