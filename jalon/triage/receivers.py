"""Triage listens to the referrals below it (connected in `TriageConfig.ready`)."""

from __future__ import annotations

from jalon.referrals.models import Referral


def store_proposed_priority(sender, *, referral: Referral, **kwargs) -> None:  # noqa: ARG001
    """Keep on the referral the priority the published rules propose, for the worklist to sort by."""
    from jalon.triage.services import referral_proposed_priority_store

    referral_proposed_priority_store(referral)
