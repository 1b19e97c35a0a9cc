"""Evaluating triage rules against a referral. Pure functions: no database access here.

A rule's `conditions` is a JSON object; every key must hold for the rule to fire (AND); the first
rule in order that fires wins. An empty object always fires (the catch-all that ends every set).
Each evaluation returns the checks it made, which is what "explain" shows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jalon.core.vocabulary import (
    BIRADS_VALUES,
    EU_TIRADS_VALUES,
    HISTORY_FACTS,
    LIRADS_VALUES,
    LUNG_RADS_VALUES,
    AlarmSign,
    CancerSite,
    Urgency,
)
from jalon.referrals.models import ExamKind, Question


@dataclass(frozen=True)
class TriageFacts:
    """What the rules look at, taken from a referral (or built by hand in tests)."""

    suspected_site: str
    declared_urgency: str = Urgency.ROUTINE
    age: int | None = None
    alarm_signs: frozenset[str] = field(default_factory=frozenset)
    exam_kinds: frozenset[str] = field(default_factory=frozenset)
    question: str = Question.DIAGNOSIS
    department: str | None = None
    outside_territory: bool = False
    is_complete: bool = True
    # Imaging scores (Referral.imaging_findings), None when not given.
    birads: int | None = None
    eu_tirads: int | None = None
    lirads: str | None = None
    lung_rads: str | None = None
    lesion_size_mm: int | None = None

    @classmethod
    def from_referral(cls, referral) -> TriageFacts:
        patient = referral.patient
        on = timezone.localdate(referral.received_at)  # the Paris date, not the UTC one
        return cls(
            suspected_site=referral.suspected_site,
            declared_urgency=referral.declared_urgency,
            age=age_on(patient.birth_date, on),
            alarm_signs=frozenset(referral.alarm_signs or ()),
            exam_kinds=frozenset(exam.kind for exam in referral.exams.all()),
            question=referral.question,
            department=patient.commune.department if patient.commune_id else None,
            outside_territory=referral.outside_territory,
            is_complete=referral.is_complete,
            **imaging_facts(referral.imaging_findings),
        )


def imaging_facts(findings: dict | None) -> dict:
    """The TriageFacts fields read from a referral's imaging findings (unknown keys ignored)."""
    findings = findings or {}
    return {key: findings.get(key) for key in ("birads", "eu_tirads", "lirads", "lung_rads", "lesion_size_mm")}


def age_on(birth_date: date, on: date) -> int:
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


@dataclass(frozen=True)
class Condition:
    label: object  # lazy French text
    kind: str  # "choices", "int", "bool", "departments", "level" (one value of an ordered scale: `choices`)
    holds: Callable[[TriageFacts, Any], bool]
    actual: Callable[[TriageFacts], Any]
    choices: tuple[str, ...] = ()


def _values(choices) -> tuple[str, ...]:
    return tuple(value for value, _label in choices)


def _at_least(scale: tuple, actual, threshold) -> bool:
    """Whether `actual` sits at or above `threshold` on the ordered `scale` (an unknown or missing value never does)."""
    return actual in scale and threshold in scale and scale.index(actual) >= scale.index(threshold)


HISTORY_VALUES = tuple(value for value in AlarmSign.values if value in HISTORY_FACTS)


CONDITIONS: dict[str, Condition] = {
    "suspected_site_in": Condition(
        _("cancer suspecté parmi"),
        "choices",
        lambda f, v: f.suspected_site in v,
        lambda f: f.suspected_site,
        _values(CancerSite.choices),
    ),
    "declared_urgency_in": Condition(
        _("urgence déclarée parmi"),
        "choices",
        lambda f, v: f.declared_urgency in v,
        lambda f: f.declared_urgency,
        _values(Urgency.choices),
    ),
    "question_in": Condition(
        _("question posée parmi"),
        "choices",
        lambda f, v: f.question in v,
        lambda f: f.question,
        _values(Question.choices),
    ),
    "age_min": Condition(_("âge au moins"), "int", lambda f, v: f.age is not None and f.age >= v, lambda f: f.age),
    "age_max": Condition(_("âge au plus"), "int", lambda f, v: f.age is not None and f.age <= v, lambda f: f.age),
    "alarm_signs_any": Condition(
        _("au moins un signe d'alerte parmi"),
        "choices",
        lambda f, v: bool(f.alarm_signs & set(v)),
        lambda f: sorted(f.alarm_signs),
        _values(AlarmSign.choices),
    ),
    "no_alarm_signs": Condition(
        _("aucun signe d'alerte"),
        "bool",
        lambda f, v: (not (f.alarm_signs - HISTORY_FACTS)) == v,
        lambda f: not (f.alarm_signs - HISTORY_FACTS),
    ),
    "history_any": Condition(
        _("au moins un antécédent parmi"),
        "choices",
        lambda f, v: bool(f.alarm_signs & set(v)),
        lambda f: sorted(f.alarm_signs & HISTORY_FACTS),
        HISTORY_VALUES,
    ),
    "exams_any": Condition(
        _("au moins un examen déjà fait parmi"),
        "choices",
        lambda f, v: bool(f.exam_kinds & set(v)),
        lambda f: sorted(f.exam_kinds),
        _values(ExamKind.choices),
    ),
    "exams_none": Condition(
        _("aucun examen déjà fait parmi"),
        "choices",
        lambda f, v: not (f.exam_kinds & set(v)),
        lambda f: sorted(f.exam_kinds),
        _values(ExamKind.choices),
    ),
    "department_in": Condition(
        _("département de résidence parmi"), "departments", lambda f, v: f.department in v, lambda f: f.department
    ),
    "outside_territory": Condition(
        _("hors territoire"), "bool", lambda f, v: f.outside_territory == v, lambda f: f.outside_territory
    ),
    "complete": Condition(_("demande complète"), "bool", lambda f, v: f.is_complete == v, lambda f: f.is_complete),
    "birads_at_least": Condition(
        _("BI-RADS / ACR au moins"),
        "level",
        lambda f, v: _at_least(BIRADS_VALUES, f.birads, v),
        lambda f: f.birads,
        BIRADS_VALUES,
    ),
    "eu_tirads_at_least": Condition(
        _("EU-TIRADS au moins"),
        "level",
        lambda f, v: _at_least(EU_TIRADS_VALUES, f.eu_tirads, v),
        lambda f: f.eu_tirads,
        EU_TIRADS_VALUES,
    ),
    "lirads_in": Condition(
        _("LI-RADS parmi"), "choices", lambda f, v: f.lirads in v, lambda f: f.lirads, LIRADS_VALUES
    ),
    "lung_rads_at_least": Condition(
        _("Lung-RADS au moins"),
        "level",
        lambda f, v: _at_least(LUNG_RADS_VALUES, f.lung_rads, v),
        lambda f: f.lung_rads,
        LUNG_RADS_VALUES,
    ),
    "lesion_size_mm_at_least": Condition(
        _("taille de la lésion (mm) au moins"),
        "int",
        lambda f, v: f.lesion_size_mm is not None and f.lesion_size_mm >= v,
        lambda f: f.lesion_size_mm,
    ),
}


@dataclass(frozen=True)
class Check:
    condition: str
    label: str
    expected: Any
    actual: Any
    holds: bool

    def as_dict(self) -> dict:
        return {
            "condition": self.condition,
            "label": self.label,
            "expected": self.expected,
            "actual": self.actual,
            "holds": self.holds,
        }


# Explanations list their checks in the fixed order of CONDITIONS (jsonb does not keep key order): the same
# on every database. Unknown conditions last.
_CONDITION_ORDER = {name: position for position, name in enumerate(CONDITIONS)}


def matches(conditions: dict, facts: TriageFacts) -> bool:
    """Whether every condition holds (stops at the first that does not)."""
    return all(CONDITIONS[key].holds(facts, expected) for key, expected in conditions.items())


def evaluate(conditions: dict, facts: TriageFacts) -> tuple[bool, list[Check]]:
    """Whether every condition holds (`matches`), with the check made for each, for the explanation."""
    checks = []
    for key, expected in sorted(conditions.items(), key=lambda item: _CONDITION_ORDER.get(item[0], len(CONDITIONS))):
        condition = CONDITIONS[key]
        checks.append(
            Check(key, str(condition.label), expected, condition.actual(facts), bool(condition.holds(facts, expected)))
        )
    return matches(conditions, facts), checks


@dataclass(frozen=True)
class RuleOutcome:
    rule: Any  # a TriageRule (or any object with .conditions, .pathway_kind, .priority, .first_tasks)
    checks: list[Check]

    @property
    def explanation(self) -> list[dict]:
        return [check.as_dict() for check in self.checks]


def first_matching(rules: Iterable, facts: TriageFacts) -> RuleOutcome | None:
    """The first rule, in the given order, whose conditions all hold."""
    # Only the matching rule is explained: its checks' labels, translated, are most of the cost of a proposal
    # (a referral page proposes on every view).
    for rule in rules:
        if matches(rule.conditions, facts):
            return RuleOutcome(rule=rule, checks=evaluate(rule.conditions, facts)[1])
    return None


PRIORITY_RANK = {"P1": 1, "P2": 2, "P3": 3}


def propose(rules: Iterable, facts: TriageFacts) -> RuleOutcome | None:
    """The rule triage proposes: the first matching rule, except that the declared urgency never lowers what
    the findings require (issue 14). The findings alone are the same facts declared « habituelle »: when their
    first rule asks for a more urgent priority than the rule the declared urgency led to, that rule wins, its
    explanation saying so. A declared urgency may raise the priority (rules read `declared_urgency_in`)."""
    rules = list(rules)
    outcome = first_matching(rules, facts)
    if outcome is None or facts.declared_urgency == Urgency.ROUTINE:
        return outcome
    findings = first_matching(rules, replace(facts, declared_urgency=Urgency.ROUTINE))
    if findings is None or PRIORITY_RANK.get(findings.rule.priority, 9) >= PRIORITY_RANK.get(outcome.rule.priority, 9):
        return outcome
    kept = Check(
        "declared_urgency_never_lowers",
        str(_("l'urgence déclarée ne baisse pas la priorité qu'exigent les signes")),
        findings.rule.priority,
        outcome.rule.priority,
        True,
    )
    return RuleOutcome(rule=findings.rule, checks=[*findings.checks, kept])


def validate_conditions(conditions: Any) -> None:
    """Refuse an unknown key or a value of the wrong type, with a French message."""
    if not isinstance(conditions, dict):
        raise ValidationError(_("Les conditions doivent être un objet JSON."), code="conditions_type")
    for key, value in conditions.items():
        condition = CONDITIONS.get(key)
        if condition is None:
            raise ValidationError(_("Condition inconnue : « %(key)s ».") % {"key": key}, code="condition_unknown")
        if condition.kind == "int" and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise ValidationError(
                _("« %(key)s » attend un nombre entier positif.") % {"key": key}, code="condition_value"
            )
        if condition.kind == "level" and (isinstance(value, bool) or value not in condition.choices):
            raise ValidationError(
                _("« %(key)s » attend une valeur parmi : %(values)s.")
                % {"key": key, "values": ", ".join(str(item) for item in condition.choices)},
                code="condition_value",
            )
        if condition.kind == "bool" and not isinstance(value, bool):
            raise ValidationError(_("« %(key)s » attend true ou false.") % {"key": key}, code="condition_value")
        if condition.kind in ("choices", "departments"):
            if not isinstance(value, list) or not value or not all(isinstance(item, str) for item in value):
                raise ValidationError(
                    _("« %(key)s » attend une liste non vide de valeurs.") % {"key": key}, code="condition_value"
                )
            unknown = [item for item in value if condition.choices and item not in condition.choices]
            if unknown:
                raise ValidationError(
                    _("Valeurs inconnues pour « %(key)s » : %(values)s.") % {"key": key, "values": ", ".join(unknown)},
                    code="condition_value",
                )
