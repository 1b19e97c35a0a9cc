"""Appending events. Every state change in a service calls `event_record` in its transaction."""

from __future__ import annotations

from django.utils import timezone

from jalon.core.actor import Actor
from jalon.events.kinds import event_kind
from jalon.events.models import Event


def event_record(
    *,
    actor: Actor,
    kind: str,
    patient_id: int,
    referral_id: int | None = None,
    payload: dict | None = None,
    occurred_at=None,
) -> Event:
    """Append one fact; a kind not declared in jalon/events/kinds.py is refused (UndeclaredEventKind, a ValueError)."""
    event_kind(kind)
    user = actor.user if getattr(actor.user, "is_authenticated", False) else None
    now = timezone.now()
    return Event.objects.create(
        kind=kind,
        actor=user,
        patient_id=patient_id,
        referral_id=referral_id,
        payload=payload or {},
        occurred_at=occurred_at or now,
        recorded_at=now,
    )
