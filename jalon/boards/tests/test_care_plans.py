"""The PPS: its PDF says the plan in French, each edit is a new version (earlier ones kept), handed, then sent to
the GP with its PDF through the outbox."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jalon.boards.care_plans import care_plan_hand, care_plan_send, care_plan_version_save
from jalon.boards.errors import BoardError
from jalon.boards.models import BoardMember, Sorting
from jalon.boards.services import (
    board_attendance_record,
    board_case_create,
    board_case_list,
    board_case_sorting_confirm,
    board_decision_record,
)
from jalon.boards.tests.conftest import ANSWERS, diagnosis_complete
from jalon.core.actor import Actor
from jalon.events.models import Event
from jalon.messaging.models import Channel, OutboxMessage
from jalon.testing.pdf import pdf_text


@pytest.fixture
def care_plan(pathway, meeting, coordinator, chair):
    """The PPS of a surgery decision of the thoracic board, quorum met."""
    diagnosis_complete(pathway, coordinator)
    case = board_case_create(actor=Actor(user=coordinator), pathway=pathway, meeting=meeting, answers=ANSWERS)
    board_case_list(actor=Actor(user=coordinator), case=case)
    board_case_sorting_confirm(actor=Actor(user=chair), case=case, sorting=Sorting.DISCUSSION)
    board_attendance_record(
        actor=Actor(user=chair),
        meeting=meeting,
        member_ids=list(BoardMember.objects.filter(board=meeting.board).values_list("pk", flat=True)),
    )
    decision = board_decision_record(
        actor=Actor(user=chair),
        case=case,
        treatment_kind="surgery",
        proposal="Lobectomie supérieure droite",
        trial_eligibility="to_check",
    )
    return decision.care_plan


def edited(plan, **changes):
    return {**plan.current_version().content, **changes}


def test_it_writes_the_pps_in_french_from_the_decision(care_plan, pathway):
    """The first version's PDF: title, patient, treatment, calendar of the treatment steps, contacts, who to call."""
    text = pdf_text(care_plan.current_version().file.read())

    assert "Mon programme personnalisé de soins" in text
    assert pathway.patient.display_name in text
    assert "Chirurgie : Lobectomie supérieure droite" in text
    assert "Votre calendrier" in text and "Consultation d'annonce : avant le" in text
    assert "Vos contacts" in text and "La coordination : Numéro unique cancer CPTS" in text
    assert "Qui appeler ?" in text and "Soins de support proposés" in text


def test_it_keeps_every_version_and_prints_the_edit(care_plan):
    """An edit is version 2; version 1 and its PDF stay as they were."""
    first = care_plan.current_version()

    second = care_plan_version_save(
        actor=Actor(user=care_plan.decision.recorded_by),
        care_plan=care_plan,
        content=edited(care_plan, supportive_care=["Soutien psychologique", "Diététique et nutrition"]),
    )

    assert (first.number, second.number) == (1, 2)
    assert list(care_plan.versions.values_list("number", flat=True)) == [1, 2]
    assert "Soutien psychologique" in pdf_text(second.file.read())
    assert "Soutien psychologique" not in pdf_text(first.file.read())
    assert Event.objects.filter(kind="care_plan.version_saved").count() == 2


def test_it_refuses_an_empty_treatment_and_an_unknown_supportive_care(care_plan, coordinator):
    with pytest.raises(BoardError, match="Décrivez le traitement proposé."):
        care_plan_version_save(
            actor=Actor(user=coordinator), care_plan=care_plan, content=edited(care_plan, treatment=" ")
        )
    with pytest.raises(BoardError, match="Soin de support inconnu."):
        care_plan_version_save(
            actor=Actor(user=coordinator), care_plan=care_plan, content=edited(care_plan, supportive_care=["Magie"])
        )
    assert care_plan.versions.count() == 1


def test_it_hands_then_sends_the_pps_to_the_gp_with_its_pdf(care_plan, coordinator, gp):
    """Handed today (no edit after), then sent: the GP's secure channels carry the PDF."""
    with pytest.raises(BoardError, match="Remettez d'abord le PPS au patient."):
        care_plan_send(actor=Actor(user=coordinator), care_plan=care_plan)
    with pytest.raises(BoardError, match="ne peut pas être dans le futur"):
        care_plan_hand(
            actor=Actor(user=coordinator), care_plan=care_plan, handed_on=timezone.localdate() + timedelta(days=1)
        )

    care_plan_hand(actor=Actor(user=coordinator), care_plan=care_plan, handed_on=timezone.localdate())
    with pytest.raises(BoardError, match="déjà été remis"):
        care_plan_version_save(actor=Actor(user=coordinator), care_plan=care_plan, content=edited(care_plan))
    care_plan_send(actor=Actor(user=coordinator), care_plan=care_plan)

    care_plan.refresh_from_db()
    assert care_plan.handed_on == timezone.localdate() and care_plan.sent_at is not None
    messages = OutboxMessage.objects.filter(kind="care_plan.sent", recipient_professional_id=gp.professional_id)
    assert messages.exists()
    assert "Lobectomie" not in " ".join(m.subject for m in messages)
    for message in messages.filter(channel=Channel.MSSANTE):
        assert message.attachment_path == care_plan.current_version().file.name
    assert Event.objects.filter(kind="care_plan.sent").count() == 1
