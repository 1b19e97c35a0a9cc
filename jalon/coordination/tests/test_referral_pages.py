"""The intake and worklist pages: main path, bad input, outsider."""

from datetime import date

import pytest
from django.urls import reverse

from conftest import pdf_upload
from jalon.accounts.models import AuditRecord
from jalon.patients.models import Patient
from jalon.referrals.models import Referral, Status
from jalon.testing.factories import make_ins


def form_data(entry_point, **overrides):
    ins = make_ins(sex="F", birth_date=date(1956, 3, 12), seed=7)
    data = {
        "entry_point": entry_point.pk,
        "ins": ins,
        "birth_name": "Lefèvre",
        "first_names": "Jeanne",
        "sex": "F",
        "birth_date": "1956-03-12",
        "commune": "67482",
        "phone": "06 12 34 56 78",
        "suspected_site": "lung",
        "clinical_reason": "Toux persistante",
        "first_symptoms_date": "2026-09-01",
        "declared_urgency": "urgent",
        "question": "diagnosis",
        "patient_informed": "yes",
        "exams-TOTAL_FORMS": "3",
        "exams-INITIAL_FORMS": "0",
        "exams-MIN_NUM_FORMS": "0",
        "exams-MAX_NUM_FORMS": "10",
        "exams-0-kind": "ct",
        "exams-0-done_on": "2026-10-01",
        "exams-0-place": "Imagerie Nord",
        "exams-0-summary": "Nodule",
    }
    data.update(overrides)
    return data


def test_it_submits_a_referral_and_shows_the_acknowledgment(client, gp, entry_point, strasbourg):
    """A GP's web submission lands on the acknowledgment with the reference and the deadline."""
    client.force_login(gp)
    response = client.post(reverse("referrals:new"), {**form_data(entry_point), "exams-0-files": pdf_upload()})
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("referrals:acknowledgment", args=[referral.reference])
    page = client.get(response.url)
    assert referral.reference in page.content.decode()
    assert "Réponse au plus tard le" in page.content.decode()
    assert referral.is_complete
    assert referral.documents.count() == 1


def test_it_refuses_a_wrong_ins_key_and_saves_nothing(client, gp, entry_point, strasbourg):
    """A wrong INS key gives a French error and creates neither patient nor referral."""
    client.force_login(gp)
    ins = form_data(entry_point)["ins"]
    wrong = ins[:13] + f"{(int(ins[13:]) + 1) % 97:02d}"
    response = client.post(reverse("referrals:new"), form_data(entry_point, ins=wrong))
    assert response.status_code == 200
    assert "La clé du numéro INS est incorrecte" in response.content.decode()
    assert not Referral.objects.exists() and not Patient.objects.exists()
    assert "Lefèvre" in response.content.decode()  # what was typed is kept


def test_it_refuses_a_document_that_is_not_a_pdf_or_image(client, gp, entry_point, strasbourg):
    """A text file disguised as PDF is rejected with a French message."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(gp)
    fake = SimpleUploadedFile("cr.pdf", b"not a pdf at all", content_type="application/pdf")
    response = client.post(reverse("referrals:new"), {**form_data(entry_point), "documents": fake})
    assert "seuls les documents PDF, PNG et JPEG" in response.content.decode()
    assert not Referral.objects.exists()


def test_it_shows_the_worklist_to_the_coordinator_and_audits_it(client, coordinator, submit):
    """The coordinator's queue lists the referral and records one read per patient listed."""
    referral = submit().referral
    client.force_login(coordinator)
    response = client.get(reverse("coordination:worklist"))
    assert referral.reference in response.content.decode()
    assert AuditRecord.objects.filter(actor=coordinator, patient=referral.patient, object_type="worklist").exists()
    partial = client.get(reverse("coordination:worklist"), headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode() and referral.reference in partial.content.decode()


def test_it_keeps_worklist_queries_constant(client, coordinator, submit, django_assert_max_num_queries):
    """The worklist's number of queries does not grow with its rows."""
    for _ in range(3):
        submit()
    client.force_login(coordinator)
    client.get(reverse("coordination:worklist"))
    # 19: one count of open identity conflicts (the worklist's « Conflits d'identité » section) since issue 12.
    with django_assert_max_num_queries(19) as captured:
        client.get(reverse("coordination:worklist"))
    few = len(captured)
    for _ in range(6):
        submit()
    with django_assert_max_num_queries(few):
        client.get(reverse("coordination:worklist"))


def test_it_answers_404_to_another_gp(client, other_gp, submit):
    """A GP with no link to the patient cannot tell the referral exists."""
    referral = submit().referral
    client.force_login(other_gp)
    assert client.get(reverse("coordination:referral", args=[referral.reference])).status_code == 404
    assert client.get(reverse("referrals:acknowledgment", args=[referral.reference])).status_code == 404


def test_it_answers_404_to_a_coordinator_elsewhere(client, coordinator_elsewhere, submit):
    """A coordinator of another organisation does not reach the CPTS's referral."""
    referral = submit().referral
    client.force_login(coordinator_elsewhere)
    assert client.get(reverse("coordination:referral", args=[referral.reference])).status_code == 404
    response = client.post(
        reverse("coordination:action", args=[referral.reference, "accept"]),
        {"accept-pathway_kind": "lung", "accept-priority": "P2"},
    )
    assert response.status_code == 404
    referral.refresh_from_db()
    assert referral.status == Status.RECEIVED


def test_it_accepts_from_the_referral_page(client, coordinator, submit):
    """The coordinator accepts with a pathway and a priority; the history shows it."""
    referral = submit().referral
    client.force_login(coordinator)
    response = client.post(
        reverse("coordination:action", args=[referral.reference, "accept"]),
        {
            "accept-pathway_kind": "lung",
            "accept-priority": "P1",
            "accept-reason": "Nodule suspect",
            "accept-override_reason": "Hémoptysie",
        },
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.pathway_kind, referral.priority) == (Status.ACCEPTED, "lung", "P1")
    page = client.get(reverse("coordination:referral", args=[referral.reference])).content.decode()
    assert "Demande acceptée" in page


def test_it_keeps_the_typed_reason_when_an_action_is_refused(client, coordinator, submit):
    """Declining without a reason shows a French error and changes nothing."""
    referral = submit().referral
    client.force_login(coordinator)
    response = client.post(reverse("coordination:action", args=[referral.reference, "decline"]), {"decline-reason": ""})
    assert response.status_code == 400
    assert "Ce champ est obligatoire" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == Status.RECEIVED


def test_it_lets_the_referrer_complete_a_referral(client, gp, coordinator, submit):
    """Complement requested → the referrer adds the missing document → back in the queue, complete."""
    referral = submit(documents=[]).referral
    assert not referral.is_complete
    client.force_login(coordinator)
    client.post(
        reverse("coordination:action", args=[referral.reference, "request_complement"]),
        {"complement-message": "Merci de joindre le compte rendu du scanner"},
    )
    client.force_login(gp)
    page = client.get(reverse("referrals:complete", args=[referral.reference]))
    assert "Merci de joindre le compte rendu du scanner" in page.content.decode()
    response = client.post(
        reverse("referrals:complete", args=[referral.reference]),
        {
            "message": "Voici le compte rendu",
            "documents": pdf_upload(),
            "exams-TOTAL_FORMS": "3",
            "exams-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Status.RECEIVED and referral.is_complete


@pytest.mark.parametrize("url_name", ["coordination:worklist", "referrals:phone_intake"])
def test_it_refuses_coordinator_pages_to_a_gp(client, gp, url_name):
    """Coordinator pages answer 403 to other roles."""
    client.force_login(gp)
    assert client.get(reverse(url_name)).status_code == 403


def test_it_suggests_communes(client, gp, strasbourg, schiltigheim):
    """The commune field's suggestions match names and postal codes."""
    client.force_login(gp)
    assert (
        "67482 – Strasbourg (67000)" in client.get(reverse("referrals:communes"), {"commune": "Stras"}).content.decode()
    )
    assert "Schiltigheim" in client.get(reverse("referrals:communes"), {"commune": "67300"}).content.decode()


def test_it_records_the_patients_opposition_to_sharing(client, coordinator, submit, gp):
    """The coordination records the opposition; it is audited and the referral page says so."""
    referral = submit().referral
    client.force_login(coordinator)
    response = client.post(reverse("coordination:sharing_opposition", args=[referral.reference]), {"opposes": "yes"})
    assert response.status_code == 302
    referral.patient.refresh_from_db()
    assert referral.patient.sharing_opposition and referral.patient.sharing_opposition_recorded_at
    assert AuditRecord.objects.filter(patient=referral.patient, object_type="patient.sharing_opposition").exists()
    assert (
        "s'oppose au partage"
        in client.get(reverse("coordination:referral", args=[referral.reference])).content.decode()
    )


def test_it_refuses_the_opposition_action_to_the_referrer(client, gp, submit):
    """Only the coordination records an opposition."""
    referral = submit().referral
    client.force_login(gp)
    assert (
        client.post(
            reverse("coordination:sharing_opposition", args=[referral.reference]), {"opposes": "yes"}
        ).status_code
        == 403
    )


def test_the_phone_intake_speaks_to_the_coordinator_typing_the_call(client, coordinator, gp):
    """The phone form tells the coordinator what it does; « votre demande … vous répond » is for a GP's own form."""
    client.force_login(coordinator)
    phone = client.get(reverse("referrals:phone_intake")).content.decode()
    client.force_login(gp)
    own = client.get(reverse("referrals:new")).content.decode()

    assert "dictée par le professionnel au téléphone" in phone and "qui vous répond" not in phone
    assert "qui vous répond" in own


def test_it_chooses_no_sex_in_advance(client, gp, entry_point, strasbourg):
    """The sex starts empty (identity vigilance: a trait is typed from the document, never left at « Féminin »);
    a form sent without it is refused in French and creates nothing."""
    client.force_login(gp)
    page = client.get(reverse("referrals:new")).content.decode()
    assert '<option value="" selected>---------</option>' in page

    response = client.post(reverse("referrals:new"), form_data(entry_point, sex=""))

    assert response.status_code == 200 and "Ce champ est obligatoire." in response.content.decode()
    assert not Referral.objects.exists()


@pytest.mark.parametrize(("who", "offered"), [("gp", True), ("support_provider", False)])
def test_my_referrals_offers_a_new_referral_only_to_who_may_refer(client, request, who, offered):
    """« Nouvelle demande » on « Mes demandes » for a GP; not for a support provider, whom the form refuses (403)."""
    user = request.getfixturevalue(who)
    client.force_login(user)

    page = client.get(reverse("referrals:mine")).content.decode()

    assert (reverse("referrals:new") in page) is offered
    assert (client.get(reverse("referrals:new")).status_code == 200) is offered
