"""Reads of the coordination desk: what the referral page gathers from the apps below it."""

from __future__ import annotations

from jalon.pathways.models import Pathway, Task
from jalon.referrals.models import Referral
from jalon.triage.models import TriageDecision


def referral_pathway_summary(referral: Referral) -> tuple[Pathway | None, TriageDecision | None]:
    """The referral's pathway and recorded triage decision (either may be None), for the referral page."""
    pathway = Pathway.objects.filter(referral_id=referral.pk).select_related("template_version__template").first()
    decision = (
        TriageDecision.objects.filter(referral_id=referral.pk).select_related("rule", "rule_set", "decided_by").first()
    )
    return pathway, decision


def referral_complement_tasks(referral: Referral) -> list[Task]:
    """The complements asked of the referrer with the acceptance, open and closed, as pathway tasks."""
    return list(
        Task.objects.filter(pathway__referral_id=referral.pk).exclude(complement_item="").order_by("due_at", "id")
    )
