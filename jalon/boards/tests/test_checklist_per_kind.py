"""The checklist per pathway kind (data/checklists_v2.json): each kind's own items, read from the data when the data
says them (the pathway's steps, the pathology requests' molecular tests), asked otherwise; a case keeps the
checklist version it was prepared with."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from jalon.boards.checklist import DATA_DIR, board_case_missing_items, items_for
from jalon.boards.errors import BoardError, BoardErrorCode
from jalon.boards.models import BoardMeeting, CaseStatus
from jalon.boards.services import board_case_create, board_case_list
from jalon.boards.tests.conftest import ANSWERS, board_create, diagnosis_complete
from jalon.core.actor import Actor
from jalon.core.vocabulary import PathwayKind
from jalon.diagnostics.services import pathology_request_create, pathology_result_record
from jalon.diagnostics.tests.conftest import LUNG_PRESCRIPTION
from jalon.pathways.services import milestone_skip
from jalon.pathways.tests.factories import pathway_build

V2 = json.loads((DATA_DIR / "checklists_v2.json").read_text(encoding="utf-8"))


def test_every_pathway_kind_has_its_list_and_every_item_its_source():
    """Version 2 names a list for each pathway kind; every item cites a source; every data item names a check."""
    assert V2["version"] == 2
    assert set(PathwayKind.values) <= set(V2["templates"])
    for code, item in V2["items"].items():
        assert item["source"].strip(), code
        assert item["kind"] in ("pathway", "answer"), code
        if item["kind"] == "pathway":
            assert item["check"], code
    for kind, codes in V2["templates"].items():
        assert {"exams", "performance_status", "comorbidities", "patient_wish"} <= set(codes), kind


def _meeting_for(kind, hospital, chair):
    board = board_create(name=f"RCP {kind}", organization=hospital, chair=chair, members=[], kinds=(kind,))
    return BoardMeeting.objects.create(board=board, starts_at=timezone.now() + timedelta(days=2))


def _send_pathology(pathway, coordinator, pathologist, prescription, taken_at):
    return pathology_request_create(
        actor=Actor(user=coordinator),
        pathway=pathway,
        milestone=pathway.milestones.get(code="biopsy"),
        pathologist=pathologist.professional,
        specimen="Microbiopsie",
        specimen_taken_at=taken_at,
        prescription=prescription,
    )


BREAST_PRESCRIPTION = {
    "metastatic": "no",
    "diagnosis_context": "first",
    "molecular_tests": ["hormone_receptors", "her2"],
    "clinical_summary": "Masse du quadrant supéro-externe gauche, ACR 5.",
}
BREAST_ANSWERS = {**ANSWERS, "oncogenetics": "not_indicated"}


@pytest.fixture
def breast_pathway(submit, coordinator):
    return pathway_build(submit, user=coordinator, kind="breast")


def test_a_breast_case_is_not_listed_without_its_hormone_receptors_and_her2(
    breast_pathway, coordinator, pathologist, hospital, chair
):
    """The cautious oncologist: no breast case goes to the board without RE, RP and HER2 on the pathology result
    (HAS/INCa, guide ALD 30 « Cancer du sein », janvier 2010, annexe 6 : données minimales du compte rendu
    anatomopathologique ; the board decides on « le statut des récepteurs hormonaux, le statut du HER2 »).
    Read from the pathology request, never asked: with the receptors back and HER2 not, the refusal names HER2."""
    meeting = _meeting_for("breast", hospital, chair)
    diagnosis_complete(breast_pathway, coordinator, codes=("first_contact", "reception", "imaging"))
    taken = timezone.now() - timedelta(days=4)
    request = _send_pathology(breast_pathway, coordinator, pathologist, dict(BREAST_PRESCRIPTION), taken)
    pathology_result_record(
        actor=Actor(user=pathologist),
        request=request,
        stage="final",
        recorded_at=taken + timedelta(days=3),
        contributive=True,
        text="Carcinome infiltrant de type non spécifique, grade 2.",
        molecular_tests_received=["hormone_receptors"],
    )
    case = board_case_create(
        actor=Actor(user=coordinator), pathway=breast_pathway, meeting=meeting, answers=BREAST_ANSWERS
    )

    assert [item.code for item in board_case_missing_items(case)] == ["breast_receptors"]
    with pytest.raises(BoardError) as refused:
        board_case_list(actor=Actor(user=coordinator), case=case)
    assert refused.value.code == BoardErrorCode.CHECKLIST_INCOMPLETE
    assert refused.value.message == (
        "Dossier incomplet : il manque Récepteurs hormonaux (RE, RP) et statut HER2 rendus (manque : HER2)."
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT


def test_a_breast_case_with_its_pathology_on_the_step_alone_still_needs_the_receptors(
    breast_pathway, coordinator, hospital, chair
):
    """A result recorded on the step alone says nothing of RE, RP, HER2: the item stays missing, both named; the
    breast-only answer (oncogenetics, guide ALD sein annexe 3) is asked too."""
    meeting = _meeting_for("breast", hospital, chair)
    diagnosis_complete(breast_pathway, coordinator)
    case = board_case_create(actor=Actor(user=coordinator), pathway=breast_pathway, meeting=meeting, answers=ANSWERS)

    missing = board_case_missing_items(case)
    assert [item.code for item in missing] == ["breast_receptors", "oncogenetics"]
    assert missing[0].label.endswith("(manque : Récepteurs hormonaux (RE, RP), HER2)")


def test_a_lung_case_needs_its_molecular_results_and_the_pet_ct_settled(pathway, meeting, coordinator, pathologist):
    """The cautious oncologist: a lung case is not discussed before the molecular tests asked on the specimen are
    back (INCa/SPLF, « Cancer du poumon – Bilan initial », juin 2011 : matériel envoyé à la plateforme de génétique
    moléculaire, EGFR, ALK…) nor before the staging PET-CT is done or said not indicated. EGFR back, ALK and PD-L1
    not: both named; the PET-CT marked not needed (its reason kept) settles its item."""
    diagnosis_complete(pathway, coordinator, codes=("first_contact", "reception", "imaging"))
    taken = timezone.now() - timedelta(days=5)
    request = _send_pathology(pathway, coordinator, pathologist, dict(LUNG_PRESCRIPTION), taken)
    pathology_result_record(
        actor=Actor(user=pathologist),
        request=request,
        stage="final",
        recorded_at=taken + timedelta(days=4),
        contributive=True,
        text="Adénocarcinome pulmonaire.",
        molecular_tests_received=["egfr"],
    )
    case = board_case_create(actor=Actor(user=coordinator), pathway=pathway, meeting=meeting, answers=ANSWERS)

    with pytest.raises(BoardError) as refused:
        board_case_list(actor=Actor(user=coordinator), case=case)
    assert refused.value.message == (
        "Dossier incomplet : il manque TEP-scanner fait ou déclaré non indiqué ; Examens complémentaires demandés "
        "sur le prélèvement rendus (manque : ALK, PD-L1 (immunohistochimie))."
    )

    milestone_skip(
        actor=Actor(user=coordinator),
        milestone=pathway.milestones.get(code="pet_ct"),
        reason="Maladie métastatique au scanner : TEP non contributive.",
    )
    assert [item.code for item in board_case_missing_items(case)] == ["molecular_results"]


def test_a_liver_case_may_rest_on_imaging_when_the_biopsy_is_said_not_needed(submit, coordinator, hospital, chair):
    """The liver template's biopsy is optional (« si l'imagerie ne suffit pas »): the biopsy marked not needed, the
    pathology item holds; the imaging stays required."""
    pathway = pathway_build(submit, user=coordinator, kind="liver")
    meeting = _meeting_for("liver", hospital, chair)
    diagnosis_complete(pathway, coordinator, codes=("first_contact", "reception"))
    milestone_skip(
        actor=Actor(user=coordinator),
        milestone=pathway.milestones.get(code="biopsy"),
        reason="Critères non invasifs réunis à l'IRM.",
    )
    case = board_case_create(actor=Actor(user=coordinator), pathway=pathway, meeting=meeting, answers=ANSWERS)

    assert [item.code for item in board_case_missing_items(case)] == ["exams"]
    diagnosis_complete(pathway, coordinator, codes=("imaging",))
    assert board_case_missing_items(case) == []


def test_a_case_keeps_the_checklist_version_it_was_prepared_with(pathway, meeting, later_meeting, coordinator):
    """Like a pathway keeps its template version: a lung case prepared with version 1 is not asked the PET-CT nor
    the respiratory work-up that version 2 added; a case prepared now is."""
    diagnosis_complete(
        pathway, coordinator, codes=("first_contact", "reception", "imaging", "biopsy", "pathology_final")
    )
    case = board_case_create(actor=Actor(user=coordinator), pathway=pathway, meeting=meeting, answers=ANSWERS)
    assert case.checklist_version == 2
    assert [item.code for item in board_case_missing_items(case)] == ["pet_ct"]

    case.checklist_version = 1
    case.save(update_fields=["checklist_version"])
    assert board_case_missing_items(case) == []
    assert [item.code for item in items_for("lung", 1)] == [item.code for item in items_for("generic", 2)]
