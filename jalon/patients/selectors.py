"""Reads of identity conflicts, through the access rules (jalon/patients/access.py)."""

from __future__ import annotations

from django.db.models import QuerySet

from jalon.patients.access import identity_conflicts_visible_to
from jalon.patients.models import ConflictStatus, IdentityConflict


def identity_conflicts_for_coordinator(user, *, status: str = ConflictStatus.OPEN) -> QuerySet[IdentityConflict]:
    """The user's conflicts in `status` (open first by age), with both patients, the referral and the entry point."""
    return (
        identity_conflicts_visible_to(user)
        .filter(status=status)
        .select_related(
            "existing_patient", "provisional_patient", "referral", "entry_point", "raised_by", "resolved_by"
        )
        .order_by("raised_at" if status == ConflictStatus.OPEN else "-resolved_at", "id")
    )


def open_identity_conflict_count(user) -> int:
    return identity_conflicts_visible_to(user).filter(status=ConflictStatus.OPEN).count()
