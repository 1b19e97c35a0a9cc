"""Writing the audit trail: one call per read or change of patient data."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connections, router
from django.utils import timezone

from jalon.accounts.models import AuditAction, AuditRecord
from jalon.core.actor import Actor


def _actor_label(actor: Actor) -> str:
    user = actor.user
    if user is None or not getattr(user, "is_authenticated", False):
        return "Jalon (système)"
    return f"{user.get_username()} ({user.get_role_display()})"


# The columns an audit write fills, in the order of the INSERT below; the first ones are the same for every
# record of one call, the last two differ per record.
_SHARED_COLUMNS = ("at", "actor", "actor_label", "action", "object_type", "channel", "path", "ip_address", "detail")
_ROW_COLUMNS = ("patient", "object_id")
_ROWS_PER_STATEMENT = 500


def _insert(actor: Actor, *, action: AuditAction | str, object_type: str, rows, detail: dict | None = None) -> None:
    """Append one record per (patient id, object id) pair in one INSERT (SQLite: one per 500 records).

    Every read of patient data writes here (50 records for a worklist page), so the statement is built
    directly: the ORM's `bulk_create` prepared each of the 11 fields of every record again (about 5 ms a page).
    Values are still prepared by the model's own fields (`get_db_prep_save`), once per call for the shared
    ones. Records are append-only: no signal is sent for them (as with `bulk_create`).
    """
    rows = list(rows)
    if not rows:
        return
    user = actor.user if getattr(actor.user, "is_authenticated", False) else None
    connection = connections[router.db_for_write(AuditRecord)]
    meta = AuditRecord._meta
    shared_values = {
        "at": timezone.now(),
        "actor": user.pk if user is not None else None,
        "actor_label": _actor_label(actor),
        "action": str(action),
        "object_type": object_type,
        "channel": actor.channel,
        "path": actor.path[:300],
        "ip_address": actor.ip_address,
        "detail": detail or {},
    }
    shared = [meta.get_field(name).get_db_prep_save(shared_values[name], connection) for name in _SHARED_COLUMNS]
    patient_field = meta.get_field("patient")
    columns = ", ".join(
        connection.ops.quote_name(meta.get_field(name).column) for name in _SHARED_COLUMNS + _ROW_COLUMNS
    )
    table = connection.ops.quote_name(meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Two arrays and the shared values once: 11 parameters, whatever the number of records.
            casts = [meta.get_field(name).db_type(connection) for name in _SHARED_COLUMNS]
            patient_type = meta.get_field("patient").rel_db_type(connection)
            select = ", ".join(f"%s::{cast}" for cast in casts)
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {select}, record.patient, record.object_id "  # noqa: S608
                f"FROM unnest(%s::{patient_type}[], %s::text[]) AS record(patient, object_id)",
                [*shared, [patient_id for patient_id, _ in rows], [str(object_id)[:64] for _, object_id in rows]],
            )
            return
        placeholders = "(" + ", ".join(["%s"] * (len(_SHARED_COLUMNS) + len(_ROW_COLUMNS))) + ")"
        for start in range(0, len(rows), _ROWS_PER_STATEMENT):
            chunk = rows[start : start + _ROWS_PER_STATEMENT]
            params = []
            for patient_id, object_id in chunk:
                params.extend(shared)
                params.append(patient_field.get_db_prep_save(patient_id, connection))
                params.append(str(object_id)[:64])
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([placeholders] * len(chunk))}",  # noqa: S608
                params,
            )


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
    _insert(actor, action=action, object_type=object_type, rows=[(patient_id, object_id)], detail=detail)


def _audit_rows(
    actor: Actor, *, action: AuditAction | str, object_type: str, rows: Iterable[tuple[int | None, str]]
) -> None:
    """One record per (patient id, object id) pair, in one insert."""
    _insert(actor, action=action, object_type=object_type, rows=rows)


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
