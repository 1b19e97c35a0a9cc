"""The shipped triage rules v2 (data/rules_v2.json, published by migration 0004, issue 14): each rule has its
French label and a published source, fires on the case built from its conditions, every site keeps its
pathway, and no sign, exam, imaging score or declared urgency ever lowers the priority."""

from __future__ import annotations

import functools
import importlib
import itertools
import json
import re
from pathlib import Path

import pytest

import jalon.triage
from jalon.core.vocabulary import HISTORY_FACTS, AlarmSign, PathwayKind, Priority
from jalon.triage.engine import TriageFacts, propose, validate_conditions
from jalon.triage.models import TriageRuleSet
from jalon.triage.services import published_rule_set
from jalon.triage.tests.test_default_rules import NEUTRAL, RANK, SITE_PATHWAY, case_for
from jalon.triage.tests.test_default_rules import RULE_OBJECTS as V1_RULES

DATA = json.loads((Path(jalon.triage.__file__).parent / "data" / "rules_v2.json").read_text(encoding="utf-8"))
RULES = sorted(DATA["rules"], key=lambda rule: rule["order"])
CODES = [rule["code"] for rule in RULES]
MIGRATION = importlib.import_module("jalon.triage.migrations.0004_rules_v2")


class Rule:
    def __init__(self, **fields):
        self.__dict__.update(fields)


RULE_OBJECTS = [Rule(**rule) for rule in RULES]
IMAGING_CASE = {
    "birads_at_least": "birads",
    "eu_tirads_at_least": "eu_tirads",
    "lung_rads_at_least": "lung_rads",
    "lesion_size_mm_at_least": "lesion_size_mm",
}


def case_for_v2(conditions: dict) -> dict:
    """case_for (v1) extended with the conditions of issue 14: history facts and imaging scores."""
    plain = {key: value for key, value in conditions.items() if key not in {"history_any", "lirads_in", *IMAGING_CASE}}
    values = case_for(plain)
    for key, expected in conditions.items():
        if key == "history_any":
            values["alarm_signs"] = values["alarm_signs"] | {expected[0]}
        elif key == "lirads_in":
            values["lirads"] = expected[0]
        elif key in IMAGING_CASE:
            values[IMAGING_CASE[key]] = expected
    return values


def facts(**overrides) -> TriageFacts:
    return TriageFacts(**{**NEUTRAL, **overrides})


def test_it_ships_version_2_with_labels_sources_and_a_final_catch_all():
    """Version 2, unique slug codes, increasing orders, a French label and a source on each rule, the catch-all last."""
    assert DATA["version"] == 2 and "NICE NG12" in DATA["source"]
    assert len(set(CODES)) == len(CODES)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", code) and len(code) <= 60 for code in CODES)
    assert [rule["order"] for rule in DATA["rules"]] == sorted({rule["order"] for rule in DATA["rules"]})
    assert RULES[-1]["code"] == "catch-all" and RULES[-1]["conditions"] == {}
    assert all(rule["conditions"] for rule in RULES[:-1])
    assert {rule["pathway_kind"] for rule in RULES} == set(PathwayKind.values)
    assert {rule["priority"] for rule in RULES} == set(Priority.values)


@pytest.mark.parametrize("rule", RULES, ids=CODES)
def test_it_labels_describes_and_sources_each_rule(rule):
    """Each rule has a French label, a clinical situation, a source (a published text, a seed or a Jalon proposal)
    of at most 300 characters, valid conditions and first tasks."""
    assert 10 <= len(rule["label"]) <= 200
    assert len(rule["comment"].strip()) >= 40
    assert rule["source"].strip() and len(rule["source"]) <= 300
    assert any(
        word in rule["source"]
        for word in ("NICE", "seed", "proposition Jalon", "ACR", "EU-TIRADS", "EASL", "Fleischner")
    )
    validate_conditions(rule["conditions"])
    assert rule["first_tasks"]


@pytest.mark.parametrize("rule", RULES, ids=CODES)
def test_it_fires_each_rule_on_the_case_built_from_its_conditions(rule):
    """Facts built from the rule's own conditions reach that rule: no earlier rule shadows it."""
    outcome = propose(RULE_OBJECTS, TriageFacts(**case_for_v2(rule["conditions"])))
    assert outcome.rule.code == rule["code"]


SIGNS = [None, *AlarmSign.values]
# One exam or one imaging score at a time (crossing them all would take minutes).
EXTRAS = [
    {},
    *({"exam_kinds": frozenset({kind})} for kind in ("ct", "ultrasound", "endoscopy", "biopsy", "mammography")),
    {"birads": 5},
    {"eu_tirads": 5},
    {"lirads": "LR-5"},
    {"lirads": "LR-TIV"},
    {"lung_rads": "4B"},
    {"lesion_size_mm": 30},
]


@functools.cache
def _rule(facts_: TriageFacts):
    return propose(RULE_OBJECTS, facts_).rule


@pytest.mark.parametrize("site", list(SITE_PATHWAY))
def test_it_keeps_each_site_on_its_pathway_and_never_lowers_priority(site):
    """For every urgency, sign or history fact, exam or imaging score, completeness and age: the site's pathway (a
    LI-RADS score, or a known cancer with liver imaging, may lead to the liver pathway); very urgent is P1; a sign,
    an exam, a score or the declared urgency never makes the priority less urgent."""
    allowed = {SITE_PATHWAY[site]} | ({PathwayKind.LIVER} if site in ("unknown_primary", "liver") else set())
    for urgency, sign, extra, complete, age in itertools.product(
        ["routine", "urgent", "very_urgent"], SIGNS, EXTRAS, [True, False], [20, 80]
    ):
        base = dict(suspected_site=site, is_complete=complete, age=age)
        signs = frozenset({sign}) if sign else frozenset()
        rule = _rule(facts(**base, declared_urgency=urgency, alarm_signs=signs, **extra))
        where = (site, urgency, sign, extra, complete, age)
        assert rule.pathway_kind in allowed, where
        if urgency == "very_urgent":
            assert rule.priority == Priority.P1, where
        rank = RANK[rule.priority]
        assert rank <= RANK[_rule(facts(**base, declared_urgency=urgency, **extra)).priority], (*where, "sign lowers")
        assert rank <= RANK[_rule(facts(**base, declared_urgency=urgency, alarm_signs=signs)).priority], (
            *where,
            "exam or score lowers",
        )
        assert rank <= RANK[_rule(facts(**base, alarm_signs=signs, **extra)).priority], (*where, "urgency lowers")


def test_it_gives_b_symptoms_p1_at_any_age():
    """Lymphoma with B symptoms is P1 at 25 as at 70 (v1 asked for 60 or more)."""
    for age in (25, 45, 70):
        assert (
            propose(
                RULE_OBJECTS, facts(suspected_site="lymphoma", age=age, alarm_signs=frozenset({"b_symptoms"}))
            ).rule.priority
            == "P1"
        )


@pytest.mark.parametrize(
    ("overrides", "code", "priority"),
    [
        ({"suspected_site": "thyroid", "eu_tirads": 5}, "thyroid-eu-tirads-5", "P2"),
        ({"suspected_site": "breast", "birads": 4}, "breast-birads-4-5", "P2"),
        ({"suspected_site": "liver", "lirads": "LR-4"}, "liver-lirads-4-5-m", "P2"),
        ({"suspected_site": "liver", "lirads": "LR-TIV"}, "liver-lirads-tiv", "P1"),
        ({"suspected_site": "lung", "lung_rads": "4A"}, "lung-rads-4", "P2"),
        ({"suspected_site": "lung", "lesion_size_mm": 8}, "lung-nodule-8mm", "P2"),
        ({"suspected_site": "breast", "alarm_signs": frozenset({"inflammatory_breast"})}, "breast-inflammatory", "P1"),
        (
            {"suspected_site": "unknown_primary", "alarm_signs": frozenset({"weight_loss", "altered_general_state"})},
            "non-specific-weight-loss-or-aeg",
            "P2",
        ),
        (
            {"suspected_site": "liver", "alarm_signs": frozenset({"known_cancer"}), "exam_kinds": frozenset({"ct"})},
            "liver-known-cancer",
            "P2",
        ),
        (
            {"suspected_site": "liver", "exam_kinds": frozenset({"ct"}), "outside_territory": True},
            "liver-imaging-lesion",
            "P2",
        ),
    ],
)
def test_it_reads_the_findings_issue_14_names(overrides, code, priority):
    """Imaging scores, inflammatory breast, weight loss with altered state, a known cancer's liver lesions and a liver
    mass outside the territory each have their rule (the last keeps the liver pathway)."""
    rule = propose(RULE_OBJECTS, facts(**overrides)).rule
    assert (rule.code, rule.priority) == (code, priority)


def test_it_does_not_read_a_lower_score_as_reaching_the_threshold():
    """BI-RADS 3, EU-TIRADS 4, LR-3, Lung-RADS 3 and a 7 mm nodule reach no imaging rule."""
    for overrides in (
        {"suspected_site": "breast", "birads": 3},
        {"suspected_site": "thyroid", "eu_tirads": 4},
        {"suspected_site": "liver", "lirads": "LR-3"},
        {"suspected_site": "lung", "lung_rads": "3"},
        {"suspected_site": "lung", "lesion_size_mm": 7},
    ):
        assert propose(RULE_OBJECTS, facts(**overrides)).rule.priority == "P3", overrides


def test_it_keeps_the_urgency_from_lowering_what_findings_require_even_in_a_badly_ordered_set():
    """A set where an « urgent » rule in P3 comes before a finding rule in P1: the finding rule wins, and the
    explanation says the declared urgency did not lower the priority."""
    rules = [
        Rule(
            code="urgent-low",
            conditions={"declared_urgency_in": ["urgent"]},
            pathway_kind="generic",
            priority="P3",
            first_tasks=[],
        ),
        Rule(
            code="finding",
            conditions={"alarm_signs_any": ["haemoptysis"]},
            pathway_kind="lung",
            priority="P1",
            first_tasks=[],
        ),
        Rule(code="catch-all", conditions={}, pathway_kind="generic", priority="P3", first_tasks=[]),
    ]
    outcome = propose(rules, facts(declared_urgency="urgent", alarm_signs=frozenset({"haemoptysis"})))
    assert outcome.rule.code == "finding"
    assert outcome.explanation[-1]["condition"] == "declared_urgency_never_lowers" and outcome.explanation[-1]["holds"]
    assert propose(rules, facts(declared_urgency="urgent")).rule.code == "urgent-low"


def test_it_treats_history_facts_apart_from_signs():
    """A history fact is read by history_any, and no_alarm_signs still holds with a history fact alone."""
    assert {"cirrhosis", "known_cancer", "smoker"} == HISTORY_FACTS
    rules = [
        Rule(
            code="quiet",
            conditions={"no_alarm_signs": True, "history_any": ["smoker"]},
            pathway_kind="lung",
            priority="P3",
            first_tasks=[],
        )
    ]
    assert propose(rules, facts(alarm_signs=frozenset({"smoker"}))).rule.code == "quiet"
    assert propose(rules, facts(alarm_signs=frozenset({"smoker", "haemoptysis"}))) is None


def test_v1_and_v2_agree_on_a_plain_lung_referral():
    """Nothing changes for the usual lung referral with a CT: lung P2 in both sets."""
    plain = facts(suspected_site="lung", exam_kinds=frozenset({"ct"}), declared_urgency="urgent")
    assert (propose(V1_RULES, plain).rule.priority, propose(RULE_OBJECTS, plain).rule.priority) == ("P2", "P2")


@pytest.mark.django_db
def test_it_publishes_the_file_as_version_2_the_active_set():
    """Migration 0004 published the JSON rules as v2, field for field, and v2 is what triage uses; running it again
    changes nothing."""
    rule_set = published_rule_set()
    assert rule_set.version == 2 and rule_set.source == DATA["source"]
    fields = ("order", "code", "label", "comment", "conditions", "pathway_kind", "priority", "first_tasks", "source")
    assert [{name: getattr(rule, name) for name in fields} for rule in rule_set.rules.order_by("order")] == RULES
    from django.apps import apps as django_apps

    MIGRATION.load(django_apps, None)
    assert TriageRuleSet.objects.filter(version=2).count() == 1 and rule_set.rules.count() == len(RULES)


def test_it_documents_every_rule_in_the_criteria_table():
    """docs/triage-criteria.md has a row for every rule of v2, with its code and priority."""
    text = (Path(jalon.triage.__file__).resolve().parents[2] / "docs" / "triage-criteria.md").read_text(
        encoding="utf-8"
    )
    rows = {
        line.split("(`", 1)[1].split("`)", 1)[0]: line for line in text.splitlines() if "(`" in line and "`)" in line
    }
    for rule in RULES:
        assert f"(`{rule['code']}`)" in text, rule["code"]
        # The row cites the rule's source word for word: one source of truth, the JSON.
        assert rows[rule["code"]].endswith(f"| {rule['source']} |"), rule["code"]


# The recommendations of NICE NG12 as updated on 1 May 2025 (« Recommendations organised by site of cancer » and
# the patient support, safety netting and diagnostic process sections): section → how many it has.
NG12_RECOMMENDATIONS = {
    "1.1": 6, "1.2": 11, "1.3": 6, "1.4": 3, "1.5": 15, "1.6": 10, "1.7": 7, "1.8": 5, "1.9": 2,
    "1.10": 10, "1.11": 7, "1.12": 3, "1.13": 4, "1.14": 11, "1.15": 2, "1.16": 8,
}  # fmt: skip
NG12_NUMBERS = {
    f"{section}.{number}" for section, count in NG12_RECOMMENDATIONS.items() for number in range(1, count + 1)
}


def ng12_numbers_cited(source: str) -> list[str]:
    """The NG12 recommendation numbers a source cites (a CG27 citation left out)."""
    if "NG12" not in source:
        return []
    return re.findall(r"(?<![\d.])1\.\d{1,2}\.\d{1,2}(?![\d.]\d)", re.sub(r"CG27[^;]*", "", source))


def test_every_cited_ng12_number_exists_in_the_2025_text():
    """Every NG12 recommendation number cited by a v2 rule or a clinical case names a recommendation of the May 2025
    text (the update renumbered section 1.2: docs/triage-criteria.md, « Vérification des numéros NICE »)."""
    from jalon.triage.dry_run import load_clinical_cases

    sources = [(rule["code"], rule["source"]) for rule in RULES]
    sources += [(case["id"], case["source"]) for case in load_clinical_cases()]
    cited = [(where, number) for where, source in sources for number in ng12_numbers_cited(source)]
    assert len(cited) > 40
    assert [(where, number) for where, number in cited if number not in NG12_NUMBERS] == []
    # The numbers of the 2015 text that the 2025 update gave to other recommendations are gone.
    by_code = {rule["code"]: rule["source"] for rule in RULES}
    assert "1.2.4 (ictère" in by_code["pancreas-jaundice"]
    assert all("1.2.11" in by_code[code] for code in ("liver-imaging-lesion", "liver-default", "liver-known-cancer"))


@pytest.mark.django_db
def test_migration_0005_corrects_the_citations_of_the_published_v2_and_nothing_else():
    """A v2 published with the 2015 numbers gets the sources of the file; conditions, priorities, pathways and tasks
    stay as published; running it again changes nothing."""
    from django.apps import apps as django_apps

    from jalon.triage.models import TriageRule

    correction = importlib.import_module("jalon.triage.migrations.0005_rules_v2_nice_citations")
    rule_set = published_rule_set()
    TriageRuleSet.objects.filter(pk=rule_set.pk).update(source="ancienne source")
    TriageRule.objects.filter(rule_set=rule_set, code="pancreas-jaundice").update(
        source="NICE NG12 1.2.2 (ictère ≥ 40 ans)", priority="P1"
    )
    fields = ("order", "code", "conditions", "pathway_kind", "priority", "first_tasks")
    before = list(rule_set.rules.order_by("order").values(*fields))
    correction.correct_citations(django_apps, None)
    correction.correct_citations(django_apps, None)
    rule_set.refresh_from_db()
    assert rule_set.source == DATA["source"] and rule_set.published_at is not None
    assert list(rule_set.rules.order_by("order").values_list("source", flat=True)) == [rule["source"] for rule in RULES]
    assert list(rule_set.rules.order_by("order").values(*fields)) == before
