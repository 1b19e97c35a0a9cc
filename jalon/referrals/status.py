"""The referral status machine: every allowed transition, in one table."""

from __future__ import annotations

from jalon.referrals.models import Status

# action -> (statuses it may start from, status it leads to, event kind)
TRANSITIONS: dict[str, tuple[frozenset[str], str, str]] = {
    "request_complement": (frozenset({Status.RECEIVED}), Status.AWAITING_COMPLEMENT, "referral.complement_requested"),
    "complete": (frozenset({Status.AWAITING_COMPLEMENT}), Status.RECEIVED, "referral.completed"),
    "accept": (frozenset({Status.RECEIVED}), Status.ACCEPTED, "referral.accepted"),
    "decline": (frozenset({Status.RECEIVED, Status.AWAITING_COMPLEMENT}), Status.DECLINED, "referral.declined"),
    "redirect": (frozenset({Status.RECEIVED, Status.AWAITING_COMPLEMENT}), Status.REDIRECTED, "referral.redirected"),
    "close": (frozenset({Status.ACCEPTED}), Status.CLOSED, "referral.closed"),
}

# The first of these transitions answers the referral (stops the answer-deadline clock).
ANSWERING_ACTIONS = frozenset({"request_complement", "accept", "decline", "redirect"})


def allowed_actions(status: str) -> list[str]:
    return [action for action, (sources, _target, _kind) in TRANSITIONS.items() if status in sources]


def target_status(action: str, status: str) -> str | None:
    """The status `action` leads to from `status`, or None when the transition is not allowed."""
    sources, target, _kind = TRANSITIONS[action]
    return target if status in sources else None


def awaits_complement(referral) -> bool:
    """Whether the referrer may answer a complement on this referral: it waits for one (not yet accepted), or
    it was accepted while items were missing (the complement was requested with the acceptance, tasks open)."""
    if referral.status == Status.AWAITING_COMPLEMENT:
        return True
    return referral.status == Status.ACCEPTED and bool(referral.missing_items)
