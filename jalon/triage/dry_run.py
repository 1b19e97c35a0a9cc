"""Try a triage rule set on past referrals before publishing it: which outcomes would change?

The proposal for each referral is what `triage_propose(referral, rule_set=...)` gives (same facts,
same engine, same fallback when no rule fires), computed here with each set's rules read once and
the referrals' patients, communes and exams loaded in a fixed number of queries, whatever the number
of referrals or rules. Only references leave this module: no patient identity.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db.models import Prefetch, QuerySet, prefetch_related_objects

from jalon.referrals import completeness
from jalon.referrals.models import ExamDone, Referral, Status
from jalon.triage.engine import TriageFacts, imaging_facts, propose
from jalon.triage.models import TriageRuleSet
from jalon.triage.services import Proposal, published_rule_set
from jalon.triage.text_signs import TextSigns, referral_text_signs

# "Accepted" (then possibly closed) or still waiting for an answer: declined and redirected referrals
# never entered a pathway.
DEFAULT_STATUSES = (Status.RECEIVED, Status.AWAITING_COMPLEMENT, Status.ACCEPTED, Status.CLOSED)
NO_RULE = ""  # the key counting referrals no rule matched (a draft set without a catch-all)


@dataclass(frozen=True)
class Outcome:
    pathway_kind: str
    priority: str
    rule_code: str  # NO_RULE when no rule fired

    @classmethod
    def of(cls, proposal: Proposal) -> Outcome:
        return cls(proposal.pathway_kind, proposal.priority, proposal.rule.code if proposal.rule else NO_RULE)


@dataclass(frozen=True)
class ChangedReferral:
    referral_id: int
    reference: str
    before: Outcome
    after: Outcome

    @property
    def changes(self) -> list[str]:
        """What differs: among "pathway_kind", "priority", "rule"."""
        pairs = (
            ("pathway_kind", self.before.pathway_kind, self.after.pathway_kind),
            ("priority", self.before.priority, self.after.priority),
            ("rule", self.before.rule_code, self.after.rule_code),
        )
        return [name for name, before, after in pairs if before != after]


@dataclass(frozen=True)
class RuleCount:
    code: str
    before: int
    after: int


@dataclass
class DryRunReport:
    candidate: TriageRuleSet
    baseline: TriageRuleSet | None
    total: int = 0
    changed: list[ChangedReferral] = field(default_factory=list)
    rules_before: Counter = field(default_factory=Counter)  # rule code -> referrals it fires on, under the baseline
    rules_after: Counter = field(default_factory=Counter)  # the same under the candidate
    priorities_before: Counter = field(default_factory=Counter)
    priorities_after: Counter = field(default_factory=Counter)
    pathway_kinds_before: Counter = field(default_factory=Counter)
    pathway_kinds_after: Counter = field(default_factory=Counter)
    candidate_codes: list[str] = field(default_factory=list)
    baseline_codes: list[str] = field(default_factory=list)

    @property
    def changed_count(self) -> int:
        return len(self.changed)

    @property
    def unchanged_count(self) -> int:
        return self.total - len(self.changed)

    @property
    def priority_changes(self) -> int:
        return sum(1 for row in self.changed if "priority" in row.changes)

    @property
    def pathway_changes(self) -> int:
        return sum(1 for row in self.changed if "pathway_kind" in row.changes)

    @property
    def rule_counts(self) -> list[RuleCount]:
        """Every rule of either set (candidate order first, then rules only the baseline has), with its counts,
        including the rules that fire on no referral; last, the referrals no rule matched, if any."""
        codes = list(dict.fromkeys([*self.candidate_codes, *self.baseline_codes]))
        if self.rules_before[NO_RULE] or self.rules_after[NO_RULE]:
            codes.append(NO_RULE)
        return [RuleCount(code, self.rules_before[code], self.rules_after[code]) for code in codes]


def default_referrals(limit: int = 500) -> QuerySet:
    """The last `limit` referrals that were accepted or are waiting for an answer."""
    return Referral.objects.filter(status__in=DEFAULT_STATUSES).order_by("-received_at", "-id")[:limit]


def _loaded(referrals, limit: int) -> list[Referral]:
    exams = Prefetch("exams", queryset=ExamDone.objects.only("id", "referral_id", "kind", "summary"))
    if referrals is None:
        referrals = default_referrals(limit)
    if isinstance(referrals, QuerySet):
        if not referrals.query.is_sliced:
            if not referrals.ordered:
                referrals = referrals.order_by("-received_at", "-id")
            referrals = referrals[:limit]
        return list(referrals.select_related("patient__commune").prefetch_related(exams))
    rows = list(referrals)
    prefetch_related_objects(rows, "patient__commune", exams)
    return rows


def _rules(rule_set: TriageRuleSet | None) -> list:
    return list(rule_set.rules.order_by("order")) if rule_set is not None else []


def _propose(
    rule_set: TriageRuleSet | None, rules: list, facts: TriageFacts, text: TextSigns | None = None
) -> Proposal:
    """The same Proposal `triage_propose(referral, rule_set=rule_set)` returns, from rules already loaded (with the
    signs read in the referral's text when `text` is given)."""
    if rule_set is None:
        return Proposal(rule_set=None, outcome=None)
    text = text or TextSigns()
    return Proposal(rule_set=rule_set, outcome=propose(rules, text.apply(facts)), text=text)


def dry_run(
    *,
    candidate: TriageRuleSet,
    baseline: TriageRuleSet | None = None,
    referrals: Iterable[Referral] | QuerySet | None = None,
    limit: int = 500,
) -> DryRunReport:
    """Compare the proposals of `candidate` with those of `baseline` (default: the published set) on past referrals
    (default: the last `limit` accepted or waiting ones). Nothing is written."""
    baseline = baseline if baseline is not None else published_rule_set()
    candidate_rules, baseline_rules = _rules(candidate), _rules(baseline)
    report = DryRunReport(
        candidate=candidate,
        baseline=baseline,
        candidate_codes=[rule.code for rule in candidate_rules],
        baseline_codes=[rule.code for rule in baseline_rules],
    )
    for referral in _loaded(referrals, limit):
        facts, text = TriageFacts.from_referral(referral), referral_text_signs(referral)
        before = Outcome.of(_propose(baseline, baseline_rules, facts, text))
        after = Outcome.of(_propose(candidate, candidate_rules, facts, text))
        report.total += 1
        report.rules_before[before.rule_code] += 1
        report.rules_after[after.rule_code] += 1
        report.priorities_before[before.priority] += 1
        report.priorities_after[after.priority] += 1
        report.pathway_kinds_before[before.pathway_kind] += 1
        report.pathway_kinds_after[after.pathway_kind] += 1
        if before != after:
            report.changed.append(ChangedReferral(referral.pk, referral.reference, before, after))
    return report


# --- The clinical test set: which rules does it reach? ---------------------------------------------------------

# The clinical cases written for issue 14 (docs/clinical-cases.md is generated from them).
CLINICAL_CASES_PATH = Path(__file__).resolve().parent / "tests" / "clinical_cases.json"


def load_clinical_cases(path: Path | str | None = None) -> list[dict]:
    """The cases of the clinical test set, in file order."""
    return json.loads(Path(path or CLINICAL_CASES_PATH).read_text(encoding="utf-8"))["cases"]


def case_facts(case: dict) -> TriageFacts:
    """The facts triage would read from the case sent as a referral, its ticked boxes and structured findings only
    (what it reads in the text comes on top, see text_signs; the coverage counts the rules the structured facts
    reach): completeness is computed with the published
    completeness rules from what the case carries (every case sends the common items and one document)."""
    content = completeness.ReferralContent(
        clinical_reason=case["clinical_reason"],
        first_symptoms_date=date(2026, 1, 1),
        gp_id=1,
        patient_phone="+33612345678",
        patient_commune_code="00000",
        patient_informed=True,
        exam_kinds=frozenset(case["exams"]),
        document_count=1,
    )
    items = completeness.required_items(completeness.current_rule_set(), case["suspected_site"])
    return TriageFacts(
        suspected_site=case["suspected_site"],
        declared_urgency=case["declared_urgency"],
        age=case["age"],
        alarm_signs=frozenset(case["alarm_signs"]),
        exam_kinds=frozenset(case["exams"]),
        question=case.get("question", "diagnosis"),
        department="75" if case.get("outside_territory") else "67",
        outside_territory=bool(case.get("outside_territory")),
        is_complete=not completeness.missing_items(content, items),
        **imaging_facts(case.get("imaging_findings")),
    )


@dataclass
class CoverageReport:
    """The rule each clinical case reaches under a rule set, and the rules no case reaches."""

    rule_set: TriageRuleSet
    codes: list[str]
    outcomes: dict[str, Outcome] = field(default_factory=dict)  # case id -> outcome

    @property
    def reached(self) -> Counter:
        return Counter(outcome.rule_code for outcome in self.outcomes.values())

    @property
    def unreached(self) -> list[str]:
        """The codes of the rules, in order, that no case reaches: a rule nobody tested."""
        reached = self.reached
        return [code for code in self.codes if not reached[code]]


def clinical_coverage(*, rule_set: TriageRuleSet, cases: Iterable[dict] | None = None) -> CoverageReport:
    """Run every clinical case through `rule_set` (the same engine as triage_propose) and count the rules reached."""
    rules = _rules(rule_set)
    report = CoverageReport(rule_set=rule_set, codes=[rule.code for rule in rules])
    for case in load_clinical_cases() if cases is None else cases:
        report.outcomes[case["id"]] = Outcome.of(_propose(rule_set, rules, case_facts(case)))
    return report
