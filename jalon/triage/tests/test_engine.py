"""The triage engine: what each condition key means, how conditions are validated, which rule wins, what "explain"
shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from conftest import identity
from jalon.patients.models import Sex
from jalon.referrals.services import ExamInput
from jalon.testing.factories import make_ins
from jalon.triage.engine import CONDITIONS, TriageFacts, age_on, evaluate, first_matching, validate_conditions


@dataclass
class Rule:
    """Anything with conditions, pathway kind, priority and first tasks can be a rule for the engine."""

    code: str
    conditions: dict
    pathway_kind: str = "generic"
    priority: str = "P3"
    first_tasks: list = field(default_factory=list)


def facts(**overrides) -> TriageFacts:
    values = dict(suspected_site="lung", age=60, department="67")
    values.update(overrides)
    return TriageFacts(**values)


def holds(conditions: dict, **overrides) -> bool:
    return evaluate(conditions, facts(**overrides))[0]


def test_it_knows_exactly_the_documented_condition_keys():
    """The engine reads these eighteen keys, and no other (issue 14 added the history and imaging ones)."""
    assert set(CONDITIONS) == {
        "suspected_site_in",
        "declared_urgency_in",
        "question_in",
        "age_min",
        "age_max",
        "alarm_signs_any",
        "no_alarm_signs",
        "exams_any",
        "exams_none",
        "department_in",
        "outside_territory",
        "complete",
        "history_any",
        "birads_at_least",
        "eu_tirads_at_least",
        "lirads_in",
        "lung_rads_at_least",
        "lesion_size_mm_at_least",
    }


def test_it_matches_the_suspected_site_against_a_list():
    """suspected_site_in holds when the referral's site is one of the listed sites."""
    assert holds({"suspected_site_in": ["lung", "breast"]}, suspected_site="breast")
    assert not holds({"suspected_site_in": ["lung", "breast"]}, suspected_site="liver")


def test_it_matches_the_declared_urgency_against_a_list():
    """declared_urgency_in holds when the urgency the referrer declared is listed."""
    assert holds({"declared_urgency_in": ["very_urgent"]}, declared_urgency="very_urgent")
    assert not holds({"declared_urgency_in": ["very_urgent"]}, declared_urgency="urgent")
    assert holds({"declared_urgency_in": ["urgent", "very_urgent"]}, declared_urgency="urgent")


def test_it_matches_the_question_against_a_list():
    """question_in holds when the question asked is listed."""
    assert holds({"question_in": ["opinion"]}, question="opinion")
    assert not holds({"question_in": ["opinion"]}, question="diagnosis")


def test_it_treats_age_min_as_inclusive_and_an_unknown_age_as_not_matching():
    """age_min 75 holds at 75 and above, not at 74, and never when the age is unknown."""
    assert holds({"age_min": 75}, age=75)
    assert holds({"age_min": 75}, age=90)
    assert not holds({"age_min": 75}, age=74)
    assert not holds({"age_min": 75}, age=None)


def test_it_treats_age_max_as_inclusive_and_an_unknown_age_as_not_matching():
    """age_max 40 holds at 40 and below, not at 41, and never when the age is unknown."""
    assert holds({"age_max": 40}, age=40)
    assert holds({"age_max": 40}, age=18)
    assert not holds({"age_max": 40}, age=41)
    assert not holds({"age_max": 40}, age=None)


def test_it_fires_alarm_signs_any_on_a_single_shared_sign():
    """alarm_signs_any holds when at least one of the referral's signs is listed."""
    assert holds({"alarm_signs_any": ["haemoptysis", "dyspnoea"]}, alarm_signs=frozenset({"dyspnoea", "weight_loss"}))
    assert not holds({"alarm_signs_any": ["haemoptysis", "dyspnoea"]}, alarm_signs=frozenset({"weight_loss"}))
    assert not holds({"alarm_signs_any": ["haemoptysis"]}, alarm_signs=frozenset())


def test_it_reads_no_alarm_signs_both_ways():
    """no_alarm_signs true holds when no sign is ticked; false holds when at least one is."""
    assert holds({"no_alarm_signs": True}, alarm_signs=frozenset())
    assert not holds({"no_alarm_signs": True}, alarm_signs=frozenset({"jaundice"}))
    assert holds({"no_alarm_signs": False}, alarm_signs=frozenset({"jaundice"}))
    assert not holds({"no_alarm_signs": False}, alarm_signs=frozenset())


def test_it_fires_exams_any_on_one_exam_already_done():
    """exams_any holds when at least one listed exam was already done."""
    assert holds({"exams_any": ["ct", "pet_ct"]}, exam_kinds=frozenset({"xray", "pet_ct"}))
    assert not holds({"exams_any": ["ct", "pet_ct"]}, exam_kinds=frozenset({"xray"}))
    assert not holds({"exams_any": ["ct"]}, exam_kinds=frozenset())


def test_it_fires_exams_none_only_when_no_listed_exam_was_done():
    """exams_none holds when none of the listed exams was done (other exams do not matter)."""
    assert holds({"exams_none": ["ct", "mri"]}, exam_kinds=frozenset())
    assert holds({"exams_none": ["ct", "mri"]}, exam_kinds=frozenset({"xray"}))
    assert not holds({"exams_none": ["ct", "mri"]}, exam_kinds=frozenset({"xray", "mri"}))


def test_it_matches_the_department_and_never_an_unknown_one():
    """department_in holds for a listed department, not for another one nor for an unknown commune."""
    assert holds({"department_in": ["67", "68"]}, department="68")
    assert not holds({"department_in": ["67", "68"]}, department="57")
    assert not holds({"department_in": ["67"]}, department=None)


def test_it_reads_outside_territory_both_ways():
    """outside_territory true holds for a patient living outside the entry point's territory; false for one inside."""
    assert holds({"outside_territory": True}, outside_territory=True)
    assert not holds({"outside_territory": True}, outside_territory=False)
    assert holds({"outside_territory": False}, outside_territory=False)


def test_it_reads_complete_both_ways():
    """complete false holds for an incomplete referral; complete true for a complete one."""
    assert holds({"complete": False}, is_complete=False)
    assert not holds({"complete": False}, is_complete=True)
    assert holds({"complete": True}, is_complete=True)


def test_it_requires_every_condition_to_hold():
    """Conditions combine with AND: one failing condition is enough to refuse the rule."""
    conditions = {"suspected_site_in": ["lung"], "age_min": 75, "exams_any": ["ct"]}
    assert holds(conditions, age=80, exam_kinds=frozenset({"ct"}))
    assert not holds(conditions, age=70, exam_kinds=frozenset({"ct"}))
    assert not holds(conditions, age=80, exam_kinds=frozenset())


def test_it_always_fires_an_empty_condition_object():
    """{} is the catch-all: it holds for any referral, with no check to show."""
    assert evaluate({}, facts(suspected_site="skin", age=None)) == (True, [])


def test_it_explains_every_checked_condition_with_expected_actual_and_holds():
    """The explanation lists each condition in order, even the failing ones, with its French label."""
    conditions = {"suspected_site_in": ["lung"], "age_min": 75, "alarm_signs_any": ["haemoptysis"], "complete": True}
    with translation.override("fr"):
        matched, checks = evaluate(conditions, facts(age=70, alarm_signs=frozenset({"dyspnoea", "haemoptysis"})))
    assert matched is False
    assert [check.as_dict() for check in checks] == [
        {
            "condition": "suspected_site_in",
            "label": "cancer suspecté parmi",
            "expected": ["lung"],
            "actual": "lung",
            "holds": True,
        },
        {"condition": "age_min", "label": "âge au moins", "expected": 75, "actual": 70, "holds": False},
        {
            "condition": "alarm_signs_any",
            "label": "au moins un signe d'alerte parmi",
            "expected": ["haemoptysis"],
            "actual": ["dyspnoea", "haemoptysis"],
            "holds": True,
        },
        {"condition": "complete", "label": "demande complète", "expected": True, "actual": True, "holds": True},
    ]


def test_it_gives_the_first_matching_rule_in_the_order_given():
    """first_matching returns the first rule whose conditions hold, not the most specific nor the last."""
    rules = [
        Rule("breast", {"suspected_site_in": ["breast"]}),
        Rule("lung-urgent", {"suspected_site_in": ["lung"], "declared_urgency_in": ["very_urgent"]}, "lung", "P1"),
        Rule("lung", {"suspected_site_in": ["lung"]}, "lung", "P3"),
        Rule("catch-all", {}),
    ]
    assert first_matching(rules, facts(declared_urgency="very_urgent")).rule.code == "lung-urgent"
    assert first_matching(rules, facts(declared_urgency="routine")).rule.code == "lung"
    assert first_matching(list(reversed(rules)), facts(declared_urgency="very_urgent")).rule.code == "catch-all"
    assert first_matching(rules, facts(suspected_site="skin")).rule.code == "catch-all"


def test_it_returns_none_when_no_rule_matches():
    """Without a catch-all, a referral no rule covers gets no outcome."""
    assert first_matching([Rule("breast", {"suspected_site_in": ["breast"]})], facts()) is None
    assert first_matching([], facts()) is None


def test_it_explains_the_winning_rule_only():
    """The outcome's explanation is the checks of the rule that fired, every one holding."""
    rules = [
        Rule("lung-old", {"suspected_site_in": ["lung"], "age_min": 75}),
        Rule("lung", {"suspected_site_in": ["lung"], "exams_any": ["ct"]}),
    ]
    outcome = first_matching(rules, facts(age=50, exam_kinds=frozenset({"ct", "xray"})))
    assert outcome.rule.code == "lung"
    assert outcome.explanation == [
        {
            "condition": "suspected_site_in",
            "label": "cancer suspecté parmi",
            "expected": ["lung"],
            "actual": "lung",
            "holds": True,
        },
        {
            "condition": "exams_any",
            "label": "au moins un examen déjà fait parmi",
            "expected": ["ct"],
            "actual": ["ct", "xray"],
            "holds": True,
        },
    ]


@pytest.mark.parametrize(
    "conditions",
    [
        {},
        {
            "suspected_site_in": ["lung", "unknown_primary"],
            "declared_urgency_in": ["very_urgent"],
            "question_in": ["opinion"],
        },
        {"age_min": 0, "age_max": 120},
        {"alarm_signs_any": ["haemoptysis"], "no_alarm_signs": False, "exams_any": ["ct"], "exams_none": ["biopsy"]},
        {"department_in": ["67", "2A", "971"], "outside_territory": True, "complete": False},
    ],
)
def test_it_accepts_well_formed_conditions(conditions):
    """Every documented key with a value of the right type passes validation."""
    validate_conditions(conditions)


@pytest.mark.parametrize(
    ("conditions", "message"),
    [
        (["suspected_site_in"], "Les conditions doivent être un objet JSON."),
        ("lung", "Les conditions doivent être un objet JSON."),
        ({"site": ["lung"]}, "Condition inconnue : « site »."),
        ({"age_min": "75"}, "« age_min » attend un nombre entier positif."),
        ({"age_max": 40.5}, "« age_max » attend un nombre entier positif."),
        ({"age_min": True}, "« age_min » attend un nombre entier positif."),
        ({"age_min": -1}, "« age_min » attend un nombre entier positif."),
        ({"complete": "false"}, "« complete » attend true ou false."),
        ({"outside_territory": 1}, "« outside_territory » attend true ou false."),
        ({"no_alarm_signs": None}, "« no_alarm_signs » attend true ou false."),
        ({"suspected_site_in": "lung"}, "« suspected_site_in » attend une liste non vide de valeurs."),
        ({"exams_any": []}, "« exams_any » attend une liste non vide de valeurs."),
        ({"department_in": [67]}, "« department_in » attend une liste non vide de valeurs."),
        ({"suspected_site_in": ["lung", "mars"]}, "Valeurs inconnues pour « suspected_site_in » : mars."),
        ({"alarm_signs_any": ["cough", "fever"]}, "Valeurs inconnues pour « alarm_signs_any » : cough, fever."),
        ({"exams_none": ["scanner"]}, "Valeurs inconnues pour « exams_none » : scanner."),
        ({"declared_urgency_in": ["urgente"]}, "Valeurs inconnues pour « declared_urgency_in » : urgente."),
        ({"question_in": ["avis"]}, "Valeurs inconnues pour « question_in » : avis."),
    ],
)
def test_it_refuses_malformed_conditions_with_a_french_message(conditions, message):
    """Unknown keys, wrong types and unknown values are refused, saying what is wrong in French."""
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        validate_conditions(conditions)
    assert error.value.messages == [message]


def test_it_computes_the_age_on_a_given_day_around_the_birthday():
    """The age turns on the birthday itself, not the day before."""
    assert age_on(date(1951, 3, 12), date(2026, 3, 11)) == 74
    assert age_on(date(1951, 3, 12), date(2026, 3, 12)) == 75
    assert age_on(date(1952, 2, 29), date(2027, 2, 28)) == 74
    assert age_on(date(1952, 2, 29), date(2027, 3, 1)) == 75


def test_it_takes_the_facts_from_a_referral(submit):
    """from_referral reads site, urgency, age, alarm signs, exams, question, department, territory and completeness."""
    referral = submit(
        suspected_site="pancreas_biliary",
        declared_urgency="very_urgent",
        question="opinion",
        alarm_signs=["jaundice", "weight_loss"],
        exams=[
            ExamInput(kind="ct", done_on=date(2026, 10, 1)),
            ExamInput(kind="blood_test", done_on=date(2026, 10, 2)),
        ],
    ).referral
    result = TriageFacts.from_referral(referral)
    assert result.suspected_site == "pancreas_biliary"
    assert result.declared_urgency == "very_urgent"
    assert result.question == "opinion"
    assert result.alarm_signs == frozenset({"jaundice", "weight_loss"})
    assert result.exam_kinds == frozenset({"ct", "blood_test"})
    assert result.department == "67"
    assert result.outside_territory is False
    assert result.is_complete is referral.is_complete
    assert result.age == age_on(date(1956, 3, 12), referral.received_at.date())


def test_it_sees_a_patient_living_outside_the_territory(submit, paris):
    """A patient living in Paris, referred to the Strasbourg entry point, is outside the territory, department 75."""
    referral = submit(patient=identity(commune_code=paris.code)).referral
    result = TriageFacts.from_referral(referral)
    assert result.outside_territory is True
    assert result.department == "75"


def test_it_counts_the_age_on_the_paris_date_of_reception(submit, gp):
    """Received at 00:30 in Paris on the 75th birthday (23:30 UTC the day before), the patient is 75."""
    birth = date(1951, 3, 12)
    patient = identity(
        birth_date=birth, ins=make_ins(sex=Sex.FEMALE, birth_date=birth, seed=7), gp_id=gp.professional_id
    )
    referral = submit(patient=patient).referral
    referral.received_at = datetime(2026, 3, 11, 23, 30, tzinfo=UTC)
    assert TriageFacts.from_referral(referral).age == 75
