"""Reads of schedules: a pathway's appointments, the planner's proposals put into rows, the booking
requests a submitted proposal names, and the availability grid of a week. Access is decided by
jalon.referrals.access (and the pathway by jalon.pathways.selectors.pathway_for_user)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jalon.core.vocabulary import PathwayKind, ResourceKind
from jalon.pathways.models import Milestone, MilestoneStatus
from jalon.referrals.access import referrals_visible_to
from jalon.scheduling.errors import SchedulingError, SchedulingErrorCode
from jalon.scheduling.models import Appointment, AppointmentStatus, Resource, Slot
from jalon.scheduling.services import BookingRequest

# --- a pathway's appointments (the pathway page) -------------------------------------------------


@dataclass(frozen=True)
class LetterGroup:
    """A booking group with booked appointments: one patient letter."""

    group: str
    first_start: datetime
    labels: tuple[str, ...]


@dataclass
class PathwayAppointments:
    rows: list[Appointment]
    letter_groups: list[LetterGroup]
    has_bookable_steps: bool

    @property
    def has_booked(self) -> bool:
        return any(row.status == AppointmentStatus.BOOKED for row in self.rows)


def pathway_appointments(pathway, milestones: list[Milestone]) -> PathwayAppointments:
    """The pathway's appointments, booked and cancelled, oldest slot first (one query), its letters, and
    whether some pending step still needs a booking (from `milestones`, already loaded with their template)."""
    rows = list(
        Appointment.objects.filter(pathway_id=pathway.pk)
        .select_related("slot__resource__organization", "milestone", "cancelled_by", "booked_by")
        .order_by("slot__start", "id")
    )
    booked = [row for row in rows if row.status == AppointmentStatus.BOOKED]
    booked_milestones = {row.milestone_id for row in booked}
    by_group: dict[str, list[Appointment]] = defaultdict(list)
    for row in booked:
        by_group[str(row.group)].append(row)
    letter_groups = sorted(
        (
            LetterGroup(
                group=group,
                first_start=items[0].slot.start,
                labels=tuple(item.milestone.label if item.milestone_id else item.slot.resource.name for item in items),
            )
            for group, items in by_group.items()
        ),
        key=lambda letter: letter.first_start,
    )
    has_bookable = any(
        milestone.status == MilestoneStatus.PENDING
        and milestone.template.resource_kind
        and milestone.pk not in booked_milestones
        for milestone in milestones
    )
    return PathwayAppointments(rows=rows, letter_groups=letter_groups, has_bookable_steps=has_bookable)


def appointment_of(pathway, appointment_id: int) -> Appointment:
    """An appointment of this pathway (404 for any other id)."""
    appointment = (
        Appointment.objects.filter(pk=appointment_id, pathway_id=pathway.pk)
        .select_related("slot__resource__organization", "milestone")
        .first()
    )
    if appointment is None:
        raise Http404
    return appointment


def booking_group_of(pathway, group) -> list[Appointment]:
    """The booked appointments of one booking group of this pathway, by time (404 when there is none)."""
    appointments = list(
        Appointment.objects.filter(pathway_id=pathway.pk, group=group, status=AppointmentStatus.BOOKED)
        .select_related("slot__resource__organization__commune", "milestone")
        .order_by("slot__start", "id")
    )
    if not appointments:
        raise Http404
    return appointments


def booked_appointments_of(pathway) -> list[Appointment]:
    """Every booked appointment of the pathway, by time (the professionals' calendar)."""
    return list(
        Appointment.objects.filter(pathway_id=pathway.pk, status=AppointmentStatus.BOOKED)
        .select_related("slot__resource__organization__commune", "milestone")
        .order_by("slot__start", "id")
    )


def reschedulable_milestone(pathway, milestone_id: int) -> Milestone:
    """A pending step of this pathway that books a resource and has a booked appointment (404 otherwise)."""
    milestone = (
        Milestone.objects.filter(
            pk=milestone_id,
            pathway_id=pathway.pk,
            status=MilestoneStatus.PENDING,
            appointments__status=AppointmentStatus.BOOKED,
        )
        .exclude(template__resource_kind="")
        .select_related("template")
        .first()
    )
    if milestone is None:
        raise Http404
    return milestone


# --- the planner's proposals, ready for the page ---------------------------------------------------


@dataclass(frozen=True)
class ProposalRow:
    milestone_label: str
    start: datetime
    end: datetime
    resource_name: str
    place: str
    kind_label: str
    on_diagnostic_day: bool


@dataclass(frozen=True)
class Proposal:
    number: int
    rows: tuple[ProposalRow, ...]
    choices: tuple[str, ...]  # "milestone_id:slot_id", what the booking form sends back
    finish: datetime
    diagnostic_day: date | None


def proposals_for_page(plans, milestones: list[Milestone]) -> list[Proposal]:
    """Each plan with its places and its diagnostic day (two or more steps of a same-day group on one
    day) marked; one query for the resources of every plan."""
    from jalon.scheduling.documents import place_of

    groups = {milestone.pk: milestone.template.same_day_group for milestone in milestones}
    resources = Resource.objects.select_related("organization__commune").in_bulk(
        {booking.resource_id for plan in plans for booking in plan.bookings}
    )
    proposals = []
    for number, plan in enumerate(plans, start=1):
        per_group_day: dict[tuple[str, date], int] = defaultdict(int)
        for booking in plan.bookings:
            if groups.get(booking.milestone_id):
                per_group_day[(groups[booking.milestone_id], timezone.localdate(booking.start))] += 1
        shared = {key for key, count in per_group_day.items() if count > 1}
        rows = []
        for booking in plan.bookings:
            resource = resources.get(booking.resource_id)
            rows.append(
                ProposalRow(
                    milestone_label=booking.milestone_label,
                    start=booking.start,
                    end=booking.end,
                    resource_name=booking.resource_name,
                    place=place_of(resource) if resource else "",
                    kind_label=str(ResourceKind(resource.kind).label) if resource else "",
                    on_diagnostic_day=(groups.get(booking.milestone_id), timezone.localdate(booking.start)) in shared,
                )
            )
        days = sorted({day for _group, day in shared})
        proposals.append(
            Proposal(
                number=number,
                rows=tuple(rows),
                choices=tuple(f"{booking.milestone_id}:{booking.slot_id}" for booking in plan.bookings),
                finish=plan.finish,
                diagnostic_day=days[0] if days else None,
            )
        )
    return proposals


def booking_requests(
    pathway, pairs: list[tuple[int, int]], *, reschedule_milestone_id: int | None = None
) -> list[BookingRequest]:
    """The requests a submitted proposal names, or a SchedulingError in French when a step or a slot is
    not one this pathway may book (a forged or stale form): two queries. A reschedule books its one
    step only; otherwise a step already booked is refused (it would get a second appointment)."""
    reschedule = reschedule_milestone_id is not None
    if reschedule and any(milestone_id != reschedule_milestone_id for milestone_id, _slot_id in pairs):
        raise SchedulingError(
            SchedulingErrorCode.INVALID_INPUT, _("Seule l'étape reprogrammée peut être réservée ici.")
        )
    milestone_ids = {milestone_id for milestone_id, _slot_id in pairs}
    milestones = (
        Milestone.objects.filter(pathway_id=pathway.pk, pk__in=milestone_ids)
        .select_related("template")
        .prefetch_related(
            Prefetch("appointments", Appointment.objects.filter(status=AppointmentStatus.BOOKED), to_attr="booked")
        )
        .in_bulk()
    )
    slots = Slot.objects.select_related("resource").in_bulk({slot_id for _milestone_id, slot_id in pairs})
    requests = []
    for milestone_id, slot_id in pairs:
        milestone, slot = milestones.get(milestone_id), slots.get(slot_id)
        if milestone is None:
            raise SchedulingError(
                SchedulingErrorCode.INVALID_INPUT, _("Une des étapes choisies n'appartient pas à ce parcours.")
            )
        if slot is None:
            raise SchedulingError(
                SchedulingErrorCode.INVALID_INPUT,
                _("Un des créneaux choisis n'existe pas ou plus : choisissez une autre proposition."),
            )
        if milestone.status != MilestoneStatus.PENDING or not milestone.template.resource_kind:
            raise SchedulingError(
                SchedulingErrorCode.INVALID_INPUT,
                _("L'étape « %(label)s » n'est pas à réserver.") % {"label": milestone.label},
            )
        if milestone.booked and not reschedule:
            raise SchedulingError(
                SchedulingErrorCode.INVALID_INPUT,
                _("L'étape « %(label)s » a déjà un rendez-vous : reprogrammez-la depuis la page du parcours.")
                % {"label": milestone.label},
            )
        requests.append(BookingRequest(milestone=milestone, slot=slot))
    return requests


# --- the availability grid ------------------------------------------------------------------------

SLOT_STATES = {
    # state: (label, css class); the label is always written out, the colour only repeats it.
    "free": (gettext_lazy("Libre"), "slot-free"),
    "reserved": (gettext_lazy("Sanctuarisé"), "slot-reserved"),
    "urgent": (gettext_lazy("Urgence (P1)"), "slot-urgent"),
    "booked": (gettext_lazy("Réservé"), "slot-booked"),
    "blocked": (gettext_lazy("Bloqué"), "slot-blocked"),
    "released": (gettext_lazy("Libéré"), "slot-released"),
}
PATHWAY_KIND_LABELS = dict(PathwayKind.choices)


def slot_state(slot: Slot, *, booked: bool, now: datetime) -> str:
    """free, reserved (for some pathways), urgent, booked, blocked or released (was restricted, now for all)."""
    if booked:
        return "booked"
    if slot.blocked:
        return "blocked"
    if slot.is_restricted and slot.is_released(now):
        return "released"
    if slot.urgent:
        return "urgent"
    if slot.reserved_for:
        return "reserved"
    return "free"


@dataclass(frozen=True)
class GridEntry:
    slot: Slot
    state: str
    detail: str = ""
    reference: str = ""  # the booking's referral, only when the user reaches it
    patient_name: str = ""

    @property
    def label(self) -> str:
        return str(SLOT_STATES[self.state][0])

    @property
    def css_class(self) -> str:
        return SLOT_STATES[self.state][1]


@dataclass(frozen=True)
class GridRow:
    time: str
    cells: tuple[tuple[GridEntry, ...], ...]


@dataclass
class AvailabilityWeek:
    kind: str
    monday: date
    days: list[date]
    rows: list[GridRow]
    resource_names: list[str]
    patient_ids: set[int] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=dict)
    # When a restricted slot of the week is next released by the clock (its state changes with no write).
    next_change_at: datetime | None = None

    @property
    def kind_label(self) -> str:
        return str(ResourceKind(self.kind).label)

    @property
    def previous_monday(self) -> date:
        return self.monday - timedelta(days=7)

    @property
    def next_monday(self) -> date:
        return self.monday + timedelta(days=7)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def legend(self) -> list[tuple[str, str, int]]:
        return [(str(label), css, self.counts.get(state, 0)) for state, (label, css) in SLOT_STATES.items()]


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def availability_week(user, *, kind: str, monday: date, now: datetime | None = None) -> AvailabilityWeek:
    """The slots of active resources of `kind` in the week of `monday`, by local start time and day.

    Three queries whatever the number of slots: the slots with their resource, their booked
    appointment (prefetched with pathway, referral and patient), and which of those referrals the user
    reaches. A booking shows its reference and patient only to a user who reaches its referral;
    others see « Réservé »."""
    now = now or timezone.now()
    monday = monday_of(monday)
    start = timezone.make_aware(datetime.combine(monday, datetime.min.time()))
    end = timezone.make_aware(datetime.combine(monday + timedelta(days=7), datetime.min.time()))
    booked = Appointment.objects.filter(status=AppointmentStatus.BOOKED).select_related(
        "pathway__referral", "pathway__patient"
    )
    slots = list(
        Slot.objects.filter(resource__kind=kind, resource__is_active=True, start__gte=start, start__lt=end)
        .select_related("resource")
        .prefetch_related(Prefetch("appointments", booked, to_attr="booked"))
        .order_by("start", "resource__name", "resource_id")
    )
    referral_ids = {slot.booked[0].pathway.referral_id for slot in slots if slot.booked}
    visible = (
        set(referrals_visible_to(user).filter(pk__in=referral_ids).values_list("pk", flat=True))
        if referral_ids
        else set()
    )

    days = [monday + timedelta(days=offset) for offset in range(5)]
    if any(timezone.localtime(slot.start).weekday() >= 5 for slot in slots):
        days = [monday + timedelta(days=offset) for offset in range(7)]
    column = {day: position for position, day in enumerate(days)}
    table: dict[str, list[list[GridEntry]]] = {}
    counts: dict[str, int] = defaultdict(int)
    patient_ids: set[int] = set()
    next_change_at = None
    for slot in slots:
        local = timezone.localtime(slot.start)
        if slot.released_at is None and slot.release_at is not None and slot.release_at > now:
            next_change_at = min(next_change_at or slot.release_at, slot.release_at)
        appointment = slot.booked[0] if slot.booked else None
        state = slot_state(slot, booked=appointment is not None, now=now)
        detail, reference, patient_name = "", "", ""
        if state == "reserved":
            detail = _("parcours %(kinds)s") % {
                "kinds": ", ".join(str(PATHWAY_KIND_LABELS.get(kind, kind)) for kind in slot.reserved_for)
            }
        elif state == "blocked":
            detail = slot.blocked_reason
        elif state == "booked" and appointment.pathway.referral_id in visible:
            reference = appointment.pathway.referral.reference
            patient_name = appointment.pathway.patient.display_name
            patient_ids.add(appointment.pathway.patient_id)
        counts[state] += 1
        cells = table.setdefault(f"{local:%H:%M}", [[] for _day in days])
        cells[column[local.date()]].append(
            GridEntry(slot=slot, state=state, detail=detail, reference=reference, patient_name=patient_name)
        )
    rows = [GridRow(time=time, cells=tuple(tuple(cell) for cell in table[time])) for time in sorted(table)]
    names = sorted({slot.resource.name for slot in slots})
    return AvailabilityWeek(
        kind=kind,
        monday=monday,
        days=days,
        rows=rows,
        resource_names=names,
        patient_ids=patient_ids,
        counts=dict(counts),
        next_change_at=next_change_at,
    )


def appointments_to_rebook(user, *, now: datetime | None = None) -> list[Appointment]:
    """Booked appointments still to come on slots a closure blocked, of the referrals of the user's
    organisations' entry points (those the user coordinates), soonest first: the coordination rebooks them (the
    planner's reschedule)."""
    now = now or timezone.now()
    return list(
        Appointment.objects.filter(
            status=AppointmentStatus.BOOKED,
            slot__blocked=True,
            slot__start__gt=now,
            pathway__referral__entry_point__organization_id__in=user.organization_ids(),
        )
        .select_related("slot__resource__organization", "milestone", "pathway__referral", "pathway__patient")
        .order_by("slot__start", "pk")
    )


def closable_resources(user):
    """The active resources of the user's organisations: a site declares its own closures."""
    return Resource.objects.filter(is_active=True, organization_id__in=user.organization_ids()).select_related(
        "organization"
    )
