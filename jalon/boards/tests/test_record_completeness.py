"""Record completeness (seed 004: « RCP – PPS – PPAC »): for a pathway with a confirmed cancer past its tumour-board
step, the board decision recorded and the PPS of its latest decision handed; the after-cancer plan is not checked yet
(no such object nor template step). One rule, `boards.selectors.record_completeness`, read in one query."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from conftest import identity
from jalon.boards.care_plans import care_plan_hand
from jalon.boards.models import BoardMember, Sorting
from jalon.boards.selectors import (
    AFTER_CANCER_PLAN_CHECKED,
    RECORD_ITEMS,
    incomplete_record_pathways,
    record_completeness,
    record_completeness_by_referral,
    record_completeness_counts,
)
from jalon.boards.services import (
    board_attendance_record,
    board_case_create,
    board_case_list,
    board_case_sorting_confirm,
    board_decision_record,
)
from jalon.boards.tests.conftest import ANSWERS, diagnosis_complete
from jalon.core.actor import Actor
from jalon.pathways.models import Outcome, Pathway
from jalon.pathways.services import milestone_record, pathway_record_outcome
from jalon.pathways.tests.factories import pathway_build
from jalon.patients.models import Sex
from jalon.testing.factories import make_ins


def another_pathway(submit, coordinator, gp, seq: int) -> Pathway:
    """A lung pathway for its own patient (seq tells them apart)."""
    birth_date = date(1950 + seq, 2, 1 + seq)
    patient = identity(
        birth_name=f"Patiente{chr(65 + seq)}",
        birth_date=birth_date,
        ins=make_ins(sex=Sex.FEMALE, birth_date=birth_date, seed=300 + seq),
        gp_id=gp.professional_id,
    )
    return pathway_build(submit, user=coordinator, patient=patient)


def decide(pathway, meeting, coordinator, chair, sorting=Sorting.DISCUSSION):
    """Prepare, list, sort, attend and decide: the board's decision with its PPS (not handed)."""
    diagnosis_complete(pathway, coordinator)
    case = board_case_create(actor=Actor(user=coordinator), pathway=pathway, meeting=meeting, answers=ANSWERS)
    board_case_list(actor=Actor(user=coordinator), case=case)
    board_case_sorting_confirm(actor=Actor(user=chair), case=case, sorting=sorting)
    board_attendance_record(
        actor=Actor(user=chair),
        meeting=meeting,
        member_ids=list(BoardMember.objects.filter(board=meeting.board).values_list("pk", flat=True)),
    )
    return board_decision_record(
        actor=Actor(user=chair),
        case=case,
        treatment_kind="surgery",
        proposal="Lobectomie",
        trial_eligibility="to_check",
    )


@pytest.fixture
def records(pathway, meeting, coordinator, chair, submit, gp):
    """decided: a board decision, its PPS not handed; handed: decided and PPS handed; free_text: cancer confirmed and
    the tumour-board step recorded by hand (no decision); before_board: cancer confirmed, board step pending;
    diagnosing: no outcome yet."""
    decided = pathway
    decide(decided, meeting, coordinator, chair)
    handed = another_pathway(submit, coordinator, gp, 1)
    decision = decide(handed, meeting, coordinator, chair)
    care_plan_hand(actor=Actor(user=coordinator), care_plan=decision.care_plan, handed_on=timezone.localdate())
    free_text = another_pathway(submit, coordinator, gp, 2)
    diagnosis_complete(free_text, coordinator)
    free_text = pathway_record_outcome(actor=Actor(user=coordinator), pathway=free_text, outcome=Outcome.MALIGNANT)
    milestone_record(
        actor=Actor(user=chair), milestone=free_text.milestones.get(code="tumour_board"), done_at=timezone.now()
    )
    before_board = another_pathway(submit, coordinator, gp, 3)
    diagnosis_complete(before_board, coordinator)
    pathway_record_outcome(actor=Actor(user=coordinator), pathway=before_board, outcome=Outcome.MALIGNANT)
    diagnosing = another_pathway(submit, coordinator, gp, 4)
    return {"decided": decided, "handed": handed, "free_text": free_text, "before_board": before_board} | {
        "diagnosing": diagnosing
    }


def test_it_names_what_each_concerned_record_misses_in_one_query(records, django_assert_num_queries):
    ids = {name: pathway.pk for name, pathway in records.items()}

    with django_assert_num_queries(1):
        found = record_completeness(ids.values())

    assert set(found) == {ids["decided"], ids["handed"], ids["free_text"]}  # before the board, or diagnosing: unchecked
    assert found[ids["decided"]].missing == ("care_plan_handed",)
    assert found[ids["decided"]].missing_labels() == ["PPS remis"]
    assert found[ids["handed"]].is_complete
    assert found[ids["free_text"]].missing == ("board_decision", "care_plan_handed")
    assert set(incomplete_record_pathways().values_list("pk", flat=True)) == {ids["decided"], ids["free_text"]}
    assert not AFTER_CANCER_PLAN_CHECKED and "after_cancer_plan" not in RECORD_ITEMS
    by_referral = record_completeness_by_referral(pathway.referral_id for pathway in records.values())
    assert {referral: record.missing for referral, record in by_referral.items()} == {
        records[name].referral_id: found[ids[name]].missing for name in ("decided", "handed", "free_text")
    }


def test_it_counts_the_same_rule_over_a_cohort(records, django_assert_num_queries):
    with django_assert_num_queries(1):
        counts = record_completeness_counts(Pathway.objects.all())

    assert (counts.concerned, counts.complete, counts.without_decision, counts.without_care_plan) == (3, 1, 1, 2)


def test_handing_the_pps_completes_the_record(records, coordinator):
    decided = records["decided"]
    care_plan = decided.care_plans.get()

    care_plan_hand(actor=Actor(user=coordinator), care_plan=care_plan, handed_on=timezone.localdate())

    assert record_completeness([decided.pk])[decided.pk].is_complete
    assert not incomplete_record_pathways().filter(pk=decided.pk).exists()
