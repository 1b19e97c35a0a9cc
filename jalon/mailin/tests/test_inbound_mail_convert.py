"""Completing a mail into a referral: channel mail, its documents, the mail converted, all or nothing."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import identity, pdf_upload
from jalon.accounts.models import AuditAction, AuditRecord
from jalon.core.actor import Actor
from jalon.events.models import Event
from jalon.mailin.errors import MailInError, MailInErrorCode
from jalon.mailin.models import MailStatus
from jalon.mailin.services import inbound_mail_convert, inbound_mail_dismiss, inbound_mail_store
from jalon.mailin.tests.conftest import eml
from jalon.patients.models import Patient
from jalon.referrals.errors import ReferralError
from jalon.referrals.models import Channel, Referral, ReferralDocument


def convert(mail, coordinator, **overrides):
    values = dict(
        actor=Actor(user=coordinator, ip_address="127.0.0.1"),
        mail=mail,
        patient=identity(),
        referrer=mail.sender,
        suspected_site="lung",
        clinical_reason=mail.body_text,
        first_symptoms_date=date(2026, 9, 1),
        declared_urgency="urgent",
        patient_informed=True,
        attachment_ids=[attachment.pk for attachment in mail.attachments.filter(can_be_document=True)],
    )
    values.update(overrides)
    return inbound_mail_convert(**values)


def test_it_creates_the_referral_with_the_mails_documents(gp_mail, coordinator, gp, strasbourg):
    """The referral comes through the mail channel, from the matched GP, with the PDF of the mail."""
    result = convert(gp_mail, coordinator)

    referral = result.referral
    assert (referral.channel, referral.referrer_id, referral.entry_point_id) == (
        Channel.MAIL,
        gp.professional_id,
        gp_mail.entry_point_id,
    )
    assert "nodule spiculé de 24 mm" in referral.clinical_reason
    [document] = referral.documents.all()
    assert (document.original_name, document.content_type, document.uploaded_by_id) == (
        "CR scanner thoracique.pdf",
        "application/pdf",
        coordinator.pk,
    )
    assert document.sha256 == gp_mail.attachments.get().sha256


def test_it_marks_the_mail_converted_and_links_the_referral(gp_mail, coordinator, strasbourg):
    """The mail is converted, by whom and when, and points at its referral."""
    referral = convert(gp_mail, coordinator).referral

    gp_mail.refresh_from_db()
    assert (gp_mail.status, gp_mail.referral_id, gp_mail.handled_by_id) == (
        MailStatus.CONVERTED,
        referral.pk,
        coordinator.pk,
    )
    assert gp_mail.handled_at is not None


def test_it_records_the_event_and_audits_the_mail_with_its_patient(gp_mail, coordinator, strasbourg):
    """The referral's own event says channel mail; the mail's audit record now names the patient."""
    referral = convert(gp_mail, coordinator).referral

    event = Event.objects.get(kind="referral.submitted", referral=referral)
    assert event.payload["channel"] == "mail"
    record = AuditRecord.objects.get(object_type="inbound_mail", object_id=str(gp_mail.pk), action=AuditAction.UPDATE)
    assert (record.actor_id, record.patient_id) == (coordinator.pk, referral.patient_id)


def test_it_carries_only_the_chosen_attachments(entry_point, coordinator, gp, strasbourg):
    """Unticked attachments stay with the mail: only the chosen one joins the referral."""
    mail = inbound_mail_store(raw=eml("apple_mail_inline_image.eml"), entry_point=entry_point).mail
    photo, report = mail.attachments.all()

    referral = convert(mail, coordinator, referrer=gp.professional, attachment_ids=[report.pk]).referral
    assert list(referral.documents.values_list("original_name", flat=True)) == [report.original_name]


def test_it_adds_the_coordinators_own_uploads(gp_mail, coordinator, strasbourg):
    """Documents uploaded on the form join those of the mail."""
    referral = convert(gp_mail, coordinator, documents=[pdf_upload("courrier-adresseur.pdf")]).referral
    assert sorted(referral.documents.values_list("original_name", flat=True)) == [
        "CR scanner thoracique.pdf",
        "courrier-adresseur.pdf",
    ]


def test_it_converts_an_unreadable_mail_typed_by_hand(unreadable_mail, coordinator, gp, strasbourg):
    """The coordinator may read the raw mail and type the referral; no attachment comes from it."""
    referral = convert(unreadable_mail, coordinator, referrer=gp.professional, attachment_ids=[]).referral

    unreadable_mail.refresh_from_db()
    assert unreadable_mail.status == MailStatus.CONVERTED
    assert referral.documents.count() == 0


def test_it_refuses_an_attachment_that_cannot_be_a_document(entry_point, coordinator, gp):
    """Asking for the Word letter is refused with a French message; nothing is created."""
    mail = inbound_mail_store(raw=eml("outlook_alternative_cp1252.eml"), entry_point=entry_point).mail
    letter = mail.attachments.get()

    with pytest.raises(MailInError) as error:
        convert(mail, coordinator, referrer=gp.professional, attachment_ids=[letter.pk])
    assert error.value.code == MailInErrorCode.INVALID_ATTACHMENT
    assert "PDF, PNG ou JPEG" in error.value.message
    mail.refresh_from_db()
    assert mail.status == MailStatus.TO_COMPLETE
    assert not Referral.objects.exists()


def test_it_refuses_an_attachment_of_another_mail(gp_mail, coordinator):
    """An attachment id of another mail (tampered form) is refused."""
    other = inbound_mail_store(raw=eml("forwarded_rfc822.eml"), entry_point=gp_mail.entry_point).mail
    with pytest.raises(MailInError):
        convert(gp_mail, coordinator, attachment_ids=[other.attachments.get().pk])
    assert not Referral.objects.exists()


def test_it_rolls_everything_back_when_the_referral_is_refused(gp_mail, coordinator):
    """A future symptom date makes referral_submit refuse: no patient, no referral, no document, mail still to
    complete."""
    with pytest.raises(ReferralError):
        convert(gp_mail, coordinator, first_symptoms_date=date(2099, 1, 1))

    gp_mail.refresh_from_db()
    assert gp_mail.status == MailStatus.TO_COMPLETE and gp_mail.referral_id is None
    assert not (Referral.objects.exists() or Patient.objects.exists() or ReferralDocument.objects.exists())


def test_it_refuses_a_mail_already_converted(gp_mail, coordinator, strasbourg):
    """Converting twice (two coordinators at once, or a replayed form) creates one referral."""
    convert(gp_mail, coordinator)
    with pytest.raises(MailInError) as error:
        convert(gp_mail, coordinator)
    assert error.value.code == MailInErrorCode.ALREADY_HANDLED
    assert Referral.objects.count() == 1


def test_it_refuses_to_convert_a_dismissed_mail(gp_mail, coordinator):
    """A dismissed mail cannot become a referral."""
    inbound_mail_dismiss(actor=Actor(user=coordinator), mail=gp_mail, reason="Doublon")
    with pytest.raises(MailInError):
        convert(gp_mail, coordinator)
    assert not Referral.objects.exists()


def test_it_links_the_referral_page_back_to_its_mail(client, gp_mail, coordinator, strasbourg):
    """The coordination opens the mail a referral was made from, from the referral page."""
    from django.urls import reverse

    referral = convert(gp_mail, coordinator).referral
    client.force_login(coordinator)
    page = client.get(reverse("coordination:referral", args=[referral.reference])).content.decode()
    assert reverse("mailin:detail", args=[gp_mail.pk]) in page and "Courriel reçu" in page
