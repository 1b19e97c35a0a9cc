"""Issue 14, item 3 in a real browser: the coordinator accepts an incomplete lung referral at the proposed P2
with the complement requested; the pathway shows the referrer's tasks with their due dates; the GP answers
« non réalisé » for the CT and joins the report, which closes both tasks."""

from __future__ import annotations

from datetime import datetime
from importlib import import_module
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps as django_apps
from django.urls import reverse
from playwright.sync_api import expect

from conftest import MINIMAL_PDF
from jalon.core.formatting import datetime_numeric
from jalon.pathways.models import Task
from jalon.pathways.tests.test_pathway_pages import lung_template_version
from jalon.referrals.completeness import current_rule_set
from jalon.triage.services import triage_propose
from tests.browser.conftest import login, screenshot, server_idle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PARIS = ZoneInfo("Europe/Paris")
MONDAY_9H = datetime(2026, 11, 30, 9, 0, tzinfo=PARIS)
CT_TASK = "Complément à fournir par l'adresseur : un scanner (TDM) déjà réalisé"
DOCUMENT_TASK = "Complément à fournir par l'adresseur : au moins un compte rendu joint"


def shipped_rules() -> None:
    """The shipped triage (v2) and completeness (v2) rules, loaded again when a transactional test before this
    one flushed the rows their migrations wrote (live-server tests run without the migrations' data)."""
    import_module("jalon.triage.migrations.0004_rules_v2").load(django_apps, None)
    import_module("jalon.referrals.migrations.0009_completeness_v2").load(django_apps, None)


def test_the_coordinator_accepts_an_incomplete_referral_at_p2_with_the_complement_requested(
    new_page, coordinator, gp, submit, tmp_path
):
    """Accept at P2 while the CT and its report are missing; the GP answers from their portal page."""
    with time_machine.travel(MONDAY_9H, tick=True):
        shipped_rules()
        lung_template_version()
        assert current_rule_set() is not None
        referral = submit(exams=[], documents=[]).referral
        assert referral.missing_items == ["document", "exam:ct"]
        assert triage_propose(referral).priority == "P2"

        page = new_page()
        login(page, coordinator.username)
        page.goto(reverse("coordination:referral", args=[referral.reference]))
        expect(page.get_by_label("Priorité")).to_have_value("P2")
        request = page.get_by_role("group", name="Complément demandé avec l'acceptation")
        expect(request.get_by_text("un scanner (TDM) déjà réalisé")).to_be_visible()
        page.get_by_label("Message à l'adresseur pour le complément").fill(
            "Merci de joindre le scanner s'il a été fait."
        )
        screenshot(page, "accept-incomplete-form")
        page.get_by_role("button", name="Accepter la demande").click()

        expect(page.get_by_role("heading", name=f"Parcours {referral.reference}")).to_be_visible()
        tasks = page.get_by_role("region", name="Tâches")
        ct_task = Task.objects.get(pathway__referral=referral, complement_item="exam:ct")
        expect(tasks.get_by_role("listitem").filter(has_text=CT_TASK)).to_contain_text(datetime_numeric(ct_task.due_at))
        expect(tasks.get_by_role("listitem").filter(has_text=DOCUMENT_TASK)).to_contain_text("Adresseur")
        screenshot(page, "accept-incomplete-pathway")

        city = new_page()
        login(city, gp.username)
        city.goto(reverse("portal:patient", args=[referral.reference]))
        asked = city.get_by_role("region", name="Compléments demandés par la coordination")
        expect(asked.get_by_text(CT_TASK)).to_be_visible()
        asked.get_by_role("link", name="Compléter la demande").click()

        expect(city.get_by_text("Merci de joindre le scanner s'il a été fait.")).to_be_visible()
        city.get_by_label("un scanner (TDM) déjà réalisé").check()
        report = tmp_path / "radio-thorax.pdf"
        report.write_bytes(MINIMAL_PDF)
        city.get_by_label("Documents (PDF, PNG ou JPEG)").set_input_files(str(report))
        city.get_by_role("button", name="Envoyer le complément").click()
        expect(city.get_by_text("Complément envoyé à la coordination ; le parcours continue.")).to_be_visible()

        city.goto(reverse("portal:patient", args=[referral.reference]))
        asked = city.get_by_role("region", name="Compléments demandés par la coordination")
        expect(asked.get_by_role("listitem").filter(has_text=CT_TASK)).to_contain_text("Répondu")
        expect(asked.get_by_role("listitem").filter(has_text=DOCUMENT_TASK)).to_contain_text("Répondu")
        screenshot(city, "accept-incomplete-answered")
    with server_idle():  # the GP's portal page polls
        referral.refresh_from_db()
    assert referral.is_complete and referral.items_not_done == ["exam:ct"]
