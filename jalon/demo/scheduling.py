"""The schedules of the demo (`load_demo`): the resources of the demo hospital and clinic, their weekly
openings, three weeks of slots, and a few diagnostic days booked for accepted pathways.

Openings follow the organisation described in seed 001, fiche 4 (Gustave Roussy): consultations in the
morning, CT and MRI in the afternoon, two « journées diagnostiques » a week (Tuesday and Thursday) whose
slots are reserved for lung and pancreas pathways and released to everyone 48 working hours before if
unused, endoscopic ultrasound or biopsy the next day, and one urgent slot a day per imaging resource,
kept for P1 patients until the day before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.utils import timezone

from jalon.accounts.models import Role, User
from jalon.core.actor import Actor
from jalon.core.vocabulary import ResourceKind
from jalon.directory.models import Organization, Professional, Service
from jalon.events.models import Event
from jalon.pathways.models import Milestone, MilestoneStatus, Pathway, PathwayStatus
from jalon.scheduling.eligibility import may_use
from jalon.scheduling.errors import SchedulingError
from jalon.scheduling.models import Appointment, AppointmentStatus, Resource, Slot, WeeklyOpening
from jalon.scheduling.services import BookingRequest, appointments_book, slots_generate

WEEKS = 3
WEEKDAYS = range(5)
DIAGNOSTIC_DAYS = (1, 3)  # Tuesday and Thursday
DAYS_AFTER = (2, 4)  # Wednesday and Friday: endoscopic ultrasound or biopsy the next day
RESERVED_RELEASE = (48, "working_hours")
URGENT_RELEASE = (24, "hours")
BOOKED_PATHWAYS = 6  # a few accepted pathways get their diagnostic day; the others are left to the planner

FASTING = "À jeun depuis 6 heures, apporter vos anciens examens (comptes rendus et images)."
NOTHING = "Pas de préparation particulière. Apporter vos anciens examens et la liste de vos médicaments."
CT_PREPARATION = (
    "À jeun depuis 4 heures. Signaler une allergie à l'iode, un diabète ou une insuffisance rénale ; "
    "apporter une créatininémie de moins de 3 mois et vos anciens examens."
)
MRI_PREPARATION = (
    "Pas de préparation particulière. Signaler tout pacemaker, valve ou implant métallique ; "
    "retirer bijoux et objets métalliques. Apporter vos anciens examens."
)
PET_PREPARATION = (
    "À jeun depuis 6 heures (eau plate autorisée), pas d'effort physique la veille. Diabétique : "
    "appeler le service avant l'examen. Prévoir environ 3 heures sur place."
)
ENDOSCOPY_PREPARATION = (
    "À jeun depuis 6 heures (ni boire, ni manger, ni fumer). Examen sous anesthésie : venir accompagné, "
    "ne pas conduire le jour même. Apporter vos anciens examens et votre carte de groupe sanguin."
)
BIOPSY_PREPARATION = (
    "À jeun depuis 6 heures. Apporter un bilan de coagulation récent ; signaler tout traitement "
    "anticoagulant ou antiagrégant (ne pas l'arrêter sans avis médical). Venir accompagné."
)
DAY_HOSPITAL_PREPARATION = "Prévoir la journée. Apporter vos ordonnances, vos anciens examens et de quoi vous occuper."


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


OTHER_DAYS = tuple(day for day in WEEKDAYS if day not in DIAGNOSTIC_DAYS)


def _imaging_afternoons(reserved_for: tuple[str, ...]) -> tuple[Opening, ...]:
    """13:30–17:30 every weekday (the diagnostic-day block 14:00–15:30 reserved on Tuesday and Thursday),
    then one urgent slot at 17:30."""
    return (
        Opening(OTHER_DAYS, time(13, 30), time(17, 30)),
        Opening(DIAGNOSTIC_DAYS, time(13, 30), time(14)),
        Opening(DIAGNOSTIC_DAYS, time(14), time(15, 30), reserved_for=reserved_for),
        Opening(DIAGNOSTIC_DAYS, time(15, 30), time(17, 30)),
        Opening(tuple(WEEKDAYS), time(17, 30), time(18), urgent=True),
    )


def _consultation_mornings(reserved_for: tuple[str, ...]) -> tuple[Opening, ...]:
    """8:30–12:00 every weekday; on diagnostic days the first hour and a half is reserved."""
    if not reserved_for:
        return (Opening(tuple(WEEKDAYS), time(8, 30), time(12)),)
    return (
        Opening(OTHER_DAYS, time(8, 30), time(12)),
        Opening(DIAGNOSTIC_DAYS, time(8, 30), time(10), reserved_for=reserved_for),
        Opening(DIAGNOSTIC_DAYS, time(10), time(12)),
    )


LUNG = ("lung",)
PANCREAS = ("pancreas_biliary",)
DIAGNOSTIC = ("lung", "pancreas_biliary")

RESOURCES = (
    ResourceSpec(
        "pneumology", "hospital", ResourceKind.CONSULTATION, "Consultation de pneumologie",
        "Bâtiment B, 2e étage, consultations de pneumologie", NOTHING,
        service="Pneumologie", specialty="Pneumologie", openings=_consultation_mornings(LUNG),
    ),
    ResourceSpec(
        "gastro", "hospital", ResourceKind.CONSULTATION, "Consultation d'hépato-gastro-entérologie",
        "Bâtiment C, 1er étage, consultations d'hépato-gastro-entérologie", NOTHING,
        service="Hépato-gastro-entérologie", specialty="Hépato-gastro-entérologie", openings=_consultation_mornings(PANCREAS),
    ),
    ResourceSpec(
        "oncology", "hospital", ResourceKind.CONSULTATION, "Consultation d'oncologie médicale",
        "Bâtiment D, rez-de-chaussée, consultations d'oncologie", NOTHING,
        service="Oncologie médicale", specialty="Oncologie médicale", openings=_consultation_mornings(()),
    ),
    ResourceSpec(
        "oncology_clinic", "clinic", ResourceKind.CONSULTATION, "Consultation d'oncologie médicale",
        "Clinique Sainte-Anne, 1er étage, aile Est", NOTHING,
        service="Oncologie médicale", specialty="Oncologie médicale",
        openings=(Opening((0, 2, 4), time(9), time(12)),),
    ),
    ResourceSpec(
        "ct_north", "hospital", ResourceKind.CT, "Scanner 1 (TDM) – Imagerie", "Imagerie, rez-de-chaussée, porte 4",
        CT_PREPARATION, service="Radiologie", openings=_imaging_afternoons(LUNG),
    ),
    ResourceSpec(
        "ct_south", "hospital", ResourceKind.CT, "Scanner 2 (TDM) – Imagerie", "Imagerie, rez-de-chaussée, porte 6",
        CT_PREPARATION, service="Radiologie", openings=_imaging_afternoons(PANCREAS),
    ),
    ResourceSpec(
        "mri", "hospital", ResourceKind.MRI, "IRM 1,5 T – Imagerie", "Imagerie, sous-sol, salle IRM",
        MRI_PREPARATION, service="Radiologie", openings=_imaging_afternoons(DIAGNOSTIC),
    ),
    ResourceSpec(
        "pet_ct", "clinic", ResourceKind.PET_CT, "TEP-TDM – Médecine nucléaire", "Clinique Sainte-Anne, médecine nucléaire, niveau -1",
        PET_PREPARATION,
        openings=(
            Opening(tuple(WEEKDAYS), time(8), time(16), minutes=60),
            Opening(tuple(WEEKDAYS), time(16), time(17), minutes=60, urgent=True),
        ),
    ),
    ResourceSpec(
        "endoscopy", "hospital", ResourceKind.ENDOSCOPY, "Endoscopie et écho-endoscopie",
        "Bâtiment C, 3e étage, plateau d'endoscopie", ENDOSCOPY_PREPARATION, service="Hépato-gastro-entérologie",
        openings=(
            Opening((0, 1, 3), time(8), time(12), minutes=60),
            Opening(DAYS_AFTER, time(8), time(10), minutes=60, reserved_for=PANCREAS),
            Opening(DAYS_AFTER, time(10), time(12), minutes=60),
        ),
    ),
    ResourceSpec(
        "biopsy", "hospital", ResourceKind.BIOPSY, "Salle de biopsie – Radiologie interventionnelle",
        "Imagerie, rez-de-chaussée, radiologie interventionnelle, salle 2", BIOPSY_PREPARATION, service="Radiologie",
        openings=(
            Opening(DAYS_AFTER, time(8, 30), time(10, 30), minutes=60, reserved_for=LUNG),
            Opening(DAYS_AFTER, time(10, 30), time(12, 30), minutes=60),
            Opening((0,), time(8, 30), time(12, 30), minutes=60),
        ),
    ),
    ResourceSpec(
        "anaesthesia", "hospital", ResourceKind.ANAESTHESIA, "Consultation d'anesthésie",
        "Bâtiment A, 1er étage, consultations d'anesthésie", NOTHING,
        openings=(Opening(tuple(WEEKDAYS), time(14), time(17)),),
    ),
    ResourceSpec(
        "day_hospital", "hospital", ResourceKind.DAY_HOSPITAL, "Hôpital de jour d'oncologie – place 1",
        "Bâtiment D, 2e étage, hôpital de jour", DAY_HOSPITAL_PREPARATION, service="Oncologie médicale",
        openings=(Opening(tuple(WEEKDAYS), time(8), time(16), minutes=480),),
    ),
    ResourceSpec(
        "day_hospital_clinic", "clinic", ResourceKind.DAY_HOSPITAL, "Hôpital de jour – place 2",
        "Clinique Sainte-Anne, 2e étage, hôpital de jour", DAY_HOSPITAL_PREPARATION, service="Oncologie médicale",
        openings=(Opening(tuple(WEEKDAYS), time(8), time(16), minutes=480),),
    ),
)

# Which consultation receives which pathway (the « reception » step).
CONSULTATION_OF = {"lung": "pneumology", "pancreas_biliary": "gastro", "liver": "gastro", "digestive": "gastro"}
DEFAULT_CONSULTATION = "oncology"


def create_demo_schedules(*, hospital: Organization, clinic: Organization, now: datetime) -> dict[str, Resource]:
    """Create the demo resources with their openings and three weeks of slots from today, then book the
    diagnostic day of a few accepted pathways. Returns the resources by key."""
    sites = {"hospital": hospital, "clinic": clinic}
    today = timezone.localdate(now)
    resources = {}
    for spec in RESOURCES:
        organization = sites[spec.site]
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
        resources[spec.key] = resource
    _book_diagnostic_days(resources, now=now)
    return resources


def _doctor(organization: Organization, specialty: str) -> Professional | None:
    if not specialty:
        return None
    return Professional.objects.filter(memberships__organization=organization, specialty=specialty).order_by("pk").first()


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


def _earliest_day(pathway: Pathway, steps: list[Milestone], resources: dict[str, Resource], *, now: datetime) -> list[BookingRequest]:
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
            resource__in={resource for options in candidates.values() for resource in options}, start__gte=now + timedelta(days=1)
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
