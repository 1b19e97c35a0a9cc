"""The coordinator's mail pages: list, detail, completing, dismissing, downloads; outsiders get 404."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import pdf_upload
from jalon.accounts.models import AuditAction, AuditRecord
from jalon.core.actor import Actor
from jalon.mailin.models import InboundMail, MailStatus
from jalon.mailin.services import inbound_mail_dismiss, inbound_mail_store
from jalon.mailin.tests.conftest import eml
from jalon.patients.models import Patient
from jalon.referrals.models import Channel, Referral
from jalon.testing.factories import make_ins


def convert_data(mail, **overrides):
    data = {
        "entry_point": mail.entry_point_id,
        "referrer": mail.sender_id or "",
        "birth_name": "Lefèvre",
        "first_names": "Jeanne",
        "sex": "F",
        "birth_date": "1956-03-12",
        "ins": make_ins(sex="F", birth_date=date(1956, 3, 12), seed=11),
        "identity_status": "prov",
        "commune": "67482",
        "phone": "06 12 34 56 78",
        "suspected_site": "lung",
        "clinical_reason": mail.body_text,
        "first_symptoms_date": "2026-09-01",
        "declared_urgency": "urgent",
        "question": "diagnosis",
        "patient_informed": "yes",
        "attachments": [attachment.pk for attachment in mail.attachments.filter(can_be_document=True)],
        "exams-TOTAL_FORMS": "3",
        "exams-INITIAL_FORMS": "0",
        "exams-MIN_NUM_FORMS": "0",
        "exams-MAX_NUM_FORMS": "10",
    }
    data.update(overrides)
    return data


# --- The list ----------------------------------------------------------------------------------


def test_it_lists_the_mails_to_complete_with_sender_subject_and_attachments(
    client, coordinator, gp_mail, unreadable_mail, hospital_mail, gp
):
    """The CPTS mails show with the matched sender, the subject and the count; the unreadable one is flagged first."""
    client.force_login(coordinator)
    response = client.get(reverse("mailin:list"))

    page = response.content.decode()
    assert response.status_code == 200
    assert gp.professional.display_name in page
    assert "Suspicion cancer pulmonaire – Mme Lefèvre Jeanne" in page
    assert "illisible" in page
    assert page.index("Complément – IRM cérébrale") < page.index("Suspicion cancer pulmonaire")
    assert "Demande d’avis urgent" not in page  # the hospital's mail
    rows = list(response.context["page"])
    assert [mail.attachment_count for mail in rows] == [0, 1]


def test_it_audits_each_listed_mail_without_patient(client, coordinator, gp_mail, unreadable_mail):
    """Reading the list writes one read record per mail shown, with no patient."""
    client.force_login(coordinator)
    client.get(reverse("mailin:list"))

    records = AuditRecord.objects.filter(actor=coordinator, object_type="inbound_mail", action=AuditAction.READ)
    assert sorted(records.values_list("object_id", flat=True)) == sorted([str(gp_mail.pk), str(unreadable_mail.pk)])
    assert set(records.values_list("patient_id", flat=True)) == {None}


def test_it_lists_with_a_fixed_number_of_queries(client, coordinator, entry_point):
    """One mail or four: the list page makes the same number of queries."""

    def list_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("mailin:list")).status_code == 200
        return len(queries)

    client.force_login(coordinator)
    inbound_mail_store(raw=eml("thunderbird_scan_report.eml"), entry_point=entry_point)
    with_one = list_queries()
    for name in ("apple_mail_inline_image.eml", "forwarded_rfc822.eml", "truncated_boundary.eml"):
        inbound_mail_store(raw=eml(name), entry_point=entry_point)

    assert list_queries() == with_one


def test_it_shows_dismissed_mails_on_request(client, coordinator, gp_mail, unreadable_mail):
    """Dismissed mails leave the default list and are shown by the filter."""
    inbound_mail_dismiss(actor=Actor(user=coordinator), mail=gp_mail, reason="Doublon")
    client.force_login(coordinator)

    assert "Suspicion cancer pulmonaire" not in client.get(reverse("mailin:list")).content.decode()
    assert "Suspicion cancer pulmonaire" in client.get(reverse("mailin:list"), {"status": "dismissed"}).content.decode()
    assert client.get(reverse("mailin:list"), {"status": "n'importe quoi"}).status_code == 200


def test_it_lists_nothing_of_another_organisation(client, coordinator_elsewhere, gp_mail):
    """The hospital's coordinator sees none of the CPTS mails."""
    client.force_login(coordinator_elsewhere)
    response = client.get(reverse("mailin:list"))
    assert response.status_code == 200
    assert "Suspicion cancer pulmonaire" not in response.content.decode()


@pytest.mark.parametrize("persona", ["gp", "specialist", "manager", "admin_user"])
def test_it_answers_404_to_non_coordinators(persona, request, client, gp_mail):
    """A GP, a specialist, a manager or an admin get a 404 on every mail page."""
    client.force_login(request.getfixturevalue(persona))
    for url in (
        reverse("mailin:list"),
        reverse("mailin:detail", args=[gp_mail.pk]),
        reverse("mailin:raw", args=[gp_mail.pk]),
        reverse("mailin:attachment", args=[gp_mail.pk, gp_mail.attachments.get().pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("mailin:convert", args=[gp_mail.pk]), convert_data(gp_mail)).status_code == 404
    assert client.post(reverse("mailin:dismiss", args=[gp_mail.pk]), {"dismiss-reason": "x"}).status_code == 404
    gp_mail.refresh_from_db()
    assert gp_mail.status == MailStatus.TO_COMPLETE


def test_it_sends_anonymous_visitors_to_the_login(client, gp_mail):
    """Not logged in: the login page, nothing shown."""
    response = client.get(reverse("mailin:detail", args=[gp_mail.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


# --- One mail ----------------------------------------------------------------------------------


def test_it_shows_the_mail_with_its_attachments_and_audits_it(client, coordinator, gp_mail):
    """Headers, text and the attachment's link; the read is audited."""
    client.force_login(coordinator)
    response = client.get(reverse("mailin:detail", args=[gp_mail.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Claire.Martin@exemple.mssante.fr" in page
    assert "nodule spiculé de 24 mm" in page
    attachment = gp_mail.attachments.get()
    assert reverse("mailin:attachment", args=[gp_mail.pk, attachment.pk]) in page
    assert "CR scanner thoracique.pdf" in page
    assert AuditRecord.objects.filter(
        actor=coordinator, object_type="inbound_mail", object_id=str(gp_mail.pk), action=AuditAction.READ
    ).exists()


def test_it_prefills_the_form_with_the_sender_the_text_and_the_documents(client, coordinator, gp_mail, gp):
    """The matched GP is the referrer, the mail's text the clinical reason, the PDF ticked."""
    client.force_login(coordinator)
    form = client.get(reverse("mailin:detail", args=[gp_mail.pk])).context["form"]

    assert form.initial["referrer"] == gp.professional_id
    assert "nodule spiculé" in form.initial["clinical_reason"]
    assert form.initial["attachments"] == [gp_mail.attachments.get().pk]
    assert "caller_name" not in form.fields
    assert list(form.fields["entry_point"].queryset) == [gp_mail.entry_point]


def test_it_answers_404_to_a_coordinator_of_another_organisation(client, coordinator_elsewhere, gp_mail):
    """The hospital's coordinator cannot open, download, complete or dismiss the CPTS mail."""
    client.force_login(coordinator_elsewhere)
    assert client.get(reverse("mailin:detail", args=[gp_mail.pk])).status_code == 404
    assert client.get(reverse("mailin:raw", args=[gp_mail.pk])).status_code == 404
    assert client.get(reverse("mailin:attachment", args=[gp_mail.pk, gp_mail.attachments.get().pk])).status_code == 404
    assert client.post(reverse("mailin:convert", args=[gp_mail.pk]), convert_data(gp_mail)).status_code == 404
    assert client.post(reverse("mailin:dismiss", args=[gp_mail.pk]), {"dismiss-reason": "Spam"}).status_code == 404
    gp_mail.refresh_from_db()
    assert gp_mail.status == MailStatus.TO_COMPLETE
    assert not Referral.objects.exists()


def test_it_answers_404_to_an_unknown_mail(client, coordinator):
    """A mail id that does not exist is a plain 404."""
    client.force_login(coordinator)
    assert client.get(reverse("mailin:detail", args=[999999])).status_code == 404


def test_it_shows_an_unreadable_mail_with_its_error_and_raw_text_escaped(client, coordinator, entry_point):
    """The parse error, the raw text (HTML escaped) and a download of the .eml."""
    raw = eml("truncated_boundary.eml").replace(
        b"Voici le compte rendu", b"<script>alert(1)</script> Voici le compte rendu"
    )
    mail = inbound_mail_store(raw=raw, entry_point=entry_point).mail
    client.force_login(coordinator)
    response = client.get(reverse("mailin:detail", args=[mail.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "le courriel est tronqué" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Voici le compte rendu" in page
    assert "<script>alert(1)" not in page
    assert reverse("mailin:raw", args=[mail.pk]) in page


def test_it_shows_binary_garbage_without_breaking_the_page(client, coordinator, entry_point):
    """Garbage bytes are shown with replacement characters, never as raw control bytes."""
    mail = inbound_mail_store(raw=eml("binary_garbage.eml"), entry_point=entry_point).mail
    client.force_login(coordinator)
    response = client.get(reverse("mailin:detail", args=[mail.pk]))

    assert response.status_code == 200
    assert "\x00" not in response.content.decode()
    assert "Aucun en-tête de courriel" in response.content.decode()


def test_it_escapes_html_in_a_mails_subject_and_text(client, coordinator, entry_point):
    """A subject or text holding HTML is shown as text."""
    raw = b"From: x@exemple.fr\r\nSubject: <img src=x onerror=alert(1)>\r\n\r\n<b>gras</b>\r\n"
    mail = inbound_mail_store(raw=raw, entry_point=entry_point).mail
    client.force_login(coordinator)
    page = client.get(reverse("mailin:detail", args=[mail.pk])).content.decode()
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;b&gt;gras&lt;/b&gt;" in page


# --- Completing ----------------------------------------------------------------------------------


def test_it_completes_the_mail_into_a_referral(client, coordinator, gp_mail, gp, strasbourg):
    """The form creates the referral (channel mail, with the PDF) and goes to its page; the mail is converted."""
    client.force_login(coordinator)
    response = client.post(reverse("mailin:convert", args=[gp_mail.pk]), convert_data(gp_mail))

    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("coordination:referral", args=[referral.reference])
    assert (referral.channel, referral.referrer_id) == (Channel.MAIL, gp.professional_id)
    assert list(referral.documents.values_list("original_name", flat=True)) == ["CR scanner thoracique.pdf"]
    gp_mail.refresh_from_db()
    assert (gp_mail.status, gp_mail.referral_id) == (MailStatus.CONVERTED, referral.pk)
    page = client.get(response.url).content.decode()
    assert f"Demande {referral.reference} créée à partir du courriel." in page


def test_it_completes_with_an_exam_and_an_uploaded_document(client, coordinator, gp_mail, strasbourg):
    """Exams and extra files of the form are stored with the mail's documents."""
    client.force_login(coordinator)
    data = convert_data(
        gp_mail,
        **{
            "exams-0-kind": "ct",
            "exams-0-done_on": "2026-10-28",
            "exams-0-files": pdf_upload("cr-scanner-complet.pdf"),
        },
    )
    client.post(reverse("mailin:convert", args=[gp_mail.pk]), {**data, "documents": pdf_upload("courrier.pdf")})

    referral = Referral.objects.get()
    assert referral.exams.get().kind == "ct"
    assert referral.documents.count() == 3


def test_it_refuses_a_missing_birth_date_and_saves_nothing(client, coordinator, gp_mail):
    """No birth date: the form again with the French message, what was typed kept, nothing saved, mail to complete."""
    client.force_login(coordinator)
    response = client.post(reverse("mailin:convert", args=[gp_mail.pk]), convert_data(gp_mail, birth_date=""))

    page = response.content.decode()
    assert response.status_code == 400
    assert "Ce champ est obligatoire." in page
    assert "le courriel reste à compléter" in page
    assert 'value="Lefèvre"' in page
    assert not Referral.objects.exists() and not Patient.objects.exists()
    gp_mail.refresh_from_db()
    assert gp_mail.status == MailStatus.TO_COMPLETE


def test_it_refuses_a_wrong_ins_key(client, coordinator, gp_mail):
    """A wrong INS key is refused in French, as on the other intake forms."""
    client.force_login(coordinator)
    ins = convert_data(gp_mail)["ins"]
    wrong = ins[:13] + f"{(int(ins[13:]) + 1) % 97:02d}"
    response = client.post(reverse("mailin:convert", args=[gp_mail.pk]), convert_data(gp_mail, ins=wrong))
    assert response.status_code == 400
    assert "La clé du numéro INS est incorrecte" in response.content.decode()
    assert not Referral.objects.exists()


def test_it_refuses_a_referrer_left_empty(client, coordinator, entry_point):
    """An unknown sender gives no referrer: the coordinator must choose one."""
    mail = inbound_mail_store(raw=eml("iso8859_q_headers.eml"), entry_point=entry_point).mail
    client.force_login(coordinator)
    response = client.post(reverse("mailin:convert", args=[mail.pk]), convert_data(mail, suspected_site="lymphoma"))
    assert response.status_code == 400
    assert response.context["form"].errors["referrer"] == ["Ce champ est obligatoire."]
    assert not Referral.objects.exists()


def test_it_refuses_an_attachment_that_is_not_offered(client, coordinator, gp_mail, entry_point):
    """A tampered attachment id (another mail's) is refused by the form, nothing saved."""
    other = inbound_mail_store(raw=eml("forwarded_rfc822.eml"), entry_point=entry_point).mail
    client.force_login(coordinator)
    response = client.post(
        reverse("mailin:convert", args=[gp_mail.pk]), convert_data(gp_mail, attachments=[other.attachments.get().pk])
    )
    assert response.status_code == 400
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not Referral.objects.exists()


@pytest.mark.parametrize("attachment_id", ["9" * 25, "-1", "00000000000000000000000000000000000007"])
def test_it_refuses_an_attachment_id_no_row_can_have(client, coordinator, gp_mail, attachment_id):
    """An id beyond any row (SQLite cannot even bind it) or negative: refused like an unknown one, in French."""
    client.force_login(coordinator)
    response = client.post(
        reverse("mailin:convert", args=[gp_mail.pk]), convert_data(gp_mail, attachments=[attachment_id])
    )
    assert response.status_code == 400
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not Referral.objects.exists()


def test_it_refuses_a_future_symptom_date(client, coordinator, gp_mail):
    """Dates in the future are refused in French."""
    client.force_login(coordinator)
    response = client.post(
        reverse("mailin:convert", args=[gp_mail.pk]), convert_data(gp_mail, first_symptoms_date="2099-01-01")
    )
    assert response.status_code == 400
    assert "ne peut pas être dans le futur" in response.content.decode()


@pytest.mark.parametrize("field", ["birth_date", "sex", "suspected_site", "entry_point", "referrer", "attachments"])
def test_it_never_answers_500_to_garbage(field, client, coordinator, gp_mail):
    """Nonsense in any field is a French form error, not a server error."""
    client.force_login(coordinator)
    response = client.post(
        reverse("mailin:convert", args=[gp_mail.pk]), convert_data(gp_mail, **{field: "'; DROP TABLE --"})
    )
    assert response.status_code == 400
    assert not Referral.objects.exists()


def test_it_does_not_complete_a_mail_twice(client, coordinator, gp_mail, strasbourg):
    """A replayed form on a converted mail says it was handled, and creates nothing more."""
    client.force_login(coordinator)
    client.post(reverse("mailin:convert", args=[gp_mail.pk]), convert_data(gp_mail))
    response = client.post(reverse("mailin:convert", args=[gp_mail.pk]), convert_data(gp_mail), follow=True)

    assert "Ce courriel a déjà été traité (Transformé en demande)." in response.content.decode()
    assert Referral.objects.count() == 1


def test_it_shows_a_converted_mail_with_its_referral(client, coordinator, gp_mail, strasbourg):
    """Once converted, the mail's page links its referral and offers no action."""
    client.force_login(coordinator)
    client.post(reverse("mailin:convert", args=[gp_mail.pk]), convert_data(gp_mail))
    referral = Referral.objects.get()
    page = client.get(reverse("mailin:detail", args=[gp_mail.pk])).content.decode()

    assert reverse("coordination:referral", args=[referral.reference]) in page
    assert "Enregistrer la demande" not in page
    assert AuditRecord.objects.filter(
        object_type="inbound_mail", action=AuditAction.READ, patient_id=referral.patient_id
    ).exists()


def test_it_refuses_get_on_actions(client, coordinator, gp_mail):
    """The actions only accept POST."""
    client.force_login(coordinator)
    assert client.get(reverse("mailin:convert", args=[gp_mail.pk])).status_code == 405
    assert client.get(reverse("mailin:dismiss", args=[gp_mail.pk])).status_code == 405


# --- Dismissing ----------------------------------------------------------------------------------


def test_it_dismisses_the_mail_with_a_reason(client, coordinator, gp_mail):
    """Écarter with a reason: back to the list, the mail dismissed and kept."""
    client.force_login(coordinator)
    response = client.post(reverse("mailin:dismiss", args=[gp_mail.pk]), {"dismiss-reason": "Publicité"}, follow=True)

    assert "Courriel écarté." in response.content.decode()
    mail = InboundMail.objects.get(pk=gp_mail.pk)
    assert (mail.status, mail.dismissal_reason) == (MailStatus.DISMISSED, "Publicité")


def test_it_refuses_to_dismiss_without_a_reason(client, coordinator, gp_mail):
    """No reason: the French error, the mail still to complete."""
    client.force_login(coordinator)
    response = client.post(reverse("mailin:dismiss", args=[gp_mail.pk]), {"dismiss-reason": "  "})

    assert response.status_code == 400
    assert "Ce champ est obligatoire." in response.content.decode()
    gp_mail.refresh_from_db()
    assert gp_mail.status == MailStatus.TO_COMPLETE


# --- Downloads -----------------------------------------------------------------------------------


def test_it_serves_a_pdf_attachment_inline_and_audits_it(client, coordinator, gp_mail):
    """A PDF opens in the browser with its type and name; the download is audited."""
    attachment = gp_mail.attachments.get()
    client.force_login(coordinator)
    response = client.get(reverse("mailin:attachment", args=[gp_mail.pk, attachment.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert AuditRecord.objects.filter(
        object_type="inbound_mail.attachment", object_id=str(attachment.pk), action=AuditAction.DOWNLOAD
    ).exists()


def test_it_only_downloads_an_attachment_that_is_not_a_document(client, coordinator, entry_point):
    """A Word file (or HTML) is sent as an octet-stream attachment, never rendered by the browser."""
    mail = inbound_mail_store(raw=eml("outlook_alternative_cp1252.eml"), entry_point=entry_point).mail
    client.force_login(coordinator)
    response = client.get(reverse("mailin:attachment", args=[mail.pk, mail.attachments.get().pk]))

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")


def test_it_answers_404_for_an_attachment_of_another_mail(client, coordinator, gp_mail, entry_point):
    """An attachment id is only served with its own mail."""
    other = inbound_mail_store(raw=eml("forwarded_rfc822.eml"), entry_point=entry_point).mail
    client.force_login(coordinator)
    assert client.get(reverse("mailin:attachment", args=[gp_mail.pk, other.attachments.get().pk])).status_code == 404


def test_it_downloads_the_raw_mail(client, coordinator, unreadable_mail):
    """The .eml as it arrived, as an attachment, audited."""
    client.force_login(coordinator)
    response = client.get(reverse("mailin:raw", args=[unreadable_mail.pk]))

    assert response["Content-Type"] == "message/rfc822"
    assert response["Content-Disposition"] == f'attachment; filename="courriel-{unreadable_mail.pk}.eml"'
    assert b"".join(response.streaming_content) == eml("truncated_boundary.eml")
    assert AuditRecord.objects.filter(object_type="inbound_mail.raw", action=AuditAction.DOWNLOAD).exists()
