"""Issue 14, item 2 in a real browser: a GP writes « hémoptysie » in the reason, sees it suggested to tick, does
not tick it and sends no CT report (the referral is incomplete); the coordinator sees the proposal P1 with the
sign « lu dans le texte », accepts it at P1 while the referral is still incomplete (complement requested), and
the pathway and the complement task appear."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import expect

from jalon.pathways.models import Task
from jalon.pathways.tests.test_pathway_pages import lung_template_version
from jalon.referrals.completeness import current_rule_set
from jalon.referrals.models import Referral
from jalon.testing.factories import make_ins
from jalon.triage.services import triage_propose
from tests.browser.conftest import login, screenshot
from tests.browser.test_accept_incomplete_journey import shipped_rules

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PARIS = ZoneInfo("Europe/Paris")
MONDAY_9H = datetime(2026, 11, 30, 9, 0, tzinfo=PARIS)
CT_TASK = "Complément à fournir par l'adresseur : un scanner (TDM) déjà réalisé"


def test_a_sign_written_not_ticked_gets_p1_and_the_incomplete_referral_is_accepted_with_its_complement(
    new_page, gp, coordinator, entry_point, strasbourg
):
    with time_machine.travel(MONDAY_9H, tick=True):
        shipped_rules()
        lung_template_version()
        assert current_rule_set() is not None

        city = new_page()
        login(city, gp.username)
        city.goto(reverse("referrals:new"))
        city.get_by_label("Guichet").select_option(label="Numéro unique cancer CPTS")
        city.get_by_label("Nom de naissance").fill("Lefèvre")
        city.get_by_label("Prénoms de naissance").fill("Jeanne Marie")
        city.get_by_label("Sexe").select_option(label="Féminin")
        city.get_by_label("Date de naissance").fill("1956-03-12")
        city.get_by_label("INS (numéro de sécurité sociale et clé").fill(
            make_ins(sex="F", birth_date=date(1956, 3, 12), seed=7)
        )
        city.get_by_label("Commune de résidence").fill("67482")
        city.get_by_label("Téléphone du patient").fill("06 12 34 56 78")
        city.get_by_label("Cancer suspecté").select_option(label="Poumon")
        city.get_by_label("Motif clinique").fill(
            "Toux depuis deux mois chez une ancienne fumeuse, hémoptysie ce matin. Pas de fièvre."
        )
        suggestion = city.locator(".text-sign-suggestion")
        # The lexicon's pipeline is built on its first use in the process (about 10 s), hence the longer wait.
        expect(suggestion).to_contain_text("Signes lus dans le motif", timeout=30_000)
        expect(suggestion).to_contain_text("Hémoptysie")
        screenshot(city, "text-signs-suggestion")
        city.get_by_label("Date des premiers symptômes").fill("2026-09-01")
        city.get_by_label("Urgence").select_option(label="Habituelle")
        city.get_by_role("group", name="Le patient est-il informé de la suspicion ?").get_by_label("Oui").check()
        city.get_by_role("button", name="Envoyer la demande").click()
        expect(city.get_by_role("heading", name="Demande reçue")).to_be_visible()

        referral = Referral.objects.get()
        assert referral.alarm_signs == [] and "exam:ct" in referral.missing_items
        assert triage_propose(referral).priority == "P1"

        page = new_page()
        login(page, coordinator.username)
        page.goto(reverse("coordination:referral", args=[referral.reference]))
        proposal = page.get_by_role("region", name="Proposition des règles de tri")
        expect(proposal).to_contain_text("P1")
        expect(proposal).to_contain_text("lu dans le texte")
        expect(proposal.get_by_role("button", name="Confirmer « Hémoptysie »")).to_be_visible()
        expect(page.get_by_label("Priorité")).to_have_value("P1")
        expect(
            page.get_by_role("group", name="Complément demandé avec l'acceptation").get_by_text(
                "un scanner (TDM) déjà réalisé"
            )
        ).to_be_visible()
        page.get_by_label("Message à l'adresseur pour le complément").fill(
            "Merci de joindre le scanner s'il a été fait."
        )
        screenshot(page, "text-signs-proposal")
        page.get_by_role("button", name="Accepter la demande").click()

        expect(page.get_by_role("heading", name=f"Parcours {referral.reference}")).to_be_visible()
        tasks = page.get_by_role("region", name="Tâches")
        expect(tasks.get_by_role("listitem").filter(has_text=CT_TASK)).to_contain_text("Adresseur")
        screenshot(page, "text-signs-pathway")
    referral.refresh_from_db()
    assert (referral.status, referral.priority) == ("accepted", "P1")
    assert Task.objects.filter(pathway__referral=referral, complement_item="exam:ct", done_at__isnull=True).exists()
