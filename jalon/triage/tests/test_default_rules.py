"""The shipped triage rules (data/rules_v1.json, published as v1 by migration 0002): each rule fires on a case
built for it, the set covers every pathway, and no ordering mistake lets a later rule shadow an earlier one."""

from __future__ import annotations

import functools
import importlib
import itertools
import json
import re
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError

import jalon.triage
from conftest import identity
from jalon.core.vocabulary import AlarmSign, CancerSite, PathwayKind, Priority
from jalon.core.workcalendar import DELAY_UNITS
from jalon.pathways.models import ResponsibleRole
from jalon.patients.models import Sex
from jalon.referrals.models import ExamKind
from jalon.referrals.services import ExamInput
from jalon.testing.factories import make_ins
from jalon.triage.engine import CONDITIONS, TriageFacts, first_matching, validate_conditions
from jalon.triage.models import TriageRuleSet
from jalon.triage.services import triage_propose

RULES_PATH = Path(jalon.triage.__file__).parent / "data" / "rules_v1.json"
DATA = json.loads(RULES_PATH.read_text(encoding="utf-8"))
RULES = sorted(DATA["rules"], key=lambda rule: rule["order"])
RULE_OBJECTS = [SimpleNamespace(**rule) for rule in RULES]
CODES = [rule["code"] for rule in RULES]
MIGRATION = importlib.import_module("jalon.triage.migrations.0002_rules_v1")

# The pathway a referral of each site must land in, whatever its urgency, signs, exams or completeness.
SITE_PATHWAY = {
    CancerSite.LUNG: PathwayKind.LUNG,
    CancerSite.PANCREAS_BILIARY: PathwayKind.PANCREAS_BILIARY,
    CancerSite.LIVER: PathwayKind.LIVER,
    CancerSite.COLORECTAL: PathwayKind.DIGESTIVE,
    CancerSite.OESOGASTRIC: PathwayKind.DIGESTIVE,
    CancerSite.BREAST: PathwayKind.BREAST,
    CancerSite.LYMPHOMA: PathwayKind.LYMPHOMA,
    CancerSite.THYROID: PathwayKind.THYROID,
    CancerSite.BRAIN: PathwayKind.GLIOBLASTOMA,
    CancerSite.GYNAECOLOGICAL: PathwayKind.GENERIC,
    CancerSite.UROLOGICAL: PathwayKind.GENERIC,
    CancerSite.HEAD_NECK: PathwayKind.GENERIC,
    CancerSite.SKIN: PathwayKind.GENERIC,
    CancerSite.UNKNOWN_PRIMARY: PathwayKind.GENERIC,
}
RANK = {Priority.P1: 1, Priority.P2: 2, Priority.P3: 3}

# A referral that no specific rule is about: a site without its own pathway, routine, no sign, no exam,
# complete, inside the territory, asking for a diagnosis, aged 50 (no age threshold applies).
NEUTRAL = dict(
    suspected_site=CancerSite.UNKNOWN_PRIMARY,
    declared_urgency="routine",
    age=50,
    alarm_signs=frozenset(),
    exam_kinds=frozenset(),
    question="diagnosis",
    department="67",
    outside_territory=False,
    is_complete=True,
)


def case_for(conditions: dict) -> dict:
    """The facts built from a rule's own conditions: first value of each list, the threshold of an age bound,
    the flag asked for; everything else neutral."""
    values = dict(NEUTRAL)
    for key, expected in conditions.items():
        match key:
            case "suspected_site_in":
                values["suspected_site"] = expected[0]
            case "declared_urgency_in":
                values["declared_urgency"] = expected[0]
            case "question_in":
                values["question"] = expected[0]
            case "age_min":
                values["age"] = expected
            case "age_max":
                values["age"] = conditions.get("age_min", expected)
            case "alarm_signs_any":
                values["alarm_signs"] = frozenset({expected[0]})
            case "no_alarm_signs":
                values["alarm_signs"] = frozenset() if expected else frozenset({AlarmSign.WEIGHT_LOSS.value})
            case "exams_any":
                values["exam_kinds"] = frozenset({expected[0]})
            case "exams_none":
                values["exam_kinds"] = values["exam_kinds"] - set(expected)
            case "department_in":
                values["department"] = expected[0]
            case "outside_territory":
                values["outside_territory"] = expected
            case "complete":
                values["is_complete"] = expected
            case _:
                raise AssertionError(f"no case builder for condition {key}")
    return values


def propose(**overrides):
    return first_matching(RULE_OBJECTS, TriageFacts(**{**NEUTRAL, **overrides}))


@functools.cache
def _first_rule(facts: TriageFacts):
    """The engine's first-match semantics without building the explanation (the grid below tries thousands of cases)."""
    return next(
        rule
        for rule in RULE_OBJECTS
        if all(CONDITIONS[key].holds(facts, value) for key, value in rule.conditions.items())
    )


def first_rule(**overrides):
    return _first_rule(TriageFacts(**{**NEUTRAL, **overrides}))


# --- The file itself --------------------------------------------------------------------------------------------


def test_it_ships_at_least_thirty_rules_with_unique_codes_and_orders():
    """The default set has at least 30 rules; codes are unique slugs and orders strictly increase."""
    assert DATA["version"] == 1 and DATA["source"].strip()
    assert len(RULES) >= 30
    assert len(set(CODES)) == len(CODES)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", code) and len(code) <= 60 for code in CODES)
    orders = [rule["order"] for rule in DATA["rules"]]
    assert orders == sorted(set(orders)), "rules are listed in their order, with no duplicate"


def test_it_ends_with_the_catch_all_and_only_there():
    """The last rule has no condition (generic pathway, P3); no earlier rule is unconditional."""
    last = RULES[-1]
    assert last["code"] == "catch-all"
    assert last["conditions"] == {}
    assert (last["pathway_kind"], last["priority"]) == (PathwayKind.GENERIC, Priority.P3)
    assert all(rule["conditions"] for rule in RULES[:-1])


@pytest.mark.parametrize("rule", RULES, ids=CODES)
def test_it_describes_and_sources_each_rule(rule):
    """Each rule says which clinical situation it handles, cites its source, and names a known pathway and priority."""
    assert len(rule["comment"].strip()) >= 40
    assert rule["source"].strip() and len(rule["source"]) <= 300
    assert "seed" in rule["source"] or "proposition Jalon" in rule["source"]
    assert rule["pathway_kind"] in PathwayKind.values
    assert rule["priority"] in Priority.values
    validate_conditions(rule["conditions"])


@pytest.mark.parametrize("rule", RULES, ids=CODES)
def test_it_gives_each_rule_concrete_first_tasks(rule):
    """Each rule starts with at least one task: a French label, a known role, a positive delay in a known unit."""
    units = {value for value, _label in DELAY_UNITS}
    assert rule["first_tasks"]
    for task in rule["first_tasks"]:
        assert set(task) == {"label", "responsible_role", "due_amount", "due_unit"}
        assert 10 <= len(task["label"]) <= 300
        assert task["responsible_role"] in ResponsibleRole.values
        assert (
            isinstance(task["due_amount"], int) and not isinstance(task["due_amount"], bool) and task["due_amount"] > 0
        )
        assert task["due_unit"] in units


def test_it_covers_every_pathway_kind():
    """Every pathway template has at least one rule leading to it (and each rule fires on its own case, below)."""
    assert {rule["pathway_kind"] for rule in RULES} == set(PathwayKind.values)


def test_it_uses_every_priority():
    """P1, P2 and P3 are all proposed by some rule."""
    assert {rule["priority"] for rule in RULES} == set(Priority.values)


# --- Each rule fires on the case built for it ----------------------------------------------------------------------


@pytest.mark.parametrize("rule", RULES, ids=CODES)
def test_it_fires_each_rule_on_the_case_built_from_its_conditions(rule):
    """Facts built from the rule's own conditions reach that rule (no earlier rule shadows it) and the explanation names
    its conditions."""
    outcome = first_matching(RULE_OBJECTS, TriageFacts(**case_for(rule["conditions"])))
    assert outcome is not None
    assert outcome.rule.code == rule["code"]
    assert sorted(check["condition"] for check in outcome.explanation) == sorted(rule["conditions"])
    assert all(check["holds"] for check in outcome.explanation)


NOW = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.mark.parametrize("rule", RULES, ids=CODES)
def test_it_fires_each_published_rule_on_a_referral_built_for_it(rule, submit, gp, paris):
    """A referral built for the rule (site, urgency, question, signs, exams, age, commune; completeness forced) gets
    that rule from triage_propose and the shipped v1 (v2 is the active set since issue 14), with an explanation
    naming its conditions."""
    case = case_for(rule["conditions"])
    birth = date(NOW.year - case["age"], 1, 15)
    patient = identity(
        birth_date=birth,
        ins=make_ins(sex=Sex.FEMALE, birth_date=birth, seed=3),
        commune_code=paris.code if case["outside_territory"] else "67482",
        gp_id=gp.professional_id,
    )
    with time_machine.travel(NOW, tick=False):
        referral = submit(
            patient=patient,
            suspected_site=case["suspected_site"],
            declared_urgency=case["declared_urgency"],
            question=case["question"],
            alarm_signs=sorted(case["alarm_signs"]),
            exams=[ExamInput(kind=kind, done_on=date(2026, 10, 1)) for kind in sorted(case["exam_kinds"])],
        ).referral
        # Completeness depends on the site's requirements: the case says which value the rule needs.
        referral.is_complete = case["is_complete"]
        referral.save(update_fields=["is_complete"])
        proposal = triage_propose(referral, rule_set=TriageRuleSet.objects.get(version=1))
    assert referral.outside_territory is case["outside_territory"]
    assert proposal.rule_set.version == 1
    assert proposal.rule.code == rule["code"]
    assert (proposal.pathway_kind, proposal.priority) == (rule["pathway_kind"], rule["priority"])
    # PostgreSQL's jsonb does not keep the keys' order: every condition is named, in whatever order the row holds them.
    assert sorted(check["condition"] for check in proposal.explanation) == sorted(rule["conditions"])
    assert all(check["holds"] for check in proposal.explanation)


# --- The set as a whole: no ordering mistake ---------------------------------------------------------------------


SITES = list(CancerSite.values)
SIGNS = [None, *AlarmSign.values]
EXAMS = [None, *ExamKind.values]


@pytest.mark.parametrize("site", SITES)
def test_it_keeps_each_site_on_its_pathway_and_never_lowers_priority_for_a_sign_an_exam_or_urgency(site):
    """For every urgency, alarm sign, exam, completeness and age, a diagnosis request from inside the territory lands
    on its site's pathway; very urgent is always P1; ticking a sign, adding an exam or declaring urgency never
    makes the priority less urgent."""
    for urgency, sign, exam, complete, age in itertools.product(
        ["routine", "urgent", "very_urgent"], SIGNS, EXAMS, [True, False], [30, 50, 65, 80]
    ):
        base = dict(suspected_site=site, is_complete=complete, age=age)
        signs, exams = (frozenset({sign}) if sign else frozenset()), (frozenset({exam}) if exam else frozenset())
        rule = first_rule(**base, declared_urgency=urgency, alarm_signs=signs, exam_kinds=exams)
        where = (site, urgency, sign, exam, complete, age)
        assert rule.pathway_kind == SITE_PATHWAY[site], where
        if urgency == "very_urgent":
            assert rule.priority == Priority.P1, where
        rank = RANK[rule.priority]
        assert rank <= RANK[first_rule(**base, declared_urgency=urgency, exam_kinds=exams).priority], (
            *where,
            "sign lowers",
        )
        assert rank <= RANK[first_rule(**base, declared_urgency=urgency, alarm_signs=signs).priority], (
            *where,
            "exam lowers",
        )
        assert (
            rank <= RANK[first_rule(**base, declared_urgency="routine", alarm_signs=signs, exam_kinds=exams).priority]
        ), (*where, "urgency lowers")


def test_it_agrees_with_the_engine_on_the_grid_shortcut():
    """The shortcut the grid uses gives the same rule as first_matching (sampled over sites, signs and exams)."""
    for site, sign, exam in itertools.product(SITES, SIGNS[::3], EXAMS[::3]):
        overrides = dict(
            suspected_site=site,
            alarm_signs=frozenset({sign}) if sign else frozenset(),
            exam_kinds=frozenset({exam}) if exam else frozenset(),
        )
        assert first_rule(**overrides) is propose(**overrides).rule


@pytest.mark.parametrize("site", SITES)
def test_it_sends_a_routine_complete_referral_without_exam_to_its_pathway_in_p3(site):
    """Nothing alarming, nothing done yet: the site's pathway, P3."""
    outcome = propose(suspected_site=site)
    assert (outcome.rule.pathway_kind, outcome.rule.priority) == (SITE_PATHWAY[site], Priority.P3)


def test_it_puts_alarm_signs_before_territory_and_opinion_checks():
    """A patient from outside the territory, or a request for an opinion, with haemoptysis is still lung P1."""
    for overrides in ({"outside_territory": True}, {"question": "opinion"}, {"is_complete": False}):
        outcome = propose(suspected_site="lung", alarm_signs=frozenset({"haemoptysis"}), **overrides)
        assert outcome.rule.code == "lung-haemoptysis-or-compression", overrides


def test_it_asks_to_check_redirection_for_a_patient_outside_the_territory():
    """Outside the territory without alarm: the first task is to check a redirection with the referrer."""
    outcome = propose(suspected_site="lung", exam_kinds=frozenset({"ct"}), outside_territory=True)
    assert outcome.rule.code == "outside-territory"
    assert "réorienter" in outcome.rule.first_tasks[0]["label"]
    assert (
        propose(suspected_site="lung", declared_urgency="urgent", outside_territory=True).rule.code
        == "outside-territory-urgent"
    )


def test_it_routes_an_opinion_request_to_tele_expertise():
    """An opinion request without alarm goes to the generic pathway, P3, first task: tele-expertise."""
    outcome = propose(suspected_site="colorectal", question="opinion", exam_kinds=frozenset({"endoscopy"}))
    assert (outcome.rule.code, outcome.rule.pathway_kind, outcome.rule.priority) == (
        "specialist-opinion",
        "generic",
        "P3",
    )
    assert "téléexpertise" in outcome.rule.first_tasks[0]["label"]


def test_it_chases_the_missing_items_of_an_incomplete_referral():
    """An incomplete routine referral without imaging stays on its pathway and first chases the missing items."""
    for site, code in (
        ("lung", "lung-incomplete"),
        ("oesogastric", "digestive-incomplete"),
        ("skin", "other-sites-incomplete"),
    ):
        outcome = propose(suspected_site=site, is_complete=False)
        assert outcome.rule.code == code
        assert outcome.rule.first_tasks[0]["label"].startswith("Relancer l'adresseur")


def test_it_adds_a_geriatric_screening_task_from_75():
    """At 75, a lung lesion on CT gets the G8 screening task first; at 74 it does not."""
    old = propose(suspected_site="lung", age=75, exam_kinds=frozenset({"ct"}))
    younger = propose(suspected_site="lung", age=74, exam_kinds=frozenset({"ct"}))
    assert old.rule.code == "lung-75-plus-with-imaging" and "G8" in old.rule.first_tasks[0]["label"]
    assert younger.rule.code == "lung-imaging-lesion"
    assert (old.rule.priority, younger.rule.priority) == ("P2", "P2")


def test_it_proposes_lung_p2_for_the_usual_lung_referral(submit):
    """The default test referral (lung, urgent, CT already done, complete) gets lung P2 from the published rules
    (v2 as v1); its CT report « Nodule 25 mm » is read as the lesion size (issue 14), which the nodule rule counts."""
    proposal = triage_propose(submit().referral)
    assert (proposal.rule.code, proposal.pathway_kind, proposal.priority) == ("lung-nodule-8mm", "lung", "P2")
    assert proposal.text.imaging == {"lesion_size_mm": 25}


# --- The migration -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_publishes_the_file_as_version_1():
    """Migration 0002 published the JSON rules, in order, field for field (v2 came after it, issue 14)."""
    rule_set = TriageRuleSet.objects.get(version=1)
    assert rule_set.version == 1 and rule_set.published_at is not None
    assert rule_set.source == DATA["source"]
    rows = [
        {
            field: getattr(rule, field)
            for field in ("order", "code", "comment", "conditions", "pathway_kind", "priority", "first_tasks", "source")
        }
        for rule in rule_set.rules.order_by("order")
    ]
    assert rows == RULES


@pytest.mark.django_db
def test_it_loads_the_rules_only_once():
    """Running the data migration again leaves version 1 as it is (no duplicate set, no duplicate rule)."""
    MIGRATION.load(django_apps, None)
    assert TriageRuleSet.objects.filter(version=1).count() == 1
    assert TriageRuleSet.objects.get(version=1).rules.count() == len(RULES)


def test_it_refuses_a_rule_set_without_a_final_catch_all():
    """The migration's check refuses a set whose last rule has conditions."""
    with pytest.raises(ValueError, match="règle sans condition"):
        MIGRATION.check({"rules": RULES[:-1]})


def test_it_refuses_a_rule_with_invalid_conditions():
    """The migration's check refuses a rule whose conditions the engine would not accept, naming the rule."""
    broken = [{**RULES[0], "conditions": {"suspected_site_in": ["poumon"]}}, *RULES[1:]]
    with pytest.raises(ValueError, match=RULES[0]["code"]) as error:
        MIGRATION.check({"rules": broken})
    assert isinstance(error.value.__cause__, ValidationError)


def test_it_refuses_duplicate_codes():
    """The migration's check refuses two rules with the same code."""
    with pytest.raises(ValueError, match="double"):
        MIGRATION.check({"rules": [*RULES[:-1], {**RULES[1], "order": 5}, RULES[-1]]})
