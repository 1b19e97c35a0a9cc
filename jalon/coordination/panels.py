"""The sections of the worklist and of the referral page that other apps feed: identity conflicts (patients),
professionals' messages (portal), received mails (mailin). Each returns the context of its partial template,
or None when the section is not shown to this user."""

from __future__ import annotations

from jalon.accounts.access import Capability, has_capability
from jalon.accounts.audit import audit_many
from jalon.accounts.models import AuditAction, Role
from jalon.core.actor import Actor
from jalon.mailin.selectors import mail_counts_for_coordinator
from jalon.patients.access import identity_conflicts_visible_to
from jalon.patients.models import ConflictStatus
from jalon.patients.selectors import open_identity_conflict_count
from jalon.portal.selectors import unread_threads_for_coordinator


def _is_coordinator(user) -> bool:
    return user.is_authenticated and user.role == Role.COORDINATOR


def identity_conflicts_panel(user) -> dict | None:
    """The count of open identity conflicts, for coordinators (shown even at zero: one quiet line that still
    leads to the page and its resolved conflicts, so the coordination always knows where it is)."""
    if not _is_coordinator(user):
        return None
    return {"count": open_identity_conflict_count(user)}


def threads_panel(request) -> dict | None:
    """The threads of the coordinator's entry points with city messages they have not read, and the total
    unread count; every listed patient is audited, as the worklist does for its rows."""
    user = request.user
    if not has_capability(user, Capability.WORK_REFERRALS):
        return None
    unread = unread_threads_for_coordinator(user)
    if unread.threads:
        audit_many(
            Actor.from_request(request),
            action=AuditAction.READ,
            patient_ids=[thread.referral.patient_id for thread in unread.threads],
            object_type="worklist.threads",
        )
    return {"total_unread": unread.total_unread, "threads": unread.threads, "more": unread.not_shown}


def mails_panel(user) -> dict | None:
    """The count of received mails still to complete, with a link to them; None when there is none."""
    if not has_capability(user, Capability.READ_MAILIN):
        return None
    counts = mail_counts_for_coordinator(user)
    return {"counts": counts} if counts["total"] else None


def referral_identity_conflicts(user, referral) -> list:
    """On the referral page, for its entry point's coordinators: the open conflicts this referral raised."""
    if not _is_coordinator(user):
        return []
    return list(identity_conflicts_visible_to(user).filter(referral_id=referral.pk, status=ConflictStatus.OPEN))
