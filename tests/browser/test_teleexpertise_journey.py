"""Tele-expertise in a real browser: a GP asks with a PDF, the service's specialist answers and refers, the GP
sees the answer and the referral; an empty question is refused in French and saves nothing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from conftest import MINIMAL_PDF
from jalon.directory.models import Membership, Service
from jalon.referrals.models import Referral
from jalon.teleexpertise.models import RequestStatus, TeleExpertiseOffer, TeleExpertiseRequest
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

REFERENCE = re.compile(r"TEX-\d{4}-\d{6}")
SCANNER_REPORT = {"name": "scanner-thorax.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF}
SERVICE = "Pneumologie – Hôpital de Hautepierre"
CONVERT = "Orienter vers le parcours de diagnostic rapide (crée la demande de prise en soins)"


@pytest.fixture
def pulmonology_offer(hospital, hospital_entry_point, specialist):
    """The hospital's pulmonology answers tele-expertise; `specialist` is one of its pulmonologists."""
    service = Service.objects.create(organization=hospital, name="Pneumologie")
    Membership.objects.filter(professional_id=specialist.professional_id).update(service=service)
    return TeleExpertiseOffer.objects.create(service=service, entry_point=hospital_entry_point)


def open_new_request(page) -> None:
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Téléexpertise").click()
    expect(page.get_by_role("heading", name="Téléexpertise", exact=True)).to_be_visible()
    page.get_by_role("link", name="Poser une question à un spécialiste").click()
    expect(page.get_by_role("heading", name="Nouvelle demande de téléexpertise")).to_be_visible()


def fill_patient(page) -> None:
    page.get_by_label("Service sollicité").select_option(label=SERVICE)
    page.get_by_label("Nom de naissance").fill("Lefèvre")
    page.get_by_label("Prénoms de naissance").fill("Jeanne Marie")
    page.get_by_label("Sexe").select_option(label="Féminin")
    page.get_by_label("Date de naissance").fill("1956-03-12")
    page.get_by_label("Commune de résidence").fill("67482")
    page.get_by_label("Cancer suspecté").select_option(label="Poumon")
    page.get_by_label("Résumé clinique").fill("Fumeur, toux depuis deux mois, nodule de 25 mm au scanner.")


def test_it_takes_a_question_from_the_gp_to_a_referral(new_page, gp, specialist, pulmonology_offer, strasbourg):
    """The GP asks with a PDF; the specialist sees it, answers and refers; the GP reads the answer and the referral."""
    gp_page = new_page()
    login(gp_page, gp.username)
    open_new_request(gp_page)
    fill_patient(gp_page)
    gp_page.get_by_label("Question posée au spécialiste").fill("Faut-il un TEP-TDM avant la consultation ?")
    gp_page.get_by_label("Documents (PDF, PNG ou JPEG)").set_input_files(SCANNER_REPORT)
    gp_page.get_by_role("button", name="Envoyer la question").click()
    expect(gp_page.get_by_text("Question envoyée à Pneumologie")).to_be_visible()
    reference = REFERENCE.search(gp_page.get_by_role("heading", level=1).inner_text()).group(0)
    expect(gp_page.get_by_role("link", name="scanner-thorax.pdf")).to_be_visible()
    screenshot(gp_page, "teleexpertise-asked")

    specialist_page = new_page()
    login(specialist_page, specialist.username)
    specialist_page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Téléexpertise"
    ).click()
    row = specialist_page.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("En attente de réponse")
    row.get_by_role("link", name=reference).click()
    expect(specialist_page.get_by_text("Faut-il un TEP-TDM avant la consultation ?")).to_be_visible()
    specialist_page.get_by_label("Votre réponse au médecin").fill("Oui : TEP-TDM puis consultation en hôpital de jour.")
    specialist_page.get_by_label(CONVERT).check()
    specialist_page.get_by_role("button", name="Envoyer la réponse").click()
    expect(
        specialist_page.get_by_text(re.compile(r"la demande de prise en soins JAL-\d{4}-\d{6} est créée"))
    ).to_be_visible()
    screenshot(specialist_page, "teleexpertise-answered")

    request = TeleExpertiseRequest.objects.get(reference=reference)
    referral = Referral.objects.get()
    assert request.status == RequestStatus.CONVERTED and request.converted_referral_id == referral.pk
    assert referral.documents.count() == 1

    gp_page.reload()
    expect(gp_page.get_by_role("region", name="Réponse du spécialiste")).to_contain_text(
        "TEP-TDM puis consultation en hôpital de jour"
    )
    gp_page.get_by_role("link", name=f"voir la demande de prise en soins {referral.reference}").click()
    expect(gp_page.get_by_role("heading", name=f"Demande {referral.reference}")).to_be_visible()
    expect(
        gp_page.get_by_role("region", name="Demande", exact=True).get_by_text("Téléexpertise", exact=True)
    ).to_be_visible()
    expect(gp_page.get_by_role("link", name="scanner-thorax.pdf")).to_be_visible()


def test_it_refuses_an_empty_question_in_french_and_saves_nothing(page, gp, pulmonology_offer, strasbourg):
    """Without a question the form comes back with the French message and what was typed; nothing is stored."""
    login(page, gp.username)
    open_new_request(page)
    fill_patient(page)
    page.get_by_role("button", name="Envoyer la question").click()
    expect(page.get_by_text("Écrivez la question posée au spécialiste.")).to_be_visible()
    expect(page.get_by_label("Nom de naissance")).to_have_value("Lefèvre")
    expect(page.get_by_label("Résumé clinique")).to_have_value(re.compile("nodule de 25 mm"))
    assert not TeleExpertiseRequest.objects.exists()
