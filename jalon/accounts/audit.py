"""Writing the audit trail: one call per read or change of patient data."""

from __future__ import annotations

from collections.abc import Iterable

from jalon.accounts.models import AuditAction, AuditRecord
from jalon.core.actor import Actor


def _actor_label(actor: Actor) -> str:
    user = actor.user
    if user is None or not getattr(user, "is_authenticated", False):
        return "Jalon (système)"
    return f"{user.get_username()} ({user.get_role_display()})"


def audit(
    actor: Actor,
    *,
    action: AuditAction | str,
    patient_id: int | None,
    object_type: str,
    object_id: object = "",
    detail: dict | None = None,
) -> None:
    """Record that `actor` did `action` on an object of a patient (patient_id None: no patient).

    `detail` says what changed when no service's event does (the admin); never clinical content.
    """
    user = actor.user if getattr(actor.user, "is_authenticated", False) else None
    AuditRecord.objects.create(
        actor=user,
        actor_label=_actor_label(actor),
        patient_id=patient_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:64],
        channel=actor.channel,
        path=actor.path[:300],
        ip_address=actor.ip_address,
        detail=detail or {},
    )


def _audit_rows(
    actor: Actor, *, action: AuditAction | str, object_type: str, rows: Iterable[tuple[int | None, str]]
) -> None:
    """One record per (patient id, object id) pair, in one insert."""
    user = actor.user if getattr(actor.user, "is_authenticated", False) else None
    label = _actor_label(actor)
    AuditRecord.objects.bulk_create(
        AuditRecord(
            actor=user,
            actor_label=label,
            patient_id=patient_id,
            action=action,
            object_type=object_type,
            object_id=object_id[:64],
            channel=actor.channel,
            path=actor.path[:300],
            ip_address=actor.ip_address,
        )
        for patient_id, object_id in rows
    )


def audit_many(actor: Actor, *, action: AuditAction | str, patient_ids: Iterable[int], object_type: str) -> None:
    """One record per patient shown in a list (a worklist page reads every patient it lists)."""
    _audit_rows(
        actor,
        action=action,
        object_type=object_type,
        rows=((patient_id, "") for patient_id in sorted(set(patient_ids))),
    )


def audit_objects(actor: Actor, *, action: AuditAction | str, object_type: str, object_ids: Iterable[object]) -> None:
    """One record per object shown in a list that holds patient data before any patient exists (no patient)."""
    _audit_rows(
        actor, action=action, object_type=object_type, rows=((None, str(object_id)) for object_id in object_ids)
    )
