"""A tumour board in a real browser (issue 16): the coordinator prepares a case, the checklist blocks the listing
(the missing items named in French) until it is complete; the chair confirms the sorting, records who attends and
the decision; the PPS PDF opens and says the plan; the GP reads the decision in « Mes patients »; the worklist's
« Dossier incomplet » filter lists the case until its PPS is handed. Playwright's
waiting assertions only, never a sleep."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from jalon.boards.models import BoardMeeting, BoardSpecialty, CaseStatus
from jalon.boards.tests.conftest import board_create, diagnosis_complete
from jalon.pathways.tests.factories import pathway_build, template_version_build
from jalon.testing.factories import UserFactory
from jalon.testing.pdf import pdf_text
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LUNG_STEPS = [
    {"code": "first_contact", "label": "Premier contact"},
    {"code": "reception", "label": "Consultation d'accueil", "depends_on": ["first_contact"]},
    {"code": "imaging", "label": "Scanner thoraco-abdominal"},
    {"code": "biopsy", "label": "Biopsie", "depends_on": ["reception"]},
    {"code": "pathology_final", "label": "Résultat anatomopathologique définitif", "depends_on": ["biopsy"]},
    {
        "code": "tumour_board",
        "label": "RCP thoracique : proposition thérapeutique",
        "phase": "treatment",
        "branch": "malignant",
        "responsible_role": "tumour_board",
        "depends_on": ["imaging", "pathology_final"],
        "reference_code": "reception",
        "target_amount": 7,
        "target_unit": "days",
    },
    {
        "code": "announcement",
        "label": "Consultation d'annonce",
        "phase": "treatment",
        "branch": "malignant",
        "responsible_role": "oncologist",
        "depends_on": ["tumour_board"],
        "reference_code": "tumour_board",
        "target_amount": 7,
        "target_unit": "days",
    },
]


def test_a_case_goes_from_preparation_to_the_decision_the_pps_and_the_gp(
    new_page, coordinator, specialist, hospital, gp, submit
):
    template_version_build(LUNG_STEPS)
    pathway = pathway_build(submit, user=coordinator)
    reference = pathway.referral.reference
    oncologist = UserFactory(username="dr.onco", role="specialist", professional__organizations=[hospital])
    radiotherapist = UserFactory(username="dr.radio", role="specialist", professional__organizations=[hospital])
    board = board_create(
        name="RCP thoracique",
        organization=hospital,
        chair=specialist,
        members=[
            (specialist, BoardSpecialty.ORGAN_SPECIALIST),
            (oncologist, BoardSpecialty.MEDICAL_ONCOLOGY),
            (radiotherapist, BoardSpecialty.RADIATION_ONCOLOGY),
        ],
    )
    BoardMeeting.objects.create(board=board, starts_at=timezone.now() + timedelta(days=2))

    # The coordinator prepares the case from the pathway page.
    nurse = new_page()
    login(nurse, coordinator.username)
    nurse.goto(reverse("pathways:detail", args=[reference]))
    nurse.get_by_role("link", name="Préparer un dossier de RCP").click()
    nurse.get_by_role("combobox", name="Réunion").select_option(index=1)
    nurse.get_by_label("Question posée à la RCP").fill("Patient opérable ?")
    nurse.get_by_role("button", name="Créer le dossier de RCP").click()
    expect(nurse.get_by_text("Dossier créé : complétez la liste de vérification.")).to_be_visible()

    # Listing an incomplete case is refused, the missing items named.
    nurse.get_by_role("button", name="Inscrire à l'ordre du jour").click()
    refusal = nurse.get_by_text("Dossier incomplet : il manque")
    expect(refusal).to_be_visible()
    expect(refusal).to_contain_text("Souhait du patient recueilli")
    screenshot(nurse, "board-case-incomplete")

    # The checklist completed: the pathology result arrives, the coordinator fills the patient's items.
    diagnosis_complete(pathway, coordinator)  # the pathology result arrived meanwhile
    form = nurse.get_by_role("form", name="Préparation du dossier")
    form.get_by_label("État général (indice de performance ECOG/OMS)").select_option("1")
    form.get_by_label("Comorbidités et traitements en cours").fill("BPCO stade 2")
    form.get_by_label("Souhait du patient recueilli").fill("Souhaite être traité à Strasbourg")
    form.get_by_label("Bilan d'opérabilité respiratoire (EFR) fait ou non indiqué").select_option("done")
    # Jalon proposes the sorting with its reasons (nothing says a standard applies yet: a discussion).
    expect(nurse.get_by_text("Tri proposé par Jalon")).to_be_visible()
    expect(
        nurse.get_by_text("Le dossier ne dit pas encore que la situation relève d'un standard du référentiel.")
    ).to_be_visible()
    expect(form.get_by_label("Tri proposé")).to_have_value("discussion")
    form.get_by_label("La situation relève d'un standard du référentiel de la RCP").select_option("no")
    form.get_by_label("Tri proposé").select_option("discussion")
    form.get_by_role("button", name="Enregistrer le dossier").click()
    expect(nurse.get_by_text("Dossier enregistré.")).to_be_visible()
    nurse.get_by_role("button", name="Inscrire à l'ordre du jour").click()
    expect(nurse.get_by_text("Dossier inscrit à l'ordre du jour.")).to_be_visible()
    case_url = nurse.url

    # The chair confirms the sorting, records who attends, then the decision.
    chair = new_page()
    login(chair, specialist.username)
    chair.goto(case_url)
    chair.get_by_role("form", name="Confirmer le tri").get_by_label("Discussion complète").check()
    chair.get_by_role("button", name="Confirmer le tri").click()
    expect(chair.get_by_text("Tri confirmé.")).to_be_visible()
    chair.get_by_role("link", name="RCP thoracique").first.click()
    attendance = chair.get_by_role("form", name="Présences à la réunion")
    for box in attendance.get_by_role("checkbox").all():
        box.check()
    attendance.get_by_role("button", name="Enregistrer les présences").click()
    expect(chair.get_by_text("Présences enregistrées.")).to_be_visible()
    chair.goto(case_url)
    chair.get_by_role("link", name="Saisir la décision").click()
    decision = chair.get_by_role("form", name="Décision de RCP")
    decision.get_by_role("button", name="Valider la décision").click()
    expect(chair.get_by_text("Ce champ est obligatoire.").first).to_be_visible()  # French errors, nothing saved
    decision.get_by_label("Traitement proposé").select_option("surgery")
    decision.get_by_label("Proposition thérapeutique").fill("Lobectomie supérieure droite")
    decision.get_by_label("Pas d'essai clinique adapté").check()
    decision.get_by_role("button", name="Valider la décision").click()
    expect(chair.get_by_text("Décision enregistrée : le médecin traitant en est informé.")).to_be_visible()
    screenshot(chair, "board-case-decided")

    # The PPS opens as a PDF that says the plan.
    chair.get_by_role("link", name="Programme personnalisé de soins (PPS)").click()
    pdf_link = chair.get_by_role("link", name="Ouvrir le PDF")
    expect(pdf_link).to_be_visible()
    response = chair.context.request.get(pdf_link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.body())
    assert "Mon programme personnalisé de soins" in text and "Chirurgie : Lobectomie supérieure droite" in text

    # The GP reads the decision in « Mes patients ».
    doctor = new_page()
    login(doctor, gp.username)
    doctor.goto(reverse("portal:patient", args=[reference]))
    region = doctor.get_by_role("region", name="Décision de la RCP")
    expect(region).to_contain_text("Lobectomie supérieure droite")
    screenshot(doctor, "board-decision-portal")
    pathway.board_cases.get().refresh_from_db()
    assert pathway.board_cases.get().status == CaseStatus.DECIDED

    # Until its PPS is handed the record is incomplete: the worklist's « Dossier incomplet » filter lists the case.
    nurse.goto(reverse("coordination:worklist"))
    filters = nurse.get_by_role("search", name="Filtrer la file")
    filters.get_by_label("Dossier RCP / PPS").select_option("incomplete")
    filters.get_by_role("button", name="Filtrer").click()
    expect(nurse.locator(f"#worklist-{reference}")).to_be_visible()
    expect(nurse.locator(f'tr[data-row-key="{reference}"]')).to_contain_text("Dossier incomplet : PPS remis")
    screenshot(nurse, "worklist-record-incomplete")
    # A value outside the list (an address typed by hand): refused in French beside the field, the page answers.
    answer = nurse.goto(reverse("coordination:worklist") + "?record=n-importe")
    assert answer.status == 200
    expect(nurse.get_by_text("Sélectionnez un choix valide")).to_be_visible()
