"""The decision: quorum (a required specialty absent refuses it, named), the chair's sorting, and what follows
(milestones of the treatment branch, both announcement steps, the GP told through the outbox, the PPS)."""

from datetime import timedelta

import pytest
import time_machine

from jalon.boards.care_plans import default_content
from jalon.boards.errors import BoardError, BoardErrorCode
from jalon.boards.models import BoardMember, CaseStatus, Sorting
from jalon.boards.services import (
    board_attendance_record,
    board_case_create,
    board_case_list,
    board_case_postpone,
    board_case_sorting_confirm,
    board_decision_record,
)
from jalon.boards.tests.conftest import ANSWERS, diagnosis_complete
from jalon.core.actor import Actor
from jalon.events.models import Event
from jalon.messaging.models import OutboxMessage
from jalon.pathways.alerts import alerts_scan
from jalon.pathways.models import Alert, AlertKind, MilestoneStatus, Outcome

DECISION = dict(
    treatment_kind="surgery",
    proposal="Lobectomie supérieure droite après bilan d'opérabilité",
    trial_eligibility="not_eligible",
    next_steps="Consultation d'anesthésie\nÉpreuves fonctionnelles respiratoires",
)


@pytest.fixture
def listed_case(pathway, meeting, coordinator):
    diagnosis_complete(pathway, coordinator)
    case = board_case_create(actor=Actor(user=coordinator), pathway=pathway, meeting=meeting, answers=ANSWERS)
    return board_case_list(actor=Actor(user=coordinator), case=case)


def attend(meeting, *users):
    board_attendance_record(
        actor=Actor(user=users[0]),
        meeting=meeting,
        member_ids=list(
            BoardMember.objects.filter(
                board=meeting.board, professional_id__in=[u.professional_id for u in users]
            ).values_list("pk", flat=True)
        ),
    )


def test_it_refuses_a_decision_when_a_required_specialty_is_absent(listed_case, meeting, chair, oncologist):
    """No radiotherapist present: refused, « Radiothérapie » named; the case stays listed, nothing recorded."""
    board_case_sorting_confirm(actor=Actor(user=chair), case=listed_case, sorting=Sorting.DISCUSSION)
    attend(meeting, chair, oncologist)

    with pytest.raises(BoardError) as refused:
        board_decision_record(actor=Actor(user=chair), case=listed_case, **DECISION)

    assert refused.value.code == BoardErrorCode.QUORUM
    assert refused.value.message == "Quorum non atteint : la spécialité Radiothérapie est absente."
    listed_case.refresh_from_db()
    assert listed_case.status == CaseStatus.LISTED
    assert not Event.objects.filter(kind="board.decision_recorded").exists()


def test_it_names_every_absent_specialty(listed_case, meeting, chair):
    board_case_sorting_confirm(actor=Actor(user=chair), case=listed_case, sorting=Sorting.DISCUSSION)
    attend(meeting, chair)

    with pytest.raises(BoardError, match="les spécialités Oncologie médicale, Radiothérapie sont absentes"):
        board_decision_record(actor=Actor(user=chair), case=listed_case, **DECISION)


def test_it_lets_only_the_chair_confirm_the_sorting(listed_case, coordinator, oncologist, chair):
    """The coordinator proposes « listed only »; the oncologist may not confirm, the chair does."""
    with pytest.raises(BoardError) as refused:
        board_case_sorting_confirm(actor=Actor(user=oncologist), case=listed_case, sorting=Sorting.LISTED_ONLY)
    assert refused.value.code == BoardErrorCode.NOT_CHAIR

    case = board_case_sorting_confirm(actor=Actor(user=chair), case=listed_case, sorting=Sorting.LISTED_ONLY)

    assert case.confirmed_sorting == Sorting.LISTED_ONLY and case.sorting_confirmed_by_id == chair.pk
    assert Event.objects.filter(kind="board.sorting_confirmed", payload__sorting="listed_only").count() == 1


def test_it_refuses_a_decision_before_the_chair_confirmed_the_sorting(
    listed_case, meeting, chair, oncologist, radiotherapist
):
    attend(meeting, chair, oncologist, radiotherapist)

    with pytest.raises(BoardError) as refused:
        board_decision_record(actor=Actor(user=chair), case=listed_case, **DECISION)

    assert refused.value.code == BoardErrorCode.SORTING_NOT_CONFIRMED


def test_it_records_the_decision_into_the_pathway_and_tells_the_gp(
    listed_case, meeting, chair, oncologist, radiotherapist, gp
):
    """Quorum met: the diagnosis is malignant, the tumour-board step done with the decision, the medical
    announcement, the nurse's announcement time (a step since templates v3) and the treatment start due from it, a
    task for each next step, the GP's message in the outbox, the PPS's first version written; the specialties
    present are kept."""
    board_case_sorting_confirm(actor=Actor(user=chair), case=listed_case, sorting=Sorting.DISCUSSION)
    attend(meeting, chair, oncologist, radiotherapist)

    decision = board_decision_record(actor=Actor(user=oncologist), case=listed_case, **DECISION)

    pathway = listed_case.pathway
    pathway.refresh_from_db()
    assert pathway.outcome == Outcome.MALIGNANT
    board_step = pathway.milestones.get(code="tumour_board")
    assert board_step.status == MilestoneStatus.DONE
    assert board_step.note == "Chirurgie : Lobectomie supérieure droite après bilan d'opérabilité"
    announcement = pathway.milestones.get(code="announcement")
    assert announcement.status == MilestoneStatus.PENDING and announcement.due_at > board_step.done_at
    nurse = pathway.milestones.get(code="nurse_announcement")
    assert nurse.status == MilestoneStatus.PENDING
    assert nurse.label == "Temps d'accompagnement soignant (annonce infirmière)"
    assert nurse.due_at >= announcement.due_at  # never before the medical announcement
    # P2: 7 days after the board (templates_v3), at the entry point's next opening if it falls while closed.
    assert timedelta(days=7) <= nurse.due_at - board_step.done_at < timedelta(days=8)
    labels = list(pathway.tasks.values_list("label", flat=True))
    assert not any("annonce infirmière" in label for label in labels)  # a step now, no longer a task
    assert "Suite de la RCP : Consultation d'anesthésie" in labels
    assert "Suite de la RCP : Épreuves fonctionnelles respiratoires" in labels
    messages = OutboxMessage.objects.filter(kind="tumour_board.decision", recipient_professional_id=gp.professional_id)
    assert messages.exists()
    assert all("Lobectomie" not in message.subject for message in messages)  # clinical detail never in a subject
    assert sorted(decision.validated_specialties) == ["medical_oncology", "organ_specialist", "radiation_oncology"]
    listed_case.refresh_from_db()
    assert listed_case.status == CaseStatus.DECIDED
    assert decision.care_plan.versions.count() == 1
    assert Event.objects.filter(kind="board.decision_recorded", payload__sorting="discussion").count() == 1


def test_it_records_a_listed_only_case_as_the_chair_sorted_it(listed_case, meeting, chair, oncologist, radiotherapist):
    """A standard-of-care case is decided without discussion; its event says so."""
    board_case_sorting_confirm(actor=Actor(user=chair), case=listed_case, sorting=Sorting.LISTED_ONLY)
    attend(meeting, chair, oncologist, radiotherapist)

    board_decision_record(actor=Actor(user=chair), case=listed_case, **DECISION)

    assert Event.objects.filter(kind="board.decision_recorded", payload__sorting="listed_only").count() == 1


def test_it_refuses_a_decision_on_a_case_not_listed(pathway, meeting, coordinator, chair):
    case = board_case_create(actor=Actor(user=coordinator), pathway=pathway, meeting=meeting)

    with pytest.raises(BoardError, match="inscrit à l'ordre du jour avant la décision"):
        board_decision_record(actor=Actor(user=chair), case=case, **DECISION)


def test_it_postpones_a_case_to_a_later_meeting_with_its_answers(listed_case, later_meeting, coordinator):
    later = board_case_postpone(
        actor=Actor(user=coordinator), case=listed_case, reason="TEP-TDM à refaire", to_meeting=later_meeting
    )

    listed_case.refresh_from_db()
    assert listed_case.status == CaseStatus.POSTPONED and listed_case.postponed_reason == "TEP-TDM à refaire"
    assert later.meeting_id == later_meeting.pk and later.answers == listed_case.answers
    assert later.status == CaseStatus.READY


def test_the_nurse_announcement_is_tracked_and_in_the_pps_calendar(
    listed_case, meeting, chair, oncologist, radiotherapist
):
    """Both announcement parts are steps with a target: the PPS calendar lists them, and once the nurse's time is
    past due (clock moved 8 days), the alert scan raises it overdue like any step (seed 003: « une consultation
    d'annonce infirmière se déroule à l'hôpital afin d'informer et accompagner le patient »)."""
    board_case_sorting_confirm(actor=Actor(user=chair), case=listed_case, sorting=Sorting.DISCUSSION)
    attend(meeting, chair, oncologist, radiotherapist)
    decision = board_decision_record(actor=Actor(user=chair), case=listed_case, **DECISION)

    calendar = default_content(decision)["calendar"]
    assert "Consultation d'annonce : avant le" in calendar
    assert "Temps d'accompagnement soignant (annonce infirmière) : avant le" in calendar
    nurse = listed_case.pathway.milestones.get(code="nurse_announcement")
    with time_machine.travel(nurse.due_at + timedelta(hours=1), tick=False):
        alerts_scan()
    assert Alert.objects.filter(milestone=nurse, kind=AlertKind.OVERDUE).exists()


def test_a_pathway_on_an_earlier_template_version_gets_the_nurse_time_as_a_task(
    listed_case, meeting, chair, oncologist, radiotherapist
):
    """A running pathway keeps its template version: on version 2 (no nurse step) the decision adds the nurse's
    announcement time as a task, due 7 days after the board, in the same transaction."""
    pathway = listed_case.pathway
    pathway.template_version = pathway.template_version.template.versions.get(version=2)
    pathway.save(update_fields=["template_version"])
    board_case_sorting_confirm(actor=Actor(user=chair), case=listed_case, sorting=Sorting.DISCUSSION)
    attend(meeting, chair, oncologist, radiotherapist)

    board_decision_record(actor=Actor(user=chair), case=listed_case, **DECISION)

    assert not pathway.milestones.filter(code="nurse_announcement").exists()
    task = pathway.tasks.get(label__contains="annonce infirmière")
    assert task.due_at == pathway.milestones.get(code="tumour_board").done_at + timedelta(days=7)
