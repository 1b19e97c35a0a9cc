"""Who may use a slot: the priority rules on reserved and urgent slots, in one place.

- A blocked slot is for nobody.
- Until its release, an urgent slot is for P1 patients only, and a slot reserved for some pathway
  templates is for patients on those pathways only (seed 001, fiche 4: « créneaux sanctuarisés »,
  « priorité sur les créneaux d'urgence »).
- Once released (its release time has come), it is for anyone.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from jalon.core.vocabulary import Priority


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
