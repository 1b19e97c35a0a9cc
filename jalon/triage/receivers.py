"""Triage listens to the referrals below it (connected in `TriageConfig.ready`)."""

from __future__ import annotations

from jalon.referrals.models import Referral


def store_proposed_priority(sender, *, referral: Referral, **kwargs) -> None:  # noqa: ARG001
    """Keep on the referral the priority the published rules propose, for the worklist to sort by."""
    from jalon.triage.services import triage_propose

    proposal = triage_propose(referral)
    priority = proposal.priority if proposal.rule_set is not None else ""
    if referral.proposed_priority != priority:
        referral.proposed_priority = priority
        Referral.objects.filter(pk=referral.pk).update(proposed_priority=priority)
