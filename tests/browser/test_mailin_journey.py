"""Secure mail in, in a real browser: a GP's mail dropped in the mailbox folder is polled, the coordinator
finds it in the worklist, completes it into a referral with its PDF; a missing birth date is refused in
French and keeps the mail to complete; an unreadable mail is shown raw and dismissed with a reason."""

from __future__ import annotations

import re
import shutil

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from jalon.mailin.models import InboundMail, MailStatus, ParseStatus
from jalon.mailin.services import mailbox_poll
from jalon.mailin.tests.conftest import EML
from jalon.referrals.models import Channel, Referral
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

GP_MAIL = "thunderbird_scan_report.eml"
SUBJECT = "Suspicion cancer pulmonaire – Mme Lefèvre Jeanne"


@pytest.fixture
def mailbox_folder(tmp_path, settings, entry_point):
    """The embedded mailbox: a folder of .eml files read for the CPTS entry point."""
    folder = tmp_path / "mail-in"
    folder.mkdir()
    settings.MAIL_IN_URL = f"dir://{folder}"
    settings.MAIL_IN_ENTRY_POINT = entry_point.slug
    return folder


@pytest.fixture
def polled_gp_mail(mailbox_folder, gp):
    """The GP (known by her MSSanté address) mailed the entry point; the worker's poll ran."""
    gp.professional.mssante_address = "claire.martin@exemple.mssante.fr"
    gp.professional.save(update_fields=["mssante_address"])
    shutil.copy(EML / GP_MAIL, mailbox_folder / GP_MAIL)
    result = mailbox_poll()
    assert result.stored == 1
    assert (mailbox_folder / "traites" / GP_MAIL).exists()  # moved once committed
    return InboundMail.objects.get()


def open_mail_from_worklist(page):
    panel = page.get_by_role("region", name=re.compile("Courriels reçus à compléter"))
    expect(panel.get_by_test_id("mail-count")).to_have_text("1")
    panel.get_by_role("link", name="Voir les courriels reçus").click()
    expect(page.get_by_role("heading", name="Courriels reçus", exact=True)).to_be_visible()
    page.get_by_role("table").get_by_role("link", name=SUBJECT).click()
    expect(page.get_by_role("heading", name=re.compile(f"Courriel reçu : {SUBJECT}"))).to_be_visible()


def fill_patient(page, *, birth_date: str | None) -> None:
    form = page.get_by_role("group", name="Patient")
    form.get_by_label("Nom de naissance").fill("Lefèvre")
    form.get_by_label("Prénoms de naissance").fill("Jeanne")
    form.get_by_label("Sexe").select_option(label="Féminin")
    if birth_date:
        form.get_by_label("Date de naissance").fill(birth_date)
    form.get_by_label("Commune de résidence").fill("67482")
    request = page.get_by_role("group", name="Demande", exact=True)
    request.get_by_label("Cancer suspecté").select_option(label="Poumon")
    request.get_by_label("Date des premiers symptômes").fill("2026-09-01")
    request.get_by_role("group", name="Le patient est-il informé de la suspicion ?").get_by_label("Oui").check()


def test_it_turns_a_polled_mail_into_a_referral(page, coordinator, gp, polled_gp_mail, strasbourg):
    """Worklist → list → the mail, prefilled from the GP's mail → the referral, by secure mail, with the PDF."""
    login(page, coordinator.username)
    open_mail_from_worklist(page)
    expect(page.get_by_text("nodule spiculé de 24 mm au scanner du 28/10").first).to_be_visible()
    expect(page.get_by_role("link", name="CR scanner thoracique.pdf")).to_be_visible()
    expect(page.get_by_label("Professionnel adresseur")).to_have_value(str(gp.professional_id))
    expect(page.get_by_label("Motif clinique")).to_have_value(re.compile("Je vous adresse Mme Lefèvre Jeanne"))
    expect(page.get_by_role("checkbox", name=re.compile("CR scanner thoracique.pdf"))).to_be_checked()
    screenshot(page, "mailin-detail")

    fill_patient(page, birth_date="1956-03-12")
    page.get_by_role("button", name="Enregistrer la demande").click()

    expect(page.get_by_text(re.compile(r"Demande JAL-\d{4}-\d{6} créée à partir du courriel\."))).to_be_visible()
    referral = Referral.objects.get()
    expect(page.get_by_role("heading", name=f"Demande {referral.reference}")).to_be_visible()
    expect(page.get_by_text("Messagerie sécurisée")).to_be_visible()
    expect(page.get_by_role("link", name="CR scanner thoracique.pdf")).to_be_visible()
    assert (referral.channel, referral.referrer_id) == (Channel.MAIL, gp.professional_id)
    polled_gp_mail.refresh_from_db()
    assert (polled_gp_mail.status, polled_gp_mail.referral_id) == (MailStatus.CONVERTED, referral.pk)

    page.goto(reverse("coordination:worklist"))
    expect(page.get_by_role("link", name=referral.reference)).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Courriels reçus à compléter"))).to_have_count(0)


def test_it_refuses_a_missing_birth_date_and_keeps_the_mail_to_complete(page, coordinator, polled_gp_mail, strasbourg):
    """Without a birth date: the French error on the field, what was typed kept, no referral, the mail still waits."""
    login(page, coordinator.username)
    open_mail_from_worklist(page)
    fill_patient(page, birth_date=None)
    page.get_by_role("button", name="Enregistrer la demande").click()

    expect(page.get_by_text("le courriel reste à compléter")).to_be_visible()
    birth_date = page.get_by_role("group", name="Patient").locator(".field.has-error")
    expect(birth_date.get_by_text("Ce champ est obligatoire.")).to_be_visible()
    expect(page.get_by_label("Nom de naissance")).to_have_value("Lefèvre")
    expect(page.get_by_role("checkbox", name=re.compile("CR scanner thoracique.pdf"))).to_be_checked()
    screenshot(page, "mailin-missing-birth-date")
    assert not Referral.objects.exists()
    polled_gp_mail.refresh_from_db()
    assert polled_gp_mail.status == MailStatus.TO_COMPLETE

    page.goto(reverse("mailin:list"))
    expect(page.get_by_role("link", name=SUBJECT)).to_be_visible()


def test_it_shows_an_unreadable_mail_and_dismisses_it_with_a_reason(page, coordinator, mailbox_folder):
    """A truncated mail is kept and flagged; its raw text shows; dismissing needs a reason, then it leaves the list."""
    shutil.copy(EML / "truncated_boundary.eml", mailbox_folder / "truncated_boundary.eml")
    assert mailbox_poll().unreadable == 1
    mail = InboundMail.objects.get()
    assert mail.parse_status == ParseStatus.UNREADABLE

    login(page, coordinator.username)
    page.goto(reverse("mailin:list"))
    row = page.get_by_role("row").filter(has_text="Complément – IRM cérébrale")
    expect(row.get_by_text("illisible")).to_be_visible()
    row.get_by_role("link", name="Complément – IRM cérébrale").click()

    expect(page.get_by_role("heading", name="Courriel illisible")).to_be_visible()
    expect(page.get_by_text("le courriel est tronqué")).to_be_visible()
    expect(page.get_by_label("Contenu brut du courriel")).to_contain_text(
        "Voici le compte rendu de l'IRM cérébrale de M. Roth."
    )
    expect(page.get_by_role("link", name=re.compile("Télécharger le fichier .eml"))).to_be_visible()

    page.get_by_text("Écarter", exact=True).click()
    page.get_by_role("button", name="Écarter ce courriel").click()
    expect(page.get_by_text("Le courriel n'est pas écarté : indiquez un motif.")).to_be_visible()
    mail.refresh_from_db()
    assert mail.status == MailStatus.TO_COMPLETE

    page.get_by_label("Motif pour écarter ce courriel").fill("Renvoyé complet par le médecin le lendemain")
    page.get_by_role("button", name="Écarter ce courriel").click()
    expect(page.get_by_text("Courriel écarté.")).to_be_visible()
    expect(page.get_by_text("Aucun courriel à compléter.")).to_be_visible()
    mail.refresh_from_db()
    assert (mail.status, mail.dismissal_reason) == (MailStatus.DISMISSED, "Renvoyé complet par le médecin le lendemain")
