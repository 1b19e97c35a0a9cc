"""The GP portal in a real browser (issue 6, part 3): the GP follows the pathway while the coordinator, in
another browser, records a step; the step shows done on the GP's page without a reload. The GP writes to
the coordination (an empty message is refused in French first); the coordinator sees the unread message
in the worklist, answers, and the answer reaches the GP's open page. Playwright's waiting assertions only,
never a sleep."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from jalon.pathways.models import MilestoneStatus
from jalon.pathways.tests.factories import pathway_build
from jalon.pathways.tests.test_pathway_pages import lung_template_version, recordable_milestone
from jalon.portal.models import ThreadMessage
from tests.browser.conftest import login, screenshot, server_idle
from tests.browser.test_pathway_journey import row_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

GP_MESSAGE = "Le patient me demande la date de son scanner : pouvez-vous le rappeler ?"
REPLY = "Scanner programmé jeudi à 14 h, le patient est prévenu."


def test_it_shows_the_gp_the_pathway_live_and_carries_messages_both_ways(new_page, gp, coordinator, submit, settings):
    """A step recorded by the coordinator appears on the GP's open page; the GP's message shows unread in the
    worklist."""
    settings.PORTAL_REFRESH_SECONDS = 1
    lung_template_version()
    pathway = pathway_build(submit, user=coordinator)
    referral = pathway.referral
    step = recordable_milestone(pathway)

    doctor = new_page()
    login(doctor, gp.username)
    expect(doctor.get_by_role("heading", name="Mes patients")).to_be_visible()
    doctor.get_by_role("link", name=referral.reference).click()
    expect(doctor.get_by_role("heading", name=f"({referral.reference})")).to_be_visible()
    steps = doctor.get_by_role("region", name="Étapes du parcours")
    expect(row_of(steps, step.label)).to_contain_text("Prévu")
    screenshot(doctor, "portal-patient-before")

    nurse = new_page()
    login(nurse, coordinator.username)
    nurse.goto(reverse("pathways:detail", args=[referral.reference]))
    form = nurse.get_by_role("form", name=f"Enregistrer l'étape « {step.label} »")
    form.get_by_label("Note").fill("Patient vu en consultation")
    form.get_by_role("button", name="Enregistrer l'étape").click()
    expect(nurse.get_by_text(f"Étape « {step.label} » enregistrée.")).to_be_visible()

    # No reload on the GP's side: the poll brings the step done.
    expect(row_of(steps, step.label)).to_contain_text("Fait")
    expect(doctor.get_by_role("region", name="Historique").get_by_text("Étape réalisée").first).to_be_visible()
    screenshot(doctor, "portal-patient-live")
    with server_idle():  # the GP's page polls every second
        step.refresh_from_db()
    assert step.status == MilestoneStatus.DONE

    message_box = doctor.get_by_label("Votre message à la coordination")
    doctor.get_by_role("button", name="Envoyer à la coordination").click()
    expect(doctor.get_by_text("Écrivez votre message avant de l'envoyer.")).to_be_visible()
    with server_idle():
        assert not ThreadMessage.objects.exists()

    message_box.fill(GP_MESSAGE)
    doctor.get_by_role("button", name="Envoyer à la coordination").click()
    expect(doctor.get_by_text("Votre message a été envoyé à la coordination.")).to_be_visible()
    expect(doctor.get_by_role("region", name="Échanges avec la coordination").get_by_text(GP_MESSAGE)).to_be_visible()

    nurse.goto(reverse("coordination:worklist"))
    panel = nurse.get_by_role("region", name="Messages des professionnels")
    expect(panel.get_by_test_id("thread-unread-count")).to_have_text("1")
    expect(panel.get_by_role("row").filter(has_text=referral.patient.display_name)).to_contain_text("1 non lu")
    screenshot(nurse, "portal-worklist-messages")
    panel.get_by_role("link", name=referral.reference).click()

    thread = nurse.get_by_role("region", name="Échanges avec le médecin")
    expect(thread.get_by_text(GP_MESSAGE)).to_be_visible()
    thread.get_by_label("Répondre au médecin").fill(REPLY)
    thread.get_by_role("button", name="Envoyer la réponse").click()
    expect(nurse.get_by_text("Message envoyé.")).to_be_visible()

    # The answer reaches the GP's open page, still without a reload.
    expect(doctor.get_by_role("region", name="Échanges avec la coordination").get_by_text(REPLY)).to_be_visible()
    nurse.goto(reverse("coordination:worklist"))
    expect(
        nurse.get_by_role("region", name="Messages des professionnels").get_by_test_id("thread-unread-count")
    ).to_have_text("0")
