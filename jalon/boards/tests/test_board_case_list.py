"""The checklist gate: a case is listed only when its checklist is complete, and the refusal names what is missing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jalon.accounts.models import AuditRecord
from jalon.boards.checklist import board_case_missing_items
from jalon.boards.errors import BoardError, BoardErrorCode
from jalon.boards.models import BoardCase, CaseStatus
from jalon.boards.services import board_case_create, board_case_list, board_case_prepare
from jalon.boards.tests.conftest import ANSWERS, diagnosis_complete
from jalon.core.actor import Actor
from jalon.diagnostics.services import pathology_request_create, pathology_result_record
from jalon.diagnostics.tests.conftest import LUNG_PRESCRIPTION
from jalon.events.models import Event


def test_it_refuses_to_list_an_incomplete_case_naming_each_missing_item(pathway, meeting, coordinator):
    """Nothing done yet: the refusal names the exams, the pathology and the three patient items; nothing is listed."""
    case = board_case_create(actor=Actor(user=coordinator), pathway=pathway, meeting=meeting)

    with pytest.raises(BoardError) as refused:
        board_case_list(actor=Actor(user=coordinator), case=case)

    assert refused.value.code == BoardErrorCode.CHECKLIST_INCOMPLETE
    message = refused.value.message
    assert message.startswith("Dossier incomplet : il manque ")
    for label in (
        "Examens d'imagerie et de bilan réalisés",
        "Résultat anatomopathologique définitif",
        "État général (indice de performance ECOG/OMS)",
        "Comorbidités et traitements en cours",
        "Souhait du patient recueilli",
    ):
        assert label in message
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT
    assert not Event.objects.filter(kind="board.case_listed").exists()


def test_it_names_only_what_is_still_missing(pathway, meeting, coordinator):
    """Exams and answers done, pathology not: only the pathology is named."""
    diagnosis_complete(pathway, coordinator, codes=("first_contact", "reception", "imaging", "pet_ct", "biopsy"))
    case = board_case_create(actor=Actor(user=coordinator), pathway=pathway, meeting=meeting, answers=ANSWERS)

    assert [item.code for item in board_case_missing_items(case)] == ["pathology"]
    with pytest.raises(BoardError, match="il manque Résultat anatomopathologique définitif.$"):
        board_case_list(actor=Actor(user=coordinator), case=case)


def test_a_non_contributive_specimen_keeps_the_pathology_missing_until_the_rebiopsy_result(
    pathway, meeting, coordinator, pathologist
):
    """With pathology requests (jalon.diagnostics), the newest decides: a non-contributive result is not a result,
    even though the biopsy step is done; the re-biopsy's contributive final result completes the item."""
    diagnosis_complete(pathway, coordinator, codes=("first_contact", "reception", "imaging", "pet_ct"))
    actor = Actor(user=coordinator)
    taken = timezone.now() - timedelta(days=3)

    def send(taken_at):
        return pathology_request_create(
            actor=actor,
            pathway=pathway,
            milestone=pathway.milestones.get(code="biopsy"),
            pathologist=pathologist.professional,
            specimen="Biopsie bronchique",
            specimen_taken_at=taken_at,
            prescription=dict(LUNG_PRESCRIPTION),
        )

    first = send(taken)
    pathology_result_record(
        actor=Actor(user=pathologist),
        request=first,
        stage="final",
        recorded_at=taken + timedelta(days=1),
        contributive=False,
        text="Matériel insuffisant.",
    )
    case = board_case_create(actor=actor, pathway=pathway, meeting=meeting, answers=ANSWERS)
    assert [item.code for item in board_case_missing_items(case)] == ["pathology"]

    second = send(taken + timedelta(days=2))
    assert [item.code for item in board_case_missing_items(case)] == ["pathology"]  # sent, no result yet
    pathology_result_record(
        actor=Actor(user=pathologist),
        request=second,
        stage="final",
        recorded_at=timezone.now(),
        contributive=True,
        text="Adénocarcinome pulmonaire.",
        molecular_tests_received=["egfr", "alk", "pdl1"],
    )
    assert board_case_missing_items(case) == []


def test_it_lists_a_complete_case_with_its_event_and_audit(pathway, meeting, coordinator):
    """Complete: ready at once, then listed, with the event and the audit record."""
    diagnosis_complete(pathway, coordinator)
    case = board_case_create(actor=Actor(user=coordinator), pathway=pathway, meeting=meeting)
    case = board_case_prepare(actor=Actor(user=coordinator), case=case, answers=ANSWERS, question="Chirurgie ?")
    assert case.status == CaseStatus.READY

    board_case_list(actor=Actor(user=coordinator), case=case)

    case.refresh_from_db()
    assert case.status == CaseStatus.LISTED and case.listed_at is not None
    assert Event.objects.filter(kind="board.case_listed", patient_id=pathway.patient_id).count() == 1
    assert AuditRecord.objects.filter(object_type="board_case", object_id=str(case.pk)).exists()


def test_it_takes_a_listed_case_back_to_preparation_when_an_answer_is_erased(pathway, meeting, coordinator):
    """The checklist keeps holding after listing: erasing the patient's wish puts the case back in preparation."""
    diagnosis_complete(pathway, coordinator)
    case = board_case_create(actor=Actor(user=coordinator), pathway=pathway, meeting=meeting, answers=ANSWERS)
    board_case_list(actor=Actor(user=coordinator), case=case)

    case = board_case_prepare(
        actor=Actor(user=coordinator), case=case, answers={**ANSWERS, "patient_wish": " "}, question=""
    )

    assert case.status == CaseStatus.DRAFT


def test_it_refuses_a_performance_status_outside_the_scale(pathway, meeting, coordinator):
    """ECOG 0 to 4 only: « 7 » is refused in French, nothing saved."""
    case = board_case_create(actor=Actor(user=coordinator), pathway=pathway, meeting=meeting)

    with pytest.raises(BoardError, match="Choisissez une valeur de la liste."):
        board_case_prepare(
            actor=Actor(user=coordinator), case=case, answers={**ANSWERS, "performance_status": "7"}, question=""
        )

    assert BoardCase.objects.get(pk=case.pk).answers == {
        "performance_status": "",
        "comorbidities": "",
        "patient_wish": "",
        "respiratory_function": "",
        "referential_standard": "",
        "trial_candidate": "",
    }


def test_it_keeps_one_open_case_per_pathway(pathway, meeting, later_meeting, coordinator):
    """A second case of the same pathway while one is open is refused."""
    board_case_create(actor=Actor(user=coordinator), pathway=pathway, meeting=meeting)

    with pytest.raises(BoardError, match="déjà un dossier de RCP en cours"):
        board_case_create(actor=Actor(user=coordinator), pathway=pathway, meeting=later_meeting)
