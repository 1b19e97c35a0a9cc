"""Notifications in a real browser: a manager previews a message text, is refused a misplaced variable,
publishes; a GP chooses their channels; the coordinator tells the city of an admission and the GP
reads it in their notifications."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from jalon.messaging.models import Channel, NotificationPreference, OutboxMessage
from jalon.messaging.notify import current_template
from jalon.pathways.tests.factories import pathway_build
from jalon.pathways.tests.test_pathway_pages import lung_template_version
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_it_lets_a_manager_preview_and_publish_their_organisations_message_text(new_page, manager, cpts):
    """The CPTS's manager edits the CPTS's own text: a clinical variable refused in the SMS notice, a link to
    another site refused, a preview, then publication (the region-wide text is unchanged)."""
    # 1 when the migration-shipped text is there, 0 (the shipped file) after an earlier transactional test
    regional_version = current_template("stay.admission").version
    page = new_page()
    login(page, manager.username)
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Modèles de messages").click()
    page.get_by_role("link", name="Admission : texte de CPTS Strasbourg Nord").click()
    expect(page.get_by_role("heading", name="Admission – texte de CPTS Strasbourg Nord", exact=True)).to_be_visible()

    page.get_by_label("Avis court (e-mail simple et SMS)").fill("Jalon : {patient} est hospitalisé·e. {lien}")
    page.get_by_role("button", name="Publier la nouvelle version").click()
    expect(page.get_by_text("la variable {patient} donne une information médicale")).to_be_visible()
    expect(page.get_by_label("Avis court (e-mail simple et SMS)")).to_have_value(
        "Jalon : {patient} est hospitalisé·e. {lien}"
    )
    assert current_template("stay.admission", cpts.pk).organization_id is None

    page.get_by_label("Avis court (e-mail simple et SMS)").fill("Jalon : admission, voir cpts-nord.fr/infos {lien}")
    page.get_by_role("button", name="Aperçu").click()
    expect(page.get_by_text("« cpts-nord.fr/infos » renvoie ailleurs que vers Jalon")).to_be_visible()

    page.get_by_label("Avis court (e-mail simple et SMS)").fill(
        "Jalon : admission dans le parcours {reference}. {lien}"
    )
    page.get_by_label("Texte sécurisé (MSSanté et Jalon)").fill(
        "Bonjour {destinataire},\n{patient} a été admis·e le {date} : {lieu}."
    )
    page.get_by_role("button", name="Aperçu").click()
    preview = page.get_by_role("region", name="Aperçu avec des valeurs d'exemple")
    expect(preview).to_contain_text("LEFÈVRE Jeanne, née le 12/03/1956 a été admis·e le jeudi 3 décembre 2026")
    expect(preview).to_contain_text("Jalon : admission dans le parcours JAL-2026-004217.")
    screenshot(page, "notification-template-preview")
    page.get_by_label("Nature de la modification").fill("Texte plus court")
    page.get_by_role("button", name="Publier la nouvelle version").click()
    expect(page.get_by_text("Version 1 publiée")).to_be_visible()
    assert (
        current_template("stay.admission", cpts.pk).notice == "Jalon : admission dans le parcours {reference}. {lien}"
    )
    assert current_template("stay.admission").version == regional_version


def test_it_tells_the_gp_of_an_admission_on_the_channels_they_chose(new_page, coordinator, gp, submit):
    """The GP keeps only Jalon for admissions; the coordinator records one (a missing place is refused first);
    the GP reads it in their notifications and no e-mail was queued."""
    lung_template_version()
    pathway = pathway_build(submit, user=coordinator)

    gp_page = new_page()
    login(gp_page, gp.username)
    gp_page.goto(reverse("notifications:preferences"))
    gp_page.get_by_role("checkbox", name="Admission : E-mail").uncheck()
    gp_page.get_by_role("button", name="Enregistrer mes préférences").click()
    expect(gp_page.get_by_text("Vos préférences de notification sont enregistrées.")).to_be_visible()
    assert NotificationPreference.objects.get(professional=gp.professional, kind="stay.admission").channels == []

    page = new_page()
    login(page, coordinator.username)
    page.goto(reverse("pathways:detail", args=[pathway.referral.reference]))
    form = page.get_by_role("form", name="Événement du séjour")
    page.get_by_text("Admission, transfert, sortie ou décès").click()
    form.get_by_label("Événement").select_option(label="Admission")
    form.get_by_label("Date et heure").fill(
        timezone.localtime(timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    )
    form.get_by_role("button", name="Enregistrer l'événement").click()
    expect(page.get_by_text("Indiquez le lieu (établissement et service).")).to_be_visible()

    form = page.get_by_role("form", name="Événement du séjour")
    form.get_by_label("Lieu (établissement, service)").fill("Pneumologie, Hôpital de Hautepierre")
    form.get_by_role("button", name="Enregistrer l'événement").click()
    expect(page.get_by_text("Événement enregistré")).to_be_visible()
    expect(page.get_by_role("region", name="Historique du parcours")).to_contain_text(
        "Lieu : Pneumologie, Hôpital de Hautepierre"
    )

    gp_page.goto(reverse("notifications:inbox"))
    expect(gp_page.get_by_role("heading", name=f"Parcours {pathway.referral.reference} : admission")).to_be_visible()
    expect(gp_page.get_by_text("Pneumologie, Hôpital de Hautepierre")).to_be_visible()
    screenshot(gp_page, "notifications-inbox")
    assert not OutboxMessage.objects.filter(kind="stay.admission", channel=Channel.EMAIL).exists()
