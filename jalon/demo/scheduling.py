"""The schedules of the demo (`load_demo`): the resources of the demo hospital and clinic, their weekly
openings, three weeks of slots, and a few diagnostic days booked for accepted pathways.

Openings follow the organisation described in seed 001, fiche 4 (Gustave Roussy): consultations in the
morning, CT and MRI in the afternoon, two « journées diagnostiques » a week (Tuesday and Thursday) whose
slots are reserved for lung and pancreas pathways and released to everyone 48 working hours before if
unused, endoscopic ultrasound or biopsy the next day, and one urgent slot a day per imaging resource,
kept for P1 patients until the day before. Every template's reception has a consultation of its specialty
(pneumology, hepato-gastroenterology, senology, haematology, endocrinology, neuro-oncology, medical oncology),
each with morning slots kept for its pathways on the diagnostic days, and ultrasound-guided biopsies (breast,
thyroid, lymph node) have their own slots. The resources and their openings are data/resources.json.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.utils import timezone

from jalon.accounts.models import Role, User
from jalon.core.actor import Actor
from jalon.core.vocabulary import ResourceKind
from jalon.demo.datafiles import demo_data
from jalon.directory.models import Organization, Professional, Service
from jalon.events.models import Event
from jalon.pathways.models import Milestone, MilestoneStatus, Pathway, PathwayStatus
from jalon.scheduling.eligibility import may_use
from jalon.scheduling.errors import SchedulingError
from jalon.scheduling.models import Appointment, AppointmentStatus, Resource, Slot, WeeklyOpening
from jalon.scheduling.services import BookingRequest, appointments_book, slots_generate

WEEKS = 3
DIAGNOSTIC_DAYS = (1, 3)  # Tuesday and Thursday
RESERVED_RELEASE = (48, "working_hours")
URGENT_RELEASE = (24, "hours")
BOOKED_PATHWAYS = 6  # a few accepted pathways get their diagnostic day; the others are left to the planner


@dataclass(frozen=True)
class Opening:
    weekdays: tuple[int, ...]
    start: time
    end: time
    minutes: int = 30
    reserved_for: tuple[str, ...] = ()
    urgent: bool = False

    @property
    def release(self) -> tuple[int, str] | tuple[None, str]:
        if self.reserved_for:
            return RESERVED_RELEASE
        if self.urgent:
            return URGENT_RELEASE
        return (None, "")


@dataclass(frozen=True)
class ResourceSpec:
    key: str
    site: str  # "hospital" or "clinic"
    kind: str
    name: str
    location: str
    preparation: str
    service: str = ""  # the demo service whose secretariat answers (and whose doctor holds a consultation)
    specialty: str = ""  # for a consultation: the specialty of the doctor who holds it
    openings: tuple[Opening, ...] = field(default_factory=tuple)


def _opening(row: dict) -> Opening:
    return Opening(
        weekdays=tuple(row["weekdays"]),
        start=time.fromisoformat(row["start"]),
        end=time.fromisoformat(row["end"]),
        minutes=row.get("minutes", 30),
        reserved_for=tuple(row.get("reserved_for", ())),
        urgent=row.get("urgent", False),
    )


def demo_resources() -> tuple[ResourceSpec, ...]:
    """The resources of data/resources.json, each with its preparation text and weekly openings."""
    data = demo_data("resources")
    return tuple(
        ResourceSpec(
            **{
                **row,
                "preparation": data["preparations"][row["preparation"]],
                "openings": tuple(_opening(opening) for opening in row["openings"]),
            }
        )
        for row in data["resources"]
    )


DIAGNOSTIC = ("lung", "pancreas_biliary")

# Which consultation receives which pathway (the « reception » step: the service of the specialty the template's
# step names, pathways/migrations/0012_step_specialties).
CONSULTATION_OF = {
    "lung": "pneumology",
    "pancreas_biliary": "gastro",
    "liver": "gastro",
    "digestive": "gastro",
    "breast": "senology",
    "lymphoma": "haematology",
    "thyroid": "endocrinology",
    "glioblastoma": "neuro_oncology",
}
DEFAULT_CONSULTATION = "oncology"


def create_demo_schedules(*, hospital: Organization, clinic: Organization, now: datetime) -> dict[str, Resource]:
    """Create the demo resources with their openings and three weeks of slots from today, then book the
    diagnostic day of a few accepted pathways. Returns the resources by key."""
    sites = {"hospital": hospital, "clinic": clinic}
    today = timezone.localdate(now)
    resources = {spec.key: _resource_create(spec, sites[spec.site], today=today) for spec in demo_resources()}
    _book_diagnostic_days(resources, now=now)
    return resources


def _resource_create(spec: ResourceSpec, organization: Organization, *, today) -> Resource:
    """One resource with its weekly openings from today and its slots of the next weeks."""
    service = Service.objects.filter(organization=organization, name=spec.service).first() if spec.service else None
    professional = _doctor(organization, spec.specialty) if spec.kind == ResourceKind.CONSULTATION else None
    name = f"{spec.name} – {professional.display_name}" if professional else spec.name
    resource = Resource.objects.create(
        organization=organization,
        service=service,
        kind=spec.kind,
        name=name[:200],
        professional=professional,
        location=spec.location,
        preparation=spec.preparation,
        contact_phone=(service.phone if service and service.phone else organization.phone)[:20],
    )
    WeeklyOpening.objects.bulk_create(
        WeeklyOpening(
            resource=resource,
            weekday=weekday,
            start_time=opening.start,
            end_time=opening.end,
            slot_minutes=opening.minutes,
            reserved_for=list(opening.reserved_for),
            urgent=opening.urgent,
            release_amount=opening.release[0],
            release_unit=opening.release[1],
            valid_from=today,
        )
        for opening in spec.openings
        for weekday in opening.weekdays
    )
    slots_generate(resource=resource, start=today, end=today + timedelta(weeks=WEEKS))
    return resource


def _doctor(organization: Organization, specialty: str) -> Professional | None:
    if not specialty:
        return None
    return (
        Professional.objects.filter(memberships__organization=organization, specialty=specialty).order_by("pk").first()
    )


def _book_diagnostic_days(resources: dict[str, Resource], *, now: datetime) -> None:
    """A few accepted pathways (lung and pancreas first) get their diagnostic day booked — or, once it is
    done, their next step: the earliest day from tomorrow (a diagnostic day for lung and pancreas) where
    every step has a slot they may use, in the template's order."""
    booked = 0
    pathways = sorted(
        Pathway.objects.filter(status=PathwayStatus.ACTIVE).select_related("template_version__template", "referral"),
        key=lambda pathway: (pathway.template_version.template.kind not in DIAGNOSTIC, pathway.started_at, pathway.pk),
    )
    for pathway in pathways:
        if booked >= BOOKED_PATHWAYS:
            return
        to_book = list(
            Milestone.objects.filter(pathway=pathway, status=MilestoneStatus.PENDING)
            .exclude(template__resource_kind="")
            .exclude(appointments__status=AppointmentStatus.BOOKED)
            .select_related("template")
            .order_by("order")
        )
        steps = [step for step in to_book if step.template.same_day_group == "diagnostic_day"]
        if not steps:  # diagnostic day done: the next step whose prerequisites are done (PET-CT, biopsy, endoscopy...)
            done = set(pathway.milestones.filter(status=MilestoneStatus.DONE).values_list("code", flat=True))
            steps = [step for step in to_book if set(step.template.depends_on) <= done][:1]
        if not steps:
            continue
        requests = _earliest_day(pathway, steps, resources, now=now)
        if not requests:
            continue
        try:
            appointments_book(actor=_coordinator_of(pathway), pathway=pathway, requests=requests)
        except SchedulingError:
            continue
        booked += 1


def _earliest_day(
    pathway: Pathway, steps: list[Milestone], resources: dict[str, Resource], *, now: datetime
) -> list[BookingRequest]:
    kind = pathway.template_version.template.kind
    consultation = resources[CONSULTATION_OF.get(kind, DEFAULT_CONSULTATION)]
    candidates = {}
    for step in steps:
        resource_kind = step.template.resource_kind
        if resource_kind == ResourceKind.CONSULTATION:
            candidates[step.pk] = [consultation]
        else:
            candidates[step.pk] = [resource for resource in resources.values() if resource.kind == resource_kind]
        if not candidates[step.pk]:
            return []
    taken = set(Appointment.objects.filter(status=AppointmentStatus.BOOKED).values_list("slot_id", flat=True))
    free = [
        slot
        for slot in Slot.objects.filter(
            resource__in={resource for options in candidates.values() for resource in options},
            start__gte=now + timedelta(days=1),
        )
        .select_related("resource")
        .order_by("start", "pk")
        if slot.pk not in taken and may_use(slot=slot, pathway_kind=kind, priority=pathway.priority, now=now)
    ]
    # Lung and pancreas pathways go to the diagnostic days, on the slots kept for them.
    free.sort(key=lambda slot: (kind not in slot.reserved_for, slot.start, slot.pk))
    days = sorted(
        {timezone.localdate(slot.start) for slot in free},
        key=lambda day: (kind in DIAGNOSTIC and day.weekday() not in DIAGNOSTIC_DAYS, day),
    )
    for day in days:
        requests, not_before = [], None
        for step in steps:
            slot = next(
                (
                    slot
                    for slot in free
                    if timezone.localdate(slot.start) == day
                    and slot.resource in candidates[step.pk]
                    and (not_before is None or slot.start >= not_before)
                ),
                None,
            )
            if slot is None:
                break
            requests.append(BookingRequest(milestone=step, slot=slot))
            not_before = slot.end + timedelta(minutes=30)  # time to walk from one department to the next
        else:
            return requests
    return []


def _coordinator_of(pathway: Pathway) -> Actor:
    """The coordinator who accepted the pathway books its appointments."""
    started = Event.objects.filter(kind="pathway.started", referral_id=pathway.referral_id).exclude(actor=None).first()
    user = started.actor if started else User.objects.filter(role=Role.COORDINATOR).order_by("pk").first()
    return Actor(user=user, channel="web")
