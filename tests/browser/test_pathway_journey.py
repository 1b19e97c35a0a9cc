"""The pathway engine in a real browser: triage proposal and why, the pathway with its due dates, a step
recorded, an overdue step raising an alert in the worklist, and the not-malignant outcome that closes
the pathway and queues the closing report for the GP. The clock is moved, never slept."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import expect

from jalon.core.formatting import datetime_numeric
from jalon.messaging.models import OutboxMessage
from jalon.pathways.alerts import alerts_scan
from jalon.pathways.models import MilestoneStatus, Pathway, PathwayStatus
from jalon.pathways.tests.test_pathway_pages import lung_template_version, triage_rule_set
from jalon.triage.services import triage_propose
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PARIS = ZoneInfo("Europe/Paris")
MONDAY_9H = datetime(2026, 11, 30, 9, 0, tzinfo=PARIS)


def on_screen(moment: datetime) -> str:
    return datetime_numeric(moment)


def row_of(table, label: str):
    """The table row whose header cell names the step (other rows mention it in their target delay)."""
    return table.get_by_role("row").filter(has=table.page.get_by_role("rowheader", name=label))


def steps_to_reception(pathway: Pathway) -> list:
    """The steps to record, in order, up to the reception (its prerequisites first); the first step
    when the template has no reception."""
    milestones = list(pathway.milestones.select_related("template").order_by("order"))
    by_code = {m.code: m for m in milestones}
    if "reception" not in by_code:
        return milestones[:1]
    needed, queue = [], ["reception"]
    while queue:
        code = queue.pop()
        if code not in needed:
            needed.append(code)
            queue.extend(by_code[code].template.depends_on)
    return [m for m in milestones if m.code in needed]


def test_it_takes_a_referral_through_its_pathway(new_page, coordinator, gp, submit):
    """Accept with the rules' proposal, record the reception, see a step overdue and its alert, close as not
    malignant."""
    with time_machine.travel(MONDAY_9H, tick=True) as clock:
        triage_rule_set()
        lung_template_version()
        referral = submit().referral
        proposal = triage_propose(referral)

        page = new_page()
        login(page, coordinator.username)
        page.goto(reverse("coordination:referral", args=[referral.reference]))
        proposed = page.get_by_role("region", name="Proposition des règles de tri")
        expect(proposed.get_by_text(proposal.rule.code, exact=True)).to_be_visible()
        expect(proposed.get_by_text(proposal.rule.comment)).to_be_visible()
        expect(proposed.get_by_role("heading", name="Pourquoi ?")).to_be_visible()
        expect(proposed.get_by_role("listitem").filter(has_text="cancer suspecté parmi")).to_contain_text(
            "condition remplie"
        )
        expect(page.get_by_label("Priorité")).to_have_value(proposal.priority)
        screenshot(page, "pathway-triage-proposal")
        page.get_by_role("button", name="Accepter la demande").click()

        expect(page.get_by_role("heading", name=f"Parcours {referral.reference}")).to_be_visible()
        pathway = Pathway.objects.get(referral=referral)
        steps = page.get_by_role("region", name="Étapes du parcours")
        for milestone in pathway.milestones.exclude(due_at=None):
            expect(row_of(steps, milestone.label)).to_contain_text(on_screen(milestone.due_at))
        expect(page.get_by_role("region", name="Décision de tri")).to_contain_text(proposal.rule.code)
        screenshot(page, "pathway-page")

        for milestone in steps_to_reception(pathway):
            form = page.get_by_role("form", name=f"Enregistrer l'étape « {milestone.label} »")
            form.get_by_label("Note").fill("Patient joint, rendez-vous confirmé")
            form.get_by_role("button", name="Enregistrer l'étape").click()
            expect(page.get_by_text(f"Étape « {milestone.label} » enregistrée.")).to_be_visible()
            expect(row_of(steps, milestone.label)).to_contain_text("Fait")
        history = page.get_by_role("region", name="Historique du parcours")
        expect(history.get_by_text("Étape réalisée").first).to_be_visible()

        late = pathway.milestones.filter(status=MilestoneStatus.PENDING).exclude(due_at=None).order_by("due_at").first()
        clock.move_to(late.due_at + timedelta(hours=1))
        login(page, coordinator.username)  # the idle session expired while the clock moved
        page.goto(reverse("pathways:detail", args=[referral.reference]))
        expect(row_of(steps, late.label)).to_contain_text("En retard")

        alerts_scan()
        page.goto(reverse("coordination:worklist"))
        alerts = page.get_by_role("region", name="Alertes")
        late_alert = alerts.get_by_role("row").filter(has_text=late.label)
        expect(late_alert).to_contain_text("En retard")
        screenshot(page, "pathway-alert-in-worklist")
        late_alert.get_by_role("link", name=referral.reference).click()

        expect(page.get_by_role("heading", name=f"Parcours {referral.reference}")).to_be_visible()
        page.get_by_text("Enregistrer l'issue du diagnostic", exact=True).click()
        outcome = page.get_by_role("form", name="Issue du diagnostic")
        outcome.get_by_label("Non malin : retour au médecin traitant").check()
        outcome.get_by_label("Conclusion de l'équipe").fill("Lésion inflammatoire, pas de cancer")
        outcome.get_by_role("button", name="Enregistrer l'issue").click()

        expect(page.get_by_text("Parcours clôturé le")).to_be_visible()
        expect(page.get_by_role("button", name="Enregistrer l'étape")).to_have_count(0)
        expect(page.get_by_role("button", name="Fait")).to_have_count(0)
        expect(history.get_by_text("Diagnostic : lésion non maligne")).to_be_visible()
        screenshot(page, "pathway-closed")

    pathway.refresh_from_db()
    assert pathway.status == PathwayStatus.CLOSED
    report = OutboxMessage.objects.get(recipient_professional=gp.professional, kind="pathway.closed", channel="in_app")
    assert "Lésion inflammatoire, pas de cancer" in report.body
