"""The board pages: who reaches what (members of this board, the entry point's coordinators; 404 for a member of
another board, 403/404 for a GP), the checklist blocking the listing with the missing items named, French errors on
bad input, the decision form, the PPS pages and PDF (audited), the pathway page's section and the GP portal."""

import pytest
from django.urls import reverse

from jalon.accounts.models import AuditAction, AuditRecord
from jalon.boards.models import BoardMember, CaseStatus, Sorting
from jalon.boards.services import (
    board_attendance_record,
    board_case_create,
    board_case_list,
    board_case_sorting_confirm,
    board_decision_record,
)
from jalon.boards.tests.conftest import ANSWERS, diagnosis_complete
from jalon.core.actor import Actor
from jalon.testing.pdf import pdf_text


@pytest.fixture
def case(pathway, meeting, coordinator):
    return board_case_create(actor=Actor(user=coordinator), pathway=pathway, meeting=meeting)


@pytest.fixture
def decided_case(case, pathway, meeting, coordinator, chair):
    diagnosis_complete(pathway, coordinator)
    case.answers = ANSWERS
    case.save()
    board_case_list(actor=Actor(user=coordinator), case=case)
    board_case_sorting_confirm(actor=Actor(user=chair), case=case, sorting=Sorting.DISCUSSION)
    board_attendance_record(
        actor=Actor(user=chair),
        meeting=meeting,
        member_ids=list(BoardMember.objects.filter(board=meeting.board).values_list("pk", flat=True)),
    )
    board_decision_record(
        actor=Actor(user=chair),
        case=case,
        treatment_kind="chemoradiotherapy",
        proposal="Radio-chimiothérapie concomitante",
        trial_eligibility="eligible",
        trial_note="Essai PACIFIC-R",
    )
    case.refresh_from_db()
    return case


def test_it_shows_the_case_to_the_coordinator_and_the_boards_members_only(
    client, case, coordinator, chair, oncologist, outside_member, other_gp, coordinator_elsewhere
):
    """Coordinator of the entry point and members of the board: 200; a member of another board or another
    organisation's coordinator: 404; a GP (no board capability): 403."""
    url = reverse("boards:case", args=[case.pk])
    for user, status in [
        (coordinator, 200),
        (chair, 200),
        (oncologist, 200),
        (outside_member, 404),
        (coordinator_elsewhere, 404),
        (other_gp, 403),
    ]:
        client.force_login(user)
        assert client.get(url).status_code == status, user.username


def test_it_lists_in_the_meeting_only_the_cases_the_user_reaches(client, case, meeting, outside_member, coordinator):
    """Another board's member does not reach this board's meeting at all."""
    client.force_login(outside_member)
    assert client.get(reverse("boards:meeting", args=[meeting.pk])).status_code == 404
    client.force_login(coordinator)
    response = client.get(reverse("boards:meeting", args=[meeting.pk]))
    assert response.status_code == 200
    assert case.pathway.referral.reference in response.content.decode()


def test_the_boards_page_says_how_many_cases_each_coming_meeting_holds(client, case, meeting, later_meeting, chair):
    """A chair or a coordinator sees at once which meeting has cases: one here, none at the next one."""
    client.force_login(chair)
    page = " ".join(client.get(reverse("boards:list")).content.decode().split())

    assert f'{reverse("boards:meeting", args=[meeting.pk])}">' in page
    assert "– 1 dossier</li>" in page and "– aucun dossier</li>" in page


def test_the_page_blocks_the_listing_naming_the_missing_items(client, case, coordinator):
    """Posting « inscrire » on an incomplete case answers 400 with the French message naming the items."""
    client.force_login(coordinator)

    response = client.post(reverse("boards:case_list", args=[case.pk]))

    assert response.status_code == 400
    page = response.content.decode()
    assert "Dossier incomplet : il manque" in page and "Souhait du patient recueilli" in page
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT


def test_it_refuses_a_bad_performance_status_in_french(client, case, coordinator):
    client.force_login(coordinator)

    response = client.post(reverse("boards:case", args=[case.pk]), {"performance_status": "9", "question": ""})

    assert response.status_code == 400
    assert "Choisissez une valeur de la liste." in response.content.decode()


def test_it_records_the_checklist_and_lists_the_case(client, case, pathway, coordinator):
    diagnosis_complete(pathway, coordinator)
    client.force_login(coordinator)

    response = client.post(
        reverse("boards:case", args=[case.pk]), {**ANSWERS, "question": "Opérable ?", "proposed_sorting": "discussion"}
    )
    assert response.status_code == 302
    response = client.post(reverse("boards:case_list", args=[case.pk]))

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.LISTED and case.proposed_sorting == Sorting.DISCUSSION


def test_the_decision_form_refuses_without_quorum_naming_the_specialty(
    client, case, pathway, meeting, coordinator, chair
):
    diagnosis_complete(pathway, coordinator)
    case.answers = ANSWERS
    case.save()
    board_case_list(actor=Actor(user=coordinator), case=case)
    board_case_sorting_confirm(actor=Actor(user=chair), case=case, sorting=Sorting.LISTED_ONLY)
    client.force_login(chair)

    response = client.post(
        reverse("boards:decision", args=[case.pk]),
        {"treatment_kind": "surgery", "proposal": "Lobectomie", "trial_eligibility": "not_eligible"},
    )

    assert response.status_code == 400
    assert "Quorum non atteint" in response.content.decode() and "Oncologie médicale" in response.content.decode()


def test_the_decision_form_answers_a_missing_proposal_in_french(client, case, chair, coordinator, pathway):
    diagnosis_complete(pathway, coordinator)
    case.answers = ANSWERS
    case.save()
    board_case_list(actor=Actor(user=coordinator), case=case)
    client.force_login(chair)

    response = client.post(reverse("boards:decision", args=[case.pk]), {"treatment_kind": "nimporte"})

    assert response.status_code == 400
    content = response.content.decode()
    assert "Choisissez un traitement de la liste." in content and "Ce champ est obligatoire." in content


def test_the_pps_pdf_opens_for_the_coordinator_and_is_audited(client, decided_case, coordinator):
    client.force_login(coordinator)
    assert client.get(reverse("boards:care_plan", args=[decided_case.pk])).status_code == 200

    response = client.get(reverse("boards:care_plan_pdf", args=[decided_case.pk, 1]))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(b"".join(response.streaming_content))
    assert "Radio-chimiothérapie : Radio-chimiothérapie concomitante" in text
    assert AuditRecord.objects.filter(action=AuditAction.DOWNLOAD, object_type="care_plan").exists()


def test_the_pps_edit_makes_a_new_version_and_refuses_an_empty_treatment(client, decided_case, coordinator):
    client.force_login(coordinator)
    url = reverse("boards:care_plan", args=[decided_case.pk])
    content = decided_case.decision.care_plan.current_version().content

    refused = client.post(url, {**content, "treatment": "", "supportive_care": []})
    saved = client.post(url, {**content, "supportive_care": ["Soutien psychologique"]})

    assert refused.status_code == 400 and "Ce champ est obligatoire." in refused.content.decode()
    assert saved.status_code == 302
    assert decided_case.decision.care_plan.versions.count() == 2


def test_the_pathway_page_shows_the_board_section(client, decided_case, coordinator):
    client.force_login(coordinator)

    response = client.get(reverse("pathways:detail", args=[decided_case.pathway.referral.reference]))

    assert response.status_code == 200
    assert "Radio-chimiothérapie concomitante" in response.content.decode()


def test_the_gp_portal_shows_the_decision_to_the_patients_gp_only(client, decided_case, gp, other_gp):
    """The referring GP reads the decision in « Mes patients »; another GP gets a 404."""
    url = reverse("portal:patient", args=[decided_case.pathway.referral.reference])
    client.force_login(gp)
    response = client.get(url)
    assert response.status_code == 200
    assert "Décision de la RCP" in response.content.decode()
    assert "Essai PACIFIC-R" in response.content.decode()

    client.force_login(other_gp)
    assert client.get(url).status_code == 404


def test_the_meeting_page_costs_the_same_queries_for_one_case_or_three(
    client, meeting, coordinator, submit, django_assert_max_num_queries
):
    """The case list is read in a fixed number of queries, whatever its length."""
    from conftest import identity
    from jalon.pathways.tests.factories import pathway_build

    board_case_create(actor=Actor(user=coordinator), pathway=pathway_build(submit, user=coordinator), meeting=meeting)
    client.force_login(coordinator)
    url = reverse("boards:meeting", args=[meeting.pk])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for name in ("Martin", "Bernard"):  # two other patients
        other = pathway_build(submit, user=coordinator, patient=identity(birth_name=name, ins=""))
        board_case_create(actor=Actor(user=coordinator), pathway=other, meeting=meeting)

    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(url).status_code == 200
