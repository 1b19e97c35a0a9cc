"""Triage: propose a pathway and a priority from the published rules, and record the coordinator's decision."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _

from jalon.core.actor import Actor
from jalon.core.memo import ReferenceMemo
from jalon.core.published import PublishedMemo
from jalon.core.vocabulary import PathwayKind, Priority
from jalon.events.services import event_record
from jalon.pathways.errors import PathwayError, PathwayErrorCode
from jalon.pathways.services import complement_tasks_add, pathway_start
from jalon.referrals.models import OPEN_STATUSES, Referral
from jalon.referrals.services import complement_deadline_for, referral_accept
from jalon.triage.engine import RuleOutcome, TriageFacts, propose
from jalon.triage.models import TriageDecision, TriageRule, TriageRuleSet
from jalon.triage.text_signs import IMAGING_CONDITIONS, TextSigns, referral_text_signs

# Which set is in force, read once per process until a set is saved or deleted (core.memo): a referral page
# proposes on every view. The row's values are kept, each caller gets its own instance.
_IN_FORCE = ReferenceMemo("triage-rule-set-in-force", watches=("triage.TriageRuleSet",))
_RULE_SET_FIELDS = tuple(field.attname for field in TriageRuleSet._meta.concrete_fields)


def published_rule_set() -> TriageRuleSet | None:
    """The set in force: the published set of highest version."""
    values = _IN_FORCE.get(
        "values",
        lambda _key: (
            TriageRuleSet.objects.filter(published_at__isnull=False)
            .order_by("-version")
            .values_list(*_RULE_SET_FIELDS)
            .first()
        ),
    )
    return None if values is None else TriageRuleSet.from_db("default", _RULE_SET_FIELDS, values)


_RULES = PublishedMemo("triage-rules", watches=("triage.TriageRuleSet", "triage.TriageRule"))


def rules_of(rule_set: TriageRuleSet) -> list[TriageRule]:
    """The set's rules in order; a published set's read once per process (core.published)."""
    return list(_RULES.get(rule_set, "rules", lambda: tuple(rule_set.rules.order_by("order"))))


@dataclass(frozen=True)
class Proposal:
    rule_set: TriageRuleSet | None
    outcome: RuleOutcome | None
    # What the rules counted from the referral's text, not ticked (issue 14): shown « lu dans le texte ».
    text: TextSigns = field(default_factory=TextSigns)

    @property
    def read_from_text(self) -> frozenset[str]:
        """The signs and history facts read in the text (not ticked, not dismissed) that the facts counted."""
        return self.text.codes

    @property
    def rule(self) -> TriageRule | None:
        return self.outcome.rule if self.outcome else None

    @property
    def pathway_kind(self) -> str:
        return self.rule.pathway_kind if self.rule else PathwayKind.GENERIC

    @property
    def priority(self) -> str:
        return self.rule.priority if self.rule else Priority.P3

    @property
    def explanation(self) -> list[dict]:
        """The rule's checks; a check whose value comes from the text names it in `read_from_text`."""
        if not self.outcome:
            return []
        return [mark_read_from_text(check, self.text) for check in self.outcome.explanation]


def mark_read_from_text(check: dict, text: TextSigns) -> dict:
    """The check with `read_from_text`: the signs of its value read in the text, or True for a score read there."""
    actual = check.get("actual")
    if isinstance(actual, list | tuple) and text.codes:
        read = sorted(set(actual) & text.codes)
        return {**check, "read_from_text": read} if read else check
    if IMAGING_CONDITIONS.get(check.get("condition")) in text.imaging:
        return {**check, "read_from_text": True}
    return check


def triage_propose(referral: Referral, rule_set: TriageRuleSet | None = None) -> Proposal:
    """What the rules (the published set, or `rule_set`) propose for this referral, and why."""
    rule_set = rule_set or published_rule_set()
    if rule_set is None:
        return Proposal(rule_set=None, outcome=None)
    rules = rules_of(rule_set)
    # The text and the facts both read the exams: once.
    prefetch_related_objects([referral], "exams")
    text = referral_text_signs(referral)
    return Proposal(
        rule_set=rule_set, outcome=propose(rules, text.apply(TriageFacts.from_referral(referral))), text=text
    )


def referral_proposed_priority_store(referral: Referral) -> str:
    """Store on the referral the priority the published rules propose (`triage_propose`, the one rule), for the
    worklist to show and sort by before acceptance; "" when no rule set is published. Returns it."""
    proposal = triage_propose(referral)
    priority = proposal.priority if proposal.rule_set is not None else ""
    if referral.proposed_priority != priority:
        referral.proposed_priority = priority
        Referral.objects.filter(pk=referral.pk).update(proposed_priority=priority)
    return priority


def proposed_priority_backfill() -> dict[str, int]:
    """Store the proposed priority of every open referral that has none: those received before triage stored it
    on `referral_content_changed`. Each goes through `referral_proposed_priority_store`; a referral that has one
    is left alone, so running it twice changes nothing. Returns how many got each priority."""
    counts: dict[str, int] = {}
    if published_rule_set() is None:
        return counts
    pending = (
        Referral.objects.filter(status__in=OPEN_STATUSES, proposed_priority="")
        .select_related("patient__commune")
        .prefetch_related("exams")
        .order_by("pk")
    )
    for referral in pending.iterator(chunk_size=200):
        priority = referral_proposed_priority_store(referral)
        counts[priority] = counts.get(priority, 0) + 1
    return counts


@transaction.atomic
def referral_accept_into_pathway(
    *,
    actor: Actor,
    referral: Referral,
    pathway_kind: str,
    priority: str,
    reason: str = "",
    override_reason: str = "",
    outside_territory_acknowledged: bool = False,
    complement_message: str = "",
):
    """Accept the referral at any priority, record the triage decision (override with a reason when it
    departs from the rules) and start its pathway, all in one transaction. An incomplete referral is accepted
    with its complement requested: each missing item becomes a task of the pathway for the referrer, due when
    the complement is (`referrals.services.complement_deadline_for`)."""
    proposal = triage_propose(referral)
    overridden = proposal.rule_set is not None and (pathway_kind, priority) != (
        proposal.pathway_kind,
        proposal.priority,
    )
    if overridden and not override_reason.strip():
        raise PathwayError(
            PathwayErrorCode.OVERRIDE_REASON_REQUIRED,
            _("Vous vous écartez de la proposition des règles : indiquez pourquoi."),
            field="override_reason",
        )
    referral = referral_accept(
        actor=actor,
        referral=referral,
        pathway_kind=pathway_kind,
        priority=priority,
        reason=reason,
        outside_territory_acknowledged=outside_territory_acknowledged,
        complement_message=complement_message,
    )
    if proposal.rule_set is not None:
        TriageDecision.objects.create(
            referral=referral,
            rule_set=proposal.rule_set,
            rule=proposal.rule,
            explanation=proposal.explanation,
            proposed_pathway_kind=proposal.pathway_kind,
            proposed_priority=proposal.priority,
            pathway_kind=pathway_kind,
            priority=priority,
            overridden=overridden,
            override_reason=override_reason.strip(),
            decided_by=actor.user,
        )
        if overridden:
            event_record(
                actor=actor,
                kind="triage.overridden",
                patient_id=referral.patient_id,
                referral_id=referral.pk,
                payload={
                    "rule": proposal.rule.code if proposal.rule else None,
                    "proposed": [proposal.pathway_kind, proposal.priority],
                    "chosen": [pathway_kind, priority],
                    "reason": override_reason.strip(),
                },
            )
    first_tasks = proposal.rule.first_tasks if proposal.rule and pathway_kind == proposal.pathway_kind else []
    source = _("Règle de tri %(code)s") % {"code": proposal.rule.code} if proposal.rule else ""
    pathway = pathway_start(
        actor=actor, referral=referral, priority=priority, first_tasks=first_tasks, task_source=source
    )
    if referral.missing_items:
        complement_tasks_add(
            actor=actor,
            pathway=pathway,
            items=referral.missing_items,
            due_at=complement_deadline_for(referral.entry_point, pathway.started_at),
        )
    return pathway
