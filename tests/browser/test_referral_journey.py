"""The single entry point in a real browser: a GP refers, the coordination answers, outsiders see nothing."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from conftest import MINIMAL_PDF
from jalon.accounts.models import AuditAction, AuditRecord
from jalon.pathways.tests.test_pathway_pages import lung_template_version, triage_rule_set
from jalon.referrals.models import Referral, Status
from jalon.testing.factories import make_ins
from tests.browser.conftest import fill_login_form, login, screenshot, server_idle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

REFERENCE = re.compile(r"^JAL-\d{4}-\d{6}$")
SCANNER_REPORT = {"name": "compte-rendu-scanner.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF}


def with_wrong_key(ins: str) -> str:
    return ins[:13] + f"{(int(ins[13:]) + 1) % 97:02d}"


def fill_referral_form(page, *, ins: str) -> None:
    page.get_by_label("Guichet").select_option(label="Numéro unique cancer CPTS")
    page.get_by_label("Nom de naissance").fill("Lefèvre")
    page.get_by_label("Prénoms de naissance").fill("Jeanne Marie")
    page.get_by_label("Sexe").select_option(label="Féminin")
    page.get_by_label("Date de naissance").fill("1956-03-12")
    page.get_by_label("INS (numéro de sécurité sociale et clé").fill(ins)
    page.get_by_label("Commune de résidence").fill("67482")
    page.get_by_label("Téléphone du patient").fill("06 12 34 56 78")
    page.get_by_label("Cancer suspecté").select_option(label="Poumon")
    page.get_by_label("Motif clinique").fill("Toux persistante depuis deux mois, opacité sur la radiographie")
    page.get_by_label("Date des premiers symptômes").fill("2026-09-01")
    page.get_by_label("Urgence").select_option(label="Urgente")
    page.get_by_role("group", name="Le patient est-il informé de la suspicion ?").get_by_label("Oui").check()
    exam = page.get_by_role("group", name="Examen 1")
    exam.get_by_label("Examen", exact=True).select_option(label="Scanner (TDM)")
    exam.get_by_label("Date", exact=True).fill("2026-10-01")
    exam.get_by_label("Compte rendu").set_input_files(SCANNER_REPORT)


def test_it_takes_a_referral_from_the_gp_to_the_coordination(
    new_page, gp, coordinator, other_gp, entry_point, strasbourg
):
    """The issue's journey: wrong INS refused then corrected, acknowledgment, worklist, audit, outsider 404."""
    valid_ins = make_ins(sex="F", birth_date=date(1956, 3, 12), seed=7)
    page = new_page()
    login(page, gp.username)
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Nouvelle demande").click()
    expect(page.get_by_role("heading", name="Nouvelle demande de prise en soins")).to_be_visible()
    screenshot(page, "referral-form")

    fill_referral_form(page, ins=with_wrong_key(valid_ins))
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page.get_by_text("La clé du numéro INS est incorrecte")).to_be_visible()
    assert Referral.objects.count() == 0

    expect(page.get_by_label("Nom de naissance")).to_have_value("Lefèvre")
    expect(page.get_by_label("Commune de résidence")).to_have_value("67482")
    expect(page.get_by_label("Motif clinique")).to_have_value(re.compile("Toux persistante"))
    expect(page.get_by_text("joignez à nouveau les fichiers")).to_be_visible()
    page.get_by_label("INS (numéro de sécurité sociale et clé").fill(valid_ins)
    page.get_by_role("group", name="Examen 1").get_by_label("Compte rendu").set_input_files(SCANNER_REPORT)
    page.get_by_role("button", name="Envoyer la demande").click()

    expect(page.get_by_role("heading", name="Demande reçue")).to_be_visible()
    expect(page.get_by_text(REFERENCE)).to_be_visible()
    reference = page.get_by_text(REFERENCE).inner_text()
    expect(page.get_by_text("Réponse au plus tard le")).to_be_visible()
    referral = Referral.objects.get()
    assert referral.reference == reference
    assert referral.documents.count() == 1

    coordinator_page = new_page()
    login(coordinator_page, coordinator.username)
    expect(coordinator_page.get_by_role("heading", name="File des demandes")).to_be_visible()
    first_row = coordinator_page.get_by_role("table").get_by_role("row").nth(1)
    expect(first_row).to_contain_text(reference)
    first_row.get_by_role("link", name=reference).click()
    expect(coordinator_page.get_by_role("heading", name=f"Demande {reference}")).to_be_visible()
    assert AuditRecord.objects.filter(
        actor=coordinator, patient=referral.patient, object_type="referral", action=AuditAction.READ
    ).exists()

    outsider_page = new_page()
    login(outsider_page, other_gp.username)
    response = outsider_page.goto(reverse("coordination:referral", args=[reference]))
    assert response.status == 404
    expect(outsider_page.get_by_role("heading", name="Page introuvable")).to_be_visible()
    expect(outsider_page.get_by_text("Lefèvre")).to_have_count(0)


def test_it_lets_the_coordinator_request_a_complement_then_accept(page, coordinator, submit):
    """An empty complement request is refused in French and changes nothing; accepting shows in the history."""
    triage_rule_set(), lung_template_version()  # accepting starts the pathway the rules propose
    referral = submit().referral
    login(page, coordinator.username)
    page.goto(reverse("coordination:referral", args=[referral.reference]))

    page.get_by_text("Demander un complément", exact=True).click()
    page.get_by_role("button", name="Envoyer la demande de complément").click()
    expect(page.get_by_text("Ce champ est obligatoire.")).to_be_visible()
    expect(page.get_by_text("L'action n'a pas été enregistrée")).to_be_visible()
    referral.refresh_from_db()
    assert referral.status == Status.RECEIVED

    page.get_by_text("Accepter", exact=True).click()
    page.get_by_label("Parcours").select_option(label="Poumon")
    page.get_by_label("Priorité").select_option(label="P1 – très urgent")
    page.get_by_label("Motif de l'écart avec la proposition des règles").fill("Hémoptysie signalée au téléphone")
    page.get_by_role("button", name="Accepter la demande").click()
    expect(page.get_by_role("region", name="Historique").get_by_text("Demande acceptée")).to_be_visible()
    referral.refresh_from_db()
    assert (referral.status, referral.pathway_kind, referral.priority) == (Status.ACCEPTED, "lung", "P1")


def test_it_refreshes_the_worklist_by_itself(page, coordinator, submit):
    """A referral arriving while the worklist is open appears without reloading (htmx polls every 15 s)."""
    submit()
    login(page, coordinator.username)
    expect(page.get_by_role("heading", name="File des demandes")).to_be_visible()
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(2)
    screenshot(page, "worklist")

    with server_idle():  # the worklist polls
        arriving = submit(clinical_reason="Amaigrissement, douleur thoracique").referral
    expect(page.get_by_role("link", name=arriving.reference)).to_be_visible(timeout=20000)
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(3)


def test_it_refuses_a_bad_password(page, gp):
    """A wrong password gets the French message and no session."""
    fill_login_form(page, gp.username, "pas-le-bon-mot-de-passe")
    expect(page.get_by_text("Identifiant ou mot de passe incorrect")).to_be_visible()
    expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(0)
