"""The sorting Jalon proposes (boards/sorting.py): « full discussion » whenever a published criterion calls for it or
the situation is not said to match a standard of the board's referential; « registered without discussion »
otherwise. The page pre-fills it with its reasons in French; the coordinator may change it, the chair confirms."""

from __future__ import annotations

from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone

from jalon.boards.models import BoardCase, CaseStatus, Sorting
from jalon.boards.services import board_case_create, board_case_prepare
from jalon.boards.sorting import propose_sorting
from jalon.boards.tests.conftest import ANSWERS, diagnosis_complete
from jalon.core.actor import Actor
from jalon.diagnostics.services import pathology_request_create
from jalon.diagnostics.tests.conftest import LUNG_PRESCRIPTION

STANDARD = {**ANSWERS, "referential_standard": "yes", "trial_candidate": "no"}


def _case(pathway, meeting, coordinator, answers):
    return board_case_create(actor=Actor(user=coordinator), pathway=pathway, meeting=meeting, answers=answers)


def _texts(reasons):
    return [reason.text for reason in reasons]


def test_a_standard_situation_without_any_criterion_is_proposed_for_registration(pathway, meeting, coordinator):
    """Said to match a standard of the referential, ECOG 1, first diagnosis, adult, no trial: registered without
    discussion (charte des RCP du 3C Nord-Pas-de-Calais, 2014 : les propositions s'appuient sur les référentiels)."""
    sorting, reasons = propose_sorting(_case(pathway, meeting, coordinator, STANDARD))

    assert sorting == Sorting.LISTED_ONLY
    assert _texts(reasons) == [
        "La situation relève d'un standard du référentiel et aucun critère de discussion n'est relevé."
    ]


def test_nothing_said_about_the_referential_means_a_discussion(pathway, meeting, coordinator):
    """The cautious default: a case is only registered when someone says a standard applies."""
    sorting, reasons = propose_sorting(_case(pathway, meeting, coordinator, ANSWERS))

    assert sorting == Sorting.DISCUSSION
    assert _texts(reasons) == ["Le dossier ne dit pas encore que la situation relève d'un standard du référentiel."]


def test_a_recurrence_on_the_pathology_prescription_is_discussed(pathway, meeting, coordinator, pathologist):
    """HAS, juin 2006 (cité par la charte du 3C Nord-Pas-de-Calais) : « Les dossiers des patients nécessitant une
    modification substantielle du traitement (reprise évolutive, toxicité…) sont également présentés. » Read from the
    enriched prescription (seed 001, fiche 5: « premier diagnostic ou récurrence »), even when a standard is said to
    apply; a metastatic disease is named too."""
    diagnosis_complete(pathway, coordinator, codes=("first_contact", "reception"))
    pathology_request_create(
        actor=Actor(user=coordinator),
        pathway=pathway,
        milestone=pathway.milestones.get(code="biopsy"),
        pathologist=pathologist.professional,
        specimen="Biopsie bronchique",
        specimen_taken_at=timezone.now() - timedelta(hours=2),
        prescription={**LUNG_PRESCRIPTION, "diagnosis_context": "recurrence", "metastatic": "yes"},
    )

    sorting, reasons = propose_sorting(_case(pathway, meeting, coordinator, STANDARD))

    assert sorting == Sorting.DISCUSSION
    assert _texts(reasons) == [
        "Récidive (bon d'anatomopathologie) : reprise évolutive.",
        "Maladie métastatique (bon d'anatomopathologie).",
    ]
    assert "HAS, juin 2006" in reasons[0].source
    assert reasons[1].source == "proposition Jalon, à valider"


def test_a_child_a_poor_performance_status_and_a_trial_candidate_are_each_named(pathway, meeting, coordinator):
    """Under 18 (INCa 2023 : RCP pédiatrique interrégionale), ECOG 2 and a trial candidate: three reasons."""
    patient = pathway.patient
    today = timezone.localdate()
    patient.birth_date = date(today.year - 16, 1, 1)
    patient.save(update_fields=["birth_date"])
    answers = {**STANDARD, "performance_status": "2", "trial_candidate": "yes"}

    sorting, reasons = propose_sorting(_case(pathway, meeting, coordinator, answers))

    assert sorting == Sorting.DISCUSSION
    assert _texts(reasons) == [
        "Patient de moins de 18 ans.",
        "État général altéré (ECOG 2) : les standards supposent le plus souvent ECOG 0 ou 1.",
        "Patient susceptible d'entrer dans un essai clinique.",
    ]


def test_a_second_passage_after_a_decision_is_discussed(pathway, meeting, later_meeting, coordinator):
    """INCa, référentiel RCP, décembre 2023 : the board is seized for any significant change of therapeutic
    direction; a pathway that already had a decision comes back for a new one."""
    BoardCase.objects.create(pathway=pathway, meeting=later_meeting, status=CaseStatus.DECIDED)

    sorting, reasons = propose_sorting(_case(pathway, meeting, coordinator, STANDARD))

    assert sorting == Sorting.DISCUSSION
    assert _texts(reasons) == ["Le parcours a déjà reçu une décision de RCP : nouvelle orientation thérapeutique."]


def test_the_page_prefills_the_proposal_with_its_reasons_and_the_coordinator_may_change_it(
    client, pathway, meeting, coordinator
):
    """The preparation page shows Jalon's proposal and its reasons in French, the select pre-filled with it; the
    coordinator's own choice is what is saved (and the chair confirms, as before)."""
    case = _case(pathway, meeting, coordinator, ANSWERS)
    client.force_login(coordinator)

    page = client.get(reverse("boards:case", args=[case.pk])).content.decode()

    assert "Tri proposé par Jalon" in page
    assert "Le dossier ne dit pas encore que la situation relève d&#x27;un standard du référentiel." in page
    assert '<option value="discussion" selected>' in page
    # Until the coordinator saves it, the summary says the proposal is Jalon's and not yet recorded; the
    # meeting to postpone to is chosen from a list that says so.
    assert "proposition de Jalon, pas encore enregistrée" in page
    assert '<option value="" selected>Choisir une réunion</option>' in page

    board_case_prepare(
        actor=Actor(user=coordinator),
        case=case,
        answers=STANDARD,
        question="",
        proposed_sorting=Sorting.DISCUSSION,
    )
    case.refresh_from_db()
    assert propose_sorting(case)[0] == Sorting.LISTED_ONLY  # Jalon would now propose registration...
    assert case.proposed_sorting == Sorting.DISCUSSION  # ...the coordinator's choice stands


def test_a_sorting_answer_outside_its_list_is_refused_in_french(client, pathway, meeting, coordinator):
    """« peut-être » is not a choice: 400, a French message, nothing saved."""
    case = _case(pathway, meeting, coordinator, ANSWERS)
    client.force_login(coordinator)

    response = client.post(
        reverse("boards:case", args=[case.pk]), {**ANSWERS, "referential_standard": "peut-être", "question": ""}
    )

    assert response.status_code == 400
    assert "Choisissez une valeur de la liste." in response.content.decode()
    case.refresh_from_db()
    assert case.answers.get("referential_standard") == ""
