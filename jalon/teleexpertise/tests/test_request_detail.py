"""The request page (teleexpertise:detail) and its actions: answer (and convert), withdraw, convert, download."""

import re

import pytest
from django.urls import reverse

from jalon.accounts.models import AuditAction, AuditRecord, Role
from jalon.core.actor import Actor
from jalon.referrals.models import Referral
from jalon.teleexpertise.models import RequestStatus, TeleExpertiseRequest
from jalon.teleexpertise.services import teleexpertise_answer, teleexpertise_withdraw
from jalon.testing.factories import UserFactory

from .conftest import join_service

CONVERT_LABEL = "Orienter vers le parcours de diagnostic rapide (crée la demande de prise en soins)"


def test_it_shows_the_request_to_the_gp_and_audits_it(client, gp, ask):
    """The GP reads the request with its document and may withdraw it; the read is audited."""
    request = ask()
    client.force_login(gp)
    page = client.get(reverse("teleexpertise:detail", args=[request.reference])).content.decode()
    assert f"Téléexpertise {request.reference}" in page
    assert "compte-rendu-scanner.pdf" in page
    assert "Retirer la demande" in page and "Envoyer la réponse" not in page
    assert AuditRecord.objects.filter(
        actor=gp, action=AuditAction.READ, object_type="teleexpertise", patient_id=request.patient_id
    ).exists()


def test_it_shows_the_answer_form_to_the_services_specialist(client, pneumologist, ask):
    """The specialist of the service sees the answer form with the conversion checkbox, not the withdrawal."""
    request = ask()
    client.force_login(pneumologist)
    page = client.get(reverse("teleexpertise:detail", args=[request.reference])).content.decode()
    assert "Envoyer la réponse" in page and CONVERT_LABEL in page
    assert 'for="id_answer"' in page and 'for="id_convert_to_referral"' in page
    assert "Retirer la demande" not in page


def test_it_answers_and_converts_from_the_page(client, gp, pneumologist, ask):
    """Answering with the box ticked creates the referral; both see the answer and the link to it."""
    request = ask()
    client.force_login(pneumologist)
    response = client.post(
        reverse("teleexpertise:answer", args=[request.reference]),
        {"answer": "Bilan rapide nécessaire.", "convert_to_referral": "on"},
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    page = client.get(response.url).content.decode()
    assert f"la demande de prise en soins {referral.reference} est créée" in page
    assert reverse("coordination:referral", args=[referral.reference]) in page
    client.force_login(gp)
    page = client.get(reverse("teleexpertise:detail", args=[request.reference])).content.decode()
    assert "Bilan rapide nécessaire." in page and reverse("coordination:referral", args=[referral.reference]) in page
    assert client.get(reverse("coordination:referral", args=[referral.reference])).status_code == 200


def test_it_refuses_an_empty_answer_and_shows_the_form_again(client, pneumologist, ask):
    """An empty answer: 400, French message, the box still ticked, nothing saved."""
    request = ask()
    client.force_login(pneumologist)
    response = client.post(
        reverse("teleexpertise:answer", args=[request.reference]), {"answer": " ", "convert_to_referral": "on"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Écrivez votre réponse au médecin." in page
    assert re.search(r'<input type="checkbox" name="convert_to_referral"[^>]*checked', page)
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED and not Referral.objects.exists()


def test_it_refuses_a_second_answer_in_words(client, pneumologist, second_pneumologist, ask):
    """A colleague answering a request already answered gets a French message (400), not an error page."""
    request = ask()
    teleexpertise_answer(actor=Actor(user=pneumologist), request=request, answer="Premier avis.")
    client.force_login(second_pneumologist)
    response = client.post(reverse("teleexpertise:answer", args=[request.reference]), {"answer": "Second avis."})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Action impossible" in page and "Premier avis." in page
    request.refresh_from_db()
    assert request.answer == "Premier avis."


def test_it_refuses_to_answer_a_withdrawn_request_in_words(client, gp, pneumologist, ask):
    """Answering a withdrawn request: 400 with a French message; the request stays withdrawn."""
    request = teleexpertise_withdraw(actor=Actor(user=gp), request=ask())
    client.force_login(pneumologist)
    response = client.post(reverse("teleexpertise:answer", args=[request.reference]), {"answer": "Avis."})
    assert response.status_code == 400
    assert "Retirée" in response.content.decode()
    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN


def test_it_lets_only_the_services_specialists_answer(client, gp, ask):
    """The GP cannot post an answer to their own question."""
    request = ask()
    client.force_login(gp)
    assert (
        client.post(reverse("teleexpertise:answer", args=[request.reference]), {"answer": "Moi-même"}).status_code
        == 403
    )
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED


def test_it_withdraws_from_the_page(client, gp, ask):
    """The GP withdraws; the page says so and the specialists have nothing left to answer."""
    request = ask()
    client.force_login(gp)
    response = client.post(reverse("teleexpertise:withdraw", args=[request.reference]), {"reason": "Vu aux urgences."})
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "Demande de téléexpertise retirée." in page and "Vu aux urgences." in page
    assert TeleExpertiseRequest.objects.get().status == RequestStatus.WITHDRAWN


def test_it_lets_the_gp_convert_an_answered_request(client, gp, pneumologist, ask):
    """After an answer without conversion, the GP's button creates the referral."""
    request = teleexpertise_answer(
        actor=Actor(user=pneumologist), request=ask(), answer="Orientez-le si la toux persiste."
    )
    client.force_login(gp)
    page = client.get(reverse("teleexpertise:detail", args=[request.reference])).content.decode()
    assert CONVERT_LABEL in page
    response = client.post(reverse("teleexpertise:convert", args=[request.reference]))
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.CONVERTED and request.converted_referral.referrer_id == gp.professional_id


def test_it_refuses_a_second_conversion_in_words(client, gp, pneumologist, ask):
    """Converting twice gives a French message (400) and one referral."""
    request = teleexpertise_answer(
        actor=Actor(user=pneumologist), request=ask(), answer="Avis.", convert_to_referral=True
    )
    client.force_login(gp)
    response = client.post(reverse("teleexpertise:convert", args=[request.reference]))
    assert response.status_code == 400 and "Action impossible" in response.content.decode()
    assert Referral.objects.count() == 1


def test_it_downloads_a_document_with_an_audit_record(client, pneumologist, ask):
    """The specialist downloads the PDF; the download is audited."""
    request = ask()
    document = request.documents.get()
    client.force_login(pneumologist)
    response = client.get(reverse("teleexpertise:document", args=[request.reference, document.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert AuditRecord.objects.filter(
        actor=pneumologist,
        action=AuditAction.DOWNLOAD,
        object_type="teleexpertise.document",
        patient_id=request.patient_id,
    ).exists()


def test_it_answers_404_for_a_document_of_another_request(client, gp, ask):
    """A document id of another request gives a 404."""
    first, second = ask(), ask()
    client.force_login(gp)
    url = reverse("teleexpertise:document", args=[first.reference, second.documents.get().pk])
    assert client.get(url).status_code == 404


def test_it_answers_404_for_an_unknown_reference(client, gp):
    client.force_login(gp)
    assert client.get(reverse("teleexpertise:detail", args=["TEX-2026-999999"])).status_code == 404


@pytest.fixture
def service_coordinator(hospital, pneumology):
    """A coordinator of the hospital with a membership on the pulmonology service: not a specialist."""
    user = UserFactory(username="secretariat.pneumo", role=Role.COORDINATOR, professional__organizations=[hospital])
    join_service(user, pneumology)
    return user


OUTSIDERS = [
    "other_gp",
    "coordinator",
    "coordinator_elsewhere",
    "service_coordinator",
    "gastroenterologist",
    "home_nurse",
    "support_provider",
    "manager",
    "admin_user",
]


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_it_answers_404_to_everyone_else(client, persona, request, ask):
    """Whoever is neither the requester nor a specialist of the service gets a 404 on the page, its actions and
    documents."""
    tex = ask()
    client.force_login(request.getfixturevalue(persona))
    reference = tex.reference
    assert client.get(reverse("teleexpertise:detail", args=[reference])).status_code == 404
    assert client.post(reverse("teleexpertise:answer", args=[reference]), {"answer": "x"}).status_code == 404
    assert client.post(reverse("teleexpertise:withdraw", args=[reference])).status_code == 404
    assert client.post(reverse("teleexpertise:convert", args=[reference])).status_code == 404
    assert client.get(reverse("teleexpertise:document", args=[reference, tex.documents.get().pk])).status_code == 404
    tex.refresh_from_db()
    assert tex.status == RequestStatus.SUBMITTED


def test_it_says_in_words_that_the_answer_is_late(client, pneumologist, ask):
    """Past its deadline an unanswered request says « en retard » with the promised date, not by colour alone."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import time_machine

    paris = ZoneInfo("Europe/Paris")
    with time_machine.travel(datetime(2026, 11, 16, 9, 0, tzinfo=paris), tick=False):
        request = ask()
    with time_machine.travel(datetime(2026, 11, 19, 9, 0, tzinfo=paris), tick=False):
        client.force_login(pneumologist)
        page = client.get(reverse("teleexpertise:detail", args=[request.reference])).content.decode()
    assert "En retard" in page and "la réponse était attendue avant le mercredi 18 novembre 2026 à 9 h 00." in page
    assert "18/11/2026 9 h 00 · en retard" in page
