"""The GP's question page (teleexpertise:new): main path, bad input shown again, who may use it."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import pdf_upload
from jalon.patients.models import Patient
from jalon.teleexpertise.models import TeleExpertiseRequest
from jalon.testing.factories import make_ins


def form_data(the_offer, **overrides):
    data = {
        "offer": the_offer.pk,
        "ins": make_ins(sex="F", birth_date=date(1956, 3, 12), seed=7),
        "birth_name": "Lefèvre",
        "first_names": "Jeanne",
        "sex": "F",
        "birth_date": "1956-03-12",
        "identity_status": "prov",
        "commune": "67482",
        "phone": "06 12 34 56 78",
        "suspected_site": "lung",
        "question": "Nodule de 25 mm : TEP-TDM d'abord ?",
        "clinical_summary": "Fumeur, toux depuis deux mois.",
    }
    data.update(overrides)
    return data


def test_it_shows_the_form_with_the_active_offers(client, gp, offer, gastroenterology, hospital_entry_point):
    """The form lists the services that answer tele-expertise, not the others."""
    from jalon.teleexpertise.models import TeleExpertiseOffer

    TeleExpertiseOffer.objects.create(service=gastroenterology, entry_point=hospital_entry_point, is_active=False)
    client.force_login(gp)
    response = client.get(reverse("teleexpertise:new"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Pneumologie – Hôpital de Hautepierre" in page
    assert "Hépato-gastro-entérologie" not in page
    assert 'for="id_question"' in page and 'for="id_documents"' in page


def test_it_sends_the_question_and_shows_the_request(client, gp, offer, pneumologist, strasbourg):
    """A valid question with a PDF is stored and the GP lands on the request with its deadline."""
    client.force_login(gp)
    response = client.post(reverse("teleexpertise:new"), {**form_data(offer), "documents": pdf_upload()})
    request = TeleExpertiseRequest.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("teleexpertise:detail", args=[request.reference])
    page = client.get(response.url).content.decode()
    assert "Question envoyée à Pneumologie" in page and request.reference in page
    assert request.documents.count() == 1
    assert (request.patient.commune_id, request.patient.phone) == ("67482", "+33612345678")


def test_it_refuses_an_empty_question_and_keeps_what_was_typed(client, gp, offer, strasbourg):
    """An empty question: 400, a French message, the typed identity shown again, nothing saved."""
    client.force_login(gp)
    response = client.post(reverse("teleexpertise:new"), form_data(offer, question="   "))
    page = response.content.decode()
    assert response.status_code == 400
    assert "Écrivez la question posée au spécialiste." in page
    assert 'value="Lefèvre"' in page and "Fumeur, toux depuis deux mois." in page
    assert not TeleExpertiseRequest.objects.exists() and not Patient.objects.exists()


def test_it_refuses_a_wrong_file_type(client, gp, offer, strasbourg):
    """A text file disguised as a PDF is refused with a clear French message; the GP is asked to attach again."""
    client.force_login(gp)
    fake = SimpleUploadedFile("cr.pdf", b"ceci n'est pas un PDF", content_type="application/pdf")
    response = client.post(reverse("teleexpertise:new"), {**form_data(offer), "documents": fake})
    page = response.content.decode()
    assert response.status_code == 400
    assert "n&#x27;est pas accepté : seuls les documents PDF, PNG et JPEG le sont." in page
    assert "joignez à nouveau les fichiers" in page
    assert not TeleExpertiseRequest.objects.exists()


def test_it_refuses_a_wrong_ins_key(client, gp, offer, strasbourg):
    """The identity is checked as on the referral form (INS key)."""
    client.force_login(gp)
    ins = form_data(offer)["ins"]
    wrong = ins[:13] + f"{(int(ins[13:]) + 1) % 97:02d}"
    response = client.post(reverse("teleexpertise:new"), form_data(offer, ins=wrong))
    assert response.status_code == 400
    assert "La clé du numéro INS est incorrecte" in response.content.decode()
    assert not TeleExpertiseRequest.objects.exists()


@pytest.mark.parametrize("value", ["999999", "abc", ""])
def test_it_refuses_an_unknown_service(client, gp, offer, strasbourg, value):
    """A service that is not offered (or none) is refused in French, never a server error."""
    client.force_login(gp)
    response = client.post(reverse("teleexpertise:new"), form_data(offer, offer=value))
    assert response.status_code == 400
    assert not TeleExpertiseRequest.objects.exists()


def test_it_refuses_garbage_without_a_server_error(client, gp, offer):
    """Odd values in every field give a 400 with messages, not a 500."""
    client.force_login(gp)
    response = client.post(
        reverse("teleexpertise:new"),
        {
            "offer": "x",
            "birth_date": "31/02/1956",
            "sex": "Z",
            "suspected_site": "moon",
            "commune": "00000",
            "phone": "abc",
            "ins": "123",
        },
    )
    assert response.status_code == 400
    assert "Le formulaire contient" in response.content.decode()  # the error summary, with its count


@pytest.mark.parametrize("persona", ["specialist", "coordinator", "manager", "home_nurse"])
def test_it_is_for_referrers_only(client, persona, request, offer):
    """Only referrers ask questions: others are refused."""
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("teleexpertise:new")).status_code == 403


def test_it_sends_anonymous_users_to_the_login(client, offer):
    response = client.get(reverse("teleexpertise:new"))
    assert response.status_code == 302 and reverse("accounts:login") in response.url
