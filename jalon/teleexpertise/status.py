"""The tele-expertise status machine: every allowed transition, in one table."""

from __future__ import annotations

from jalon.teleexpertise.models import RequestStatus

# action -> (statuses it may start from, status it leads to, event kind)
TRANSITIONS: dict[str, tuple[frozenset[str], str, str]] = {
    "answer": (frozenset({RequestStatus.SUBMITTED}), RequestStatus.ANSWERED, "teleexpertise.answered"),
    "convert": (frozenset({RequestStatus.ANSWERED}), RequestStatus.CONVERTED, "teleexpertise.converted"),
    "withdraw": (frozenset({RequestStatus.SUBMITTED}), RequestStatus.WITHDRAWN, "teleexpertise.withdrawn"),
}


def target_status(action: str, status: str) -> str | None:
    """The status `action` leads to from `status`, or None when the transition is not allowed."""
    sources, target, _kind = TRANSITIONS[action]
    return target if status in sources else None
