"""Who may use a slot: the priority rules on reserved and urgent slots, in one place.

- A blocked slot is for nobody.
- Until its release, an urgent slot is for P1 patients only, and a slot reserved for some pathway
  templates is for patients on those pathways only (seed 001, fiche 4: « créneaux sanctuarisés »,
  « priorité sur les créneaux d'urgence »).
- Once released (its release time has come), it is for anyone.

And where and when a step may be booked: not within the lead time, on a resource of the specialty
the step names, at one site (or campus) for one diagnostic day, within the entry point's reach.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q

from jalon.core.vocabulary import Priority, specialty_code


def may_use(*, slot, pathway_kind: str, priority: str, now: datetime) -> bool:
    if slot.blocked:
        return False
    if slot.is_released(now):
        return True
    if slot.urgent and priority != Priority.P1:
        return False
    return not (slot.reserved_for and pathway_kind not in slot.reserved_for)


def usable_slots_filter(*, pathway_kind: str, priority: str, now: datetime) -> Q:
    """The same rule as a queryset filter (for the planner and the grid). JSON membership is checked
    in Python by `may_use` after this coarse filter, since SQLite and PostgreSQL differ on JSON lookups."""
    if priority == Priority.P1:
        return Q(blocked=False)  # not `released | Q()`: OR with an empty Q drops it, leaving only released slots
    released = Q(released_at__isnull=False) | Q(release_at__lte=now)
    return Q(blocked=False) & (released | Q(urgent=False))


# --- where and when a step may be booked ----------------------------------------------------------
def lead_time() -> timedelta:
    """How long before its start a slot stops being proposed or bookable (`SCHEDULING_LEAD_TIME_MINUTES`):
    the patient must be told and come."""
    return timedelta(minutes=settings.SCHEDULING_LEAD_TIME_MINUTES)


def bookable_from(now: datetime) -> datetime:
    """The earliest start of a slot that may be proposed or booked at `now`."""
    return now + lead_time()


def serves_specialty(*, resource_specialty: str, step_specialty: str) -> bool:
    """A step that names a specialty books only a resource of a service of that specialty."""
    return not step_specialty or resource_specialty == step_specialty


def resource_specialty(resource) -> str:
    """The `Specialty` code of the service that holds the resource ("" without one)."""
    service = resource.service if resource.service_id else None
    return specialty_code(service.specialty or service.name) if service else ""


def site_key(*, organization_id: int | None, campus_id: int | None) -> str:
    """Resources with the same key are at one site: the same organisation, or organisations the manager
    declared one campus. The steps of one same-day group share a key."""
    return f"campus-{campus_id}" if campus_id else f"organization-{organization_id}"


def resource_site_key(resource) -> str:
    organization = resource.organization
    campus_site = getattr(organization, "campus_site", None)
    return site_key(organization_id=resource.organization_id, campus_id=campus_site.campus_id if campus_site else None)


def departments_served(entry_point) -> set[str]:
    """The departments an entry point books in: its organisation's, and those of its territory's communes."""
    departments = {entry_point.organization.department} - {None}
    if entry_point.territory_id:
        departments |= set(entry_point.territory.communes.values_list("department", flat=True).distinct())
    return departments


def within_reach_filter(entry_point, *, prefix: str = "resource__") -> Q:
    """The resources a pathway of `entry_point` may be booked on: its own organisation's, and those of
    organisations in a department it serves (`departments_served`). A territory's patients are not sent
    to a site of another region's territory; the demo's synthetic sites (other departments) are never
    mixed with its territory's."""
    return Q(**{f"{prefix}organization_id": entry_point.organization_id}) | Q(
        **{f"{prefix}organization__commune__department__in": sorted(departments_served(entry_point))}
    )
