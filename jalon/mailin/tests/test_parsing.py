"""The parser on the mails real clients send: headers, charsets, structures, attachments, and broken mails."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from jalon.mailin.parsing import ParseError, html_to_text, parse_mail, salvage_headers
from jalon.mailin.tests.conftest import eml

PARIS_WINTER = timezone(timedelta(hours=1))


def test_it_reads_a_thunderbird_mail_with_a_pdf_scan_report():
    """multipart/mixed: UTF-8 8-bit text, B-encoded subject over two lines, the PDF with its name."""
    mail = parse_mail(eml("thunderbird_scan_report.eml"))

    assert mail.sender_address == "Claire.Martin@exemple.mssante.fr"
    assert mail.sender_name == "Dr Claire Martin"
    assert mail.subject == "Suspicion cancer pulmonaire – Mme Lefèvre Jeanne"
    assert mail.sent_at == datetime(2026, 11, 16, 9, 42, 7, tzinfo=PARIS_WINTER)
    assert mail.message_id == "<6d1c7e2a-5b0e-4f1b-9c55-0f3e1c2b7a41@exemple.mssante.fr>"
    assert mail.body_text.startswith("Chère consœur, cher confrère,")
    assert "nodule spiculé de 24 mm" in mail.body_text
    [report] = mail.attachments
    assert (report.filename, report.content_type, report.inline) == (
        "CR scanner thoracique.pdf",
        "application/pdf",
        False,
    )
    assert report.data.startswith(b"%PDF-")


def test_it_prefers_the_plain_text_of_an_outlook_alternative_in_windows_1252():
    """Outlook: Q-encoded windows-1252 subject (’ and –), ISO-8859-1 sender name, QP body, a Word letter."""
    mail = parse_mail(eml("outlook_alternative_cp1252.eml"))

    assert mail.subject == "Demande d’avis urgent – ictère indolore"
    assert mail.sender_name == "François Léger"
    assert "L’échographie d’hier montre une dilatation des voies biliaires – suspicion" in mail.body_text
    assert "<p" not in mail.body_text and "MsoNormal" not in mail.body_text  # the HTML twin is not added
    assert mail.body_text.count("Je souhaiterais un avis rapide") == 1
    [letter] = mail.attachments
    assert letter.filename == "Courrier Dr Léger.docx"  # RFC 2047 inside the quoted parameter, as Outlook writes it
    assert letter.content_type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_it_converts_an_html_only_mail_to_text():
    """A webmail's HTML-only mail: text with paragraphs and list items, no script, style or tags; the inline logo
    kept."""
    mail = parse_mail(eml("mssante_webmail_html_only.eml"))

    assert "Merci de prendre en charge Mme Schmitt Odile (née le 21/01/1948) :" in mail.body_text
    assert "- masse palpable du sein gauche, 3 cm\n- mammographie ACR 5 le 02/11/2026" in mail.body_text
    assert "Dr Anne Weber & l'équipe de la MSP" in mail.body_text
    assert "alert(" not in mail.body_text and "font-family" not in mail.body_text and "<" not in mail.body_text
    logo, report = mail.attachments
    assert (logo.content_type, logo.inline, logo.content_id) == ("image/png", True, "logo-cabinet@mssante")
    assert logo.filename == "piece-jointe-1.png"  # the mail gives no name: one is made up
    assert report.filename == "CR_mammographie_02-11-2026.pdf"


def test_it_reads_an_apple_mail_with_an_inline_image_and_an_rfc2231_name():
    """Apple Mail: plain text preferred, the JPEG and the PDF found inside the HTML branch, continued RFC 2231 name."""
    mail = parse_mail(eml("apple_mail_inline_image.eml"))

    assert mail.sender_name == "Hélène Muller"
    assert mail.subject == "Lésion hépatique – M. Klein"
    assert "Photo de l’ictère conjonctival ci-dessous." in mail.body_text
    assert "Envoyé de mon iPad" in mail.body_text
    assert "<div>" not in mail.body_text
    photo, report = mail.attachments
    assert (photo.filename, photo.content_type, photo.inline) == ("IMG_0421.jpeg", "image/jpeg", True)
    assert photo.content_id == "5C0B2A9E-1F3D-4E8A-B7C6-0D9E8F7A6B5C"
    assert photo.data.startswith(b"\xff\xd8\xff")
    assert report.filename == "Compte rendu échographie hépatique M. Klein.pdf"


def test_it_decodes_iso_8859_1_q_encoded_subject_and_sender_name():
    """Outlook Express: ISO-8859-1 Q-encoded headers (an en dash that only windows-1252 knows) and body."""
    mail = parse_mail(eml("iso8859_q_headers.eml"))

    assert mail.sender_name == "Dr Jérôme Hæffelé"
    assert mail.subject == "Suspicion de lymphome – adénopathies cervicales"
    assert "fièvre à 38,5 °C" in mail.body_text
    assert mail.attachments == ()


def test_it_reads_a_forwarded_message_with_its_attachment():
    """A message/rfc822 forwarded by the secretariat: its headers and text follow, its PDF is the mail's."""
    mail = parse_mail(eml("forwarded_rfc822.eml"))

    assert mail.sender_name == "Secrétariat du cabinet du Wacken"
    assert mail.subject == "TR: Résultat biopsie colique – M. Hoffmann"
    outer, forwarded = mail.body_text.split("---------- Message transféré ----------")
    assert "je vous transfère le résultat de biopsie" in outer
    assert "De : Laboratoire d'anatomopathologie <labo.anapath@exemple.mssante.fr>" in forwarded
    assert "Objet : Résultat biopsie colique – M. Hoffmann" in forwarded
    assert "adénocarcinome lieberkühnien" in forwarded
    [report] = mail.attachments
    assert report.filename == "CR_anapath_Hoffmann.pdf"


def test_it_reads_a_plain_ascii_mail_without_subject():
    """No MIME headers, no Subject: the sender alone, the text as it is."""
    mail = parse_mail(eml("plain_ascii_no_subject.eml"))

    assert (mail.sender_address, mail.sender_name, mail.subject) == ("dr.nguyen@exemple.fr", "", "")
    assert mail.body_text.startswith("Bonjour,\n\nPatiente Mme Ferreira Ana")
    assert mail.sent_at.astimezone(UTC) == datetime(2026, 11, 24, 16, 30, 59, tzinfo=UTC)


def test_it_decodes_an_unknown_charset_and_raw_8bit_headers_without_crashing():
    """A gateway's unknown charset and unencoded Latin-1 headers: read as windows-1252, nothing lost."""
    mail = parse_mail(eml("unknown_charset_8bit_headers.eml"))

    assert mail.sender_name == "Dr Rémy Bauer"
    assert mail.subject == "Dysphagie – M. Muller André"
    assert "M. Muller André, né le 11/11/1949 : dysphagie" in mail.body_text


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("truncated_boundary.eml", "le courriel est tronqué"),
        ("binary_garbage.eml", "Aucun en-tête de courriel"),
        ("empty.eml", "Le fichier est vide."),
    ],
)
def test_it_refuses_a_malformed_mail_with_a_clear_reason(name, reason):
    """A truncated mail, binary garbage and an empty file raise ParseError with a French reason."""
    with pytest.raises(ParseError) as error:
        parse_mail(eml(name))
    assert reason in error.value.message


def test_it_salvages_the_headers_of_a_truncated_mail():
    """The sender and subject of an unreadable mail are still read, to list it."""
    headers = salvage_headers(eml("truncated_boundary.eml"))

    assert headers.sender_address == "claire.martin@exemple.mssante.fr"
    assert headers.subject == "Complément – IRM cérébrale"


def test_it_salvages_nothing_from_garbage_without_raising():
    """Binary garbage gives empty headers, not an exception."""
    headers = salvage_headers(eml("binary_garbage.eml"))
    assert (headers.sender_address, headers.subject, headers.sent_at) == ("", "", None)


def test_it_refuses_a_multipart_whose_boundary_never_appears():
    """A declared boundary that is not in the body is a broken structure."""
    raw = b"From: a@exemple.fr\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=ZZ\r\n\r\nhello\r\n"
    with pytest.raises(ParseError) as error:
        parse_mail(raw)
    assert "limite" in error.value.message


def test_it_refuses_a_base64_attachment_that_cannot_be_decoded():
    """Base64 whose length cannot be right is undecodable: no half file is offered."""
    raw = (
        b"From: a@exemple.fr\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
        b"--B\r\nContent-Type: text/plain\r\n\r\nvoir PJ\r\n"
        b"--B\r\nContent-Type: application/pdf; name=cr.pdf\r\nContent-Transfer-Encoding: "
        b"base64\r\n\r\nJVBERi0xL\r\n--B--\r\n"
    )
    with pytest.raises(ParseError) as error:
        parse_mail(raw)
    assert "base64" in error.value.message


def test_it_keeps_the_file_name_without_its_directories():
    """A name with a Windows path keeps its last part only (no path reaches storage or the page)."""
    raw = (
        b"From: a@exemple.fr\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
        b"--B\r\nContent-Type: text/plain\r\n\r\nvoir PJ\r\n"
        b"--B\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; "
        b'filename="C:\\\\Scans\\\\..\\\\cr.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--B--\r\n"
    )
    [attachment] = parse_mail(raw).attachments
    assert attachment.filename == "cr.pdf"


def test_it_refuses_a_mail_nested_beyond_reason():
    """Forty nested multiparts (a mail bomb) are refused rather than walked."""
    depth = 40
    head = b"From: a@exemple.fr\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
    body = b"Content-Type: text/plain\r\n\r\nfond\r\n"
    for level in reversed(range(depth)):
        boundary = f"b{level}".encode()
        body = (
            b"Content-Type: multipart/mixed; boundary="
            + boundary
            + b"\r\n\r\n--"
            + boundary
            + b"\r\n"
            + body
            + b"--"
            + boundary
            + b"--\r\n"
        )
    with pytest.raises(ParseError):
        parse_mail(head + body)


def test_it_removes_nul_characters_that_the_database_refuses():
    """A NUL in the text is dropped (PostgreSQL text cannot hold it)."""
    mail = parse_mail(b"From: a@exemple.fr\r\nSubject: a\x00b\r\n\r\nligne\x00 un\r\n")
    assert (mail.subject, mail.body_text) == ("ab", "ligne un")


def test_it_turns_html_into_readable_text():
    """Blocks become lines, entities are decoded, scripts vanish, broken HTML does not raise."""
    assert (
        html_to_text("<div>Bonsoir,</div><div><br></div><div>Je vous <b>adresse</b></div><script>x()</script>")
        == "Bonsoir,\n\nJe vous adresse"
    )
    assert html_to_text("<p>a &amp; b &lt;c&gt;</p><p>d<br>e</p>") == "a & b <c>\n\nd\ne"
    assert html_to_text("<p>non fermé <b>gras <<<>>> &inconnu;") == "non fermé gras <<<>>> &inconnu;"


def test_it_cleans_raw_8bit_bytes_in_an_attachments_headers():
    """Unencoded Latin-1 in an attachment's type and name gives storable text, never escaped bytes."""
    raw = (
        b"From: a@exemple.fr\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
        b"--B\r\nContent-Type: text/plain\r\n\r\nvoir PJ\r\n"
        b"--B\r\nContent-Type: application/x-r\xe9sultat\r\nContent-Disposition: attachment; "
        b'filename="r\xe9sultat.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--B--\r\n"
    )
    [attachment] = parse_mail(raw).attachments
    assert attachment.filename == "résultat.pdf"
    assert not any("\udc80" <= ch <= "\udcff" for ch in attachment.content_type)
    attachment.content_type.encode("utf-8")  # storable
