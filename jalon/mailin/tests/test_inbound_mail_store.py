"""Storing a mail: kept whole, its attachments checked, its sender matched, the same mail stored once."""

from __future__ import annotations

import pytest

from jalon.accounts.models import AuditAction, AuditRecord
from jalon.mailin.models import InboundAttachment, InboundMail, MailStatus, ParseStatus
from jalon.mailin.selectors import professional_for_address
from jalon.mailin.services import inbound_mail_store
from jalon.mailin.tests.conftest import eml
from jalon.testing.factories import ProfessionalFactory


def test_it_stores_the_mail_with_its_raw_bytes_and_attachments(entry_point):
    """The raw bytes are kept under a random name; the PDF becomes an attachment that can be a document."""
    raw = eml("thunderbird_scan_report.eml")
    result = inbound_mail_store(raw=raw, entry_point=entry_point)

    mail = result.mail
    assert result.created
    assert (mail.status, mail.parse_status, mail.entry_point_id) == (
        MailStatus.TO_COMPLETE,
        ParseStatus.PARSED,
        entry_point.pk,
    )
    assert mail.subject == "Suspicion cancer pulmonaire – Mme Lefèvre Jeanne"
    assert mail.raw_size == len(raw)
    with mail.raw.open("rb") as handle:
        assert handle.read() == raw
    assert "Lef" not in mail.raw.name and mail.raw.name.endswith(".eml")
    [report] = mail.attachments.all()
    assert (report.original_name, report.detected_content_type, report.can_be_document) == (
        "CR scanner thoracique.pdf",
        "application/pdf",
        True,
    )
    assert report.refusal_reason == ""
    assert "scanner" not in report.file.name and report.file.name.endswith(".pdf")
    with report.file.open("rb") as handle:
        assert handle.read().startswith(b"%PDF-")


def test_it_audits_the_stored_mail_without_a_patient(entry_point):
    """The worker's storing is in the audit trail, with no patient (none exists yet)."""
    mail = inbound_mail_store(raw=eml("thunderbird_scan_report.eml"), entry_point=entry_point).mail

    record = AuditRecord.objects.get(object_type="inbound_mail", object_id=str(mail.pk))
    assert (record.action, record.patient_id, record.actor_id, record.channel) == (
        AuditAction.CREATE,
        None,
        None,
        "system",
    )


def test_it_stores_the_same_mail_once(entry_point):
    """The same bytes read twice give the same row and no second set of attachments."""
    first = inbound_mail_store(raw=eml("apple_mail_inline_image.eml"), entry_point=entry_point)
    second = inbound_mail_store(raw=eml("apple_mail_inline_image.eml"), entry_point=entry_point)

    assert first.created and not second.created
    assert second.mail.pk == first.mail.pk
    assert (InboundMail.objects.count(), InboundAttachment.objects.count()) == (1, 2)


def test_it_says_why_an_attachment_cannot_be_a_document(entry_point):
    """A Word letter is kept and downloadable but cannot join a referral: the French reason says so."""
    mail = inbound_mail_store(raw=eml("outlook_alternative_cp1252.eml"), entry_point=entry_point).mail

    [letter] = mail.attachments.all()
    assert letter.original_name == "Courrier Dr Léger.docx"
    assert not letter.can_be_document
    assert "seuls les documents PDF, PNG et JPEG" in letter.refusal_reason
    assert letter.declared_content_type.endswith("wordprocessingml.document")


def test_it_refuses_as_document_an_attachment_over_the_size_limit(entry_point, settings):
    """A PDF heavier than DOCUMENT_MAX_BYTES stays a plain attachment, with the limit in the reason."""
    settings.DOCUMENT_MAX_BYTES = 1000
    mail = inbound_mail_store(raw=eml("thunderbird_scan_report.eml"), entry_point=entry_point).mail

    [report] = mail.attachments.all()
    assert not report.can_be_document
    assert "dépasse la taille maximale" in report.refusal_reason


def test_it_accepts_an_inline_jpeg_as_a_document(entry_point):
    """Apple Mail's inline photo is a JPEG: it may join the referral like the PDF."""
    mail = inbound_mail_store(raw=eml("apple_mail_inline_image.eml"), entry_point=entry_point).mail

    photo, report = mail.attachments.all()
    assert (photo.inline, photo.detected_content_type, photo.can_be_document) == (True, "image/jpeg", True)
    assert report.original_name == "Compte rendu échographie hépatique M. Klein.pdf"


@pytest.mark.parametrize("name", ["truncated_boundary.eml", "binary_garbage.eml", "empty.eml"])
def test_it_keeps_an_unreadable_mail_with_its_bytes_and_reason(name, entry_point):
    """A mail that cannot be parsed is stored as unreadable, to complete, raw bytes kept: never dropped."""
    raw = eml(name)
    mail = inbound_mail_store(raw=raw, entry_point=entry_point).mail

    assert (mail.parse_status, mail.status) == (ParseStatus.UNREADABLE, MailStatus.TO_COMPLETE)
    assert mail.parse_error
    assert not mail.attachments.exists()
    with mail.raw.open("rb") as handle:
        assert handle.read() == raw


def test_it_keeps_what_can_be_read_of_an_unreadable_mail(entry_point, gp):
    """The truncated mail still shows its subject, and its sender is matched."""
    gp.professional.mssante_address = "claire.martin@exemple.mssante.fr"
    gp.professional.save(update_fields=["mssante_address"])
    mail = inbound_mail_store(raw=eml("truncated_boundary.eml"), entry_point=entry_point).mail

    assert mail.subject == "Complément – IRM cérébrale"
    assert mail.sender_id == gp.professional_id
    assert "tronqué" in mail.parse_error


def test_it_matches_the_sender_by_mssante_address_whatever_the_case(entry_point, gp):
    """Claire.Martin@… in the mail matches claire.martin@… on the professional's MSSanté address."""
    gp.professional.mssante_address = "claire.martin@exemple.mssante.fr"
    gp.professional.save(update_fields=["mssante_address"])

    mail = inbound_mail_store(raw=eml("thunderbird_scan_report.eml"), entry_point=entry_point).mail
    assert mail.sender_id == gp.professional_id


def test_it_matches_the_sender_by_plain_email(db):
    """The ordinary e-mail address of the directory matches too."""
    professional = ProfessionalFactory(email="F.Leger@Cabinet-du-Ried.exemple.fr")
    assert professional_for_address("f.leger@cabinet-du-ried.exemple.fr") == professional


def test_it_matches_nobody_for_an_unknown_address(entry_point, gp):
    """An address no professional has leaves the mail without sender: the coordinator chooses."""
    mail = inbound_mail_store(raw=eml("iso8859_q_headers.eml"), entry_point=entry_point).mail
    assert mail.sender is None
    assert mail.sender_address == "jerome.haeffele@cabinet-haeffele.exemple.fr"


def test_it_matches_nobody_when_the_address_is_shared(db):
    """Two professionals with the same address (a shared practice mailbox): no guess."""
    ProfessionalFactory(email="cabinet@exemple.fr")
    ProfessionalFactory(mssante_address="CABINET@exemple.fr")
    assert professional_for_address("cabinet@exemple.fr") is None


def test_it_matches_the_one_professional_who_has_the_address_twice(db):
    """The same professional with the address as e-mail and MSSanté address is one match."""
    professional = ProfessionalFactory(email="dr.x@exemple.mssante.fr", mssante_address="dr.x@exemple.mssante.fr")
    assert professional_for_address("dr.x@exemple.mssante.fr") == professional


def test_it_matches_nobody_for_an_empty_address(db):
    """No address (an unreadable mail): no match, no query on blank fields."""
    ProfessionalFactory(email="")
    assert professional_for_address("") is None


def test_it_keeps_raw_a_parsed_mail_the_database_refuses(entry_point, monkeypatch):
    """If a parsed mail cannot be written as such, it is kept raw as unreadable rather than lost."""
    from django.db import DataError

    from jalon.mailin import services

    def refused(mail, attachment):
        raise DataError("value too long")

    monkeypatch.setattr(services, "_store_attachment", refused)
    raw = eml("thunderbird_scan_report.eml")
    mail = inbound_mail_store(raw=raw, entry_point=entry_point).mail

    assert mail.parse_status == ParseStatus.UNREADABLE
    assert "gardé brut" in mail.parse_error
    assert mail.subject == "Suspicion cancer pulmonaire – Mme Lefèvre Jeanne"
    with mail.raw.open("rb") as handle:
        assert handle.read() == raw
    assert InboundMail.objects.count() == 1 and not InboundAttachment.objects.exists()
