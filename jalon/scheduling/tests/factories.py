"""Helpers for scheduling tests: resources with weekly openings, single slots, a template whose steps
book given resource kinds, pathways on it, and booking in one call."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from jalon.core.actor import Actor
from jalon.pathways.models import Milestone, Pathway
from jalon.pathways.tests.factories import pathway_build, template_version_build
from jalon.scheduling.models import Appointment, Resource, Slot, WeeklyOpening
from jalon.scheduling.services import BookingRequest, appointments_book

PARIS = ZoneInfo("Europe/Paris")

# The steps of the test template: a consultation and a CT on the diagnostic day, then a biopsy.
BOOKABLE_STEPS = (
    {"code": "reception", "resource_kind": "consultation", "same_day_group": "diagnostic_day"},
    {"code": "imaging", "resource_kind": "ct", "same_day_group": "diagnostic_day"},
    {"code": "biopsy", "resource_kind": "biopsy"},
    {"code": "tumour_board"},  # not booked in Jalon
)


def local(*args) -> datetime:
    """An aware Europe/Paris datetime (not named `paris`: that is the commune fixture)."""
    return datetime(*args, tzinfo=PARIS)


def resource_build(organization, *, kind: str = "ct", name: str | None = None, **fields) -> Resource:
    defaults = {
        "name": name or f"Ressource {kind}",
        "location": "Bâtiment B, rez-de-chaussée",
        "preparation": "Pas de préparation particulière.",
        "contact_phone": "03 88 00 00 00",
    }
    return Resource.objects.create(organization=organization, kind=kind, **{**defaults, **fields})


def opening_add(
    resource: Resource,
    *,
    weekday: int,
    start: time,
    end: time,
    slot_minutes: int = 30,
    reserved_for: list[str] | tuple = (),
    urgent: bool = False,
    release: tuple[int, str] | None = None,
    valid_from: date = date(2020, 1, 1),
    valid_until: date | None = None,
) -> WeeklyOpening:
    amount, unit = release if release else (None, "")
    return WeeklyOpening.objects.create(
        resource=resource,
        weekday=weekday,
        start_time=start,
        end_time=end,
        slot_minutes=slot_minutes,
        reserved_for=list(reserved_for),
        urgent=urgent,
        release_amount=amount,
        release_unit=unit,
        valid_from=valid_from,
        valid_until=valid_until,
    )


def slot_build(resource: Resource, start: datetime, *, minutes: int = 30, **fields) -> Slot:
    """One slot created directly (reserved_for, urgent, release_at, blocked as keyword arguments)."""
    return Slot.objects.create(resource=resource, start=start, end=start + timedelta(minutes=minutes), **fields)


TEST_SOURCE = "Modèle de test – planification"


def bookable_template(kind: str = "lung", steps=BOOKABLE_STEPS):
    """Publish a version of `kind`'s template with bookable steps (the current version from now on)."""
    return template_version_build([dict(step) for step in steps], kind=kind, source=TEST_SOURCE)


def bookable_pathway(submit, coordinator, *, kind: str = "lung", priority: str = "P2", **overrides) -> Pathway:
    """A pathway of `kind` started now on a bookable template (published first if `kind` has none of ours)."""
    from jalon.pathways.models import PathwayTemplate

    template = PathwayTemplate.objects.filter(kind=kind).first()
    version = template.current_version() if template else None
    if version is None or version.source != TEST_SOURCE:
        bookable_template(kind)
    return pathway_build(submit, user=coordinator, kind=kind, priority=priority, **overrides)


def step(pathway: Pathway, code: str) -> Milestone:
    return pathway.milestones.select_related("template").get(code=code)


def book(user, pathway: Pathway, *pairs: tuple[str, Slot], replace_existing: bool = False) -> list[Appointment]:
    """Book (step code, slot) pairs for `pathway` in one group, as `user`."""
    requests = [BookingRequest(milestone=step(pathway, code), slot=slot) for code, slot in pairs]
    return appointments_book(
        actor=Actor(user=user), pathway=pathway, requests=requests, replace_existing=replace_existing
    )
