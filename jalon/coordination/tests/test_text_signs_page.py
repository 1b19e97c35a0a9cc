"""Issue 14, item 2: on the referral page each sign read in the text is shown « lu dans le texte » with a button to
confirm it (ticked on the referral, event, audit) and one to remove it (dismissed: the proposal stops counting it)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from jalon.accounts.models import AuditRecord
from jalon.events.models import Event
from jalon.triage.services import triage_propose

pytestmark = pytest.mark.django_db


@pytest.fixture
def referral(submit):
    return submit(
        clinical_reason="Toux depuis 2 mois, hémoptysie ce matin.", declared_urgency="routine", alarm_signs=[]
    ).referral


def test_it_shows_the_sign_read_from_text_with_its_two_buttons(client, referral, coordinator):
    client.force_login(coordinator)
    page = client.get(reverse("coordination:referral", args=[referral.reference])).content.decode()
    assert "Signes lus dans le texte" in page and "lu dans le texte" in page
    assert "Confirmer « Hémoptysie »" in page and "Écarter « Hémoptysie »" in page
    assert reverse("coordination:text_sign_confirm", args=[referral.reference]) in page


def test_confirm_adds_the_sign_to_the_referral_with_event_and_audit(client, referral, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("coordination:text_sign_confirm", args=[referral.reference]), {"sign": "haemoptysis"}
    )
    assert response.status_code == 302 and response.url == reverse("coordination:referral", args=[referral.reference])
    referral.refresh_from_db()
    assert "haemoptysis" in referral.alarm_signs
    proposal = triage_propose(referral)
    assert "haemoptysis" not in proposal.read_from_text and proposal.priority == "P1"
    assert Event.objects.filter(
        kind="referral.text_sign_confirmed", referral=referral, payload__sign="haemoptysis"
    ).exists()
    assert AuditRecord.objects.filter(object_type="referral.text_sign", object_id=referral.reference).exists()


def test_remove_dismisses_the_sign_and_the_proposal_stops_counting_it(client, referral, coordinator):
    assert triage_propose(referral).priority == "P1"
    client.force_login(coordinator)
    response = client.post(
        reverse("coordination:text_sign_dismiss", args=[referral.reference]), {"sign": "haemoptysis"}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.dismissed_text_signs == ["haemoptysis"] and "haemoptysis" not in referral.alarm_signs
    proposal = triage_propose(referral)
    assert "haemoptysis" not in proposal.read_from_text and proposal.priority != "P1"
    assert Event.objects.filter(kind="referral.text_sign_dismissed", referral=referral).exists()
    page = client.get(reverse("coordination:referral", args=[referral.reference])).content.decode()
    assert "Écarter « Hémoptysie »" not in page


@pytest.mark.parametrize("sign", ["", "nope", "dyspnoea"])
@pytest.mark.parametrize("url", ["coordination:text_sign_confirm", "coordination:text_sign_dismiss"])
def test_it_refuses_a_sign_not_read_in_the_text_and_saves_nothing(client, referral, coordinator, sign, url):
    client.force_login(coordinator)
    response = client.post(reverse(url, args=[referral.reference]), {"sign": sign})
    assert response.status_code == 400
    assert "pas lu dans le texte de cette demande" in response.content.decode()
    referral.refresh_from_db()
    assert referral.alarm_signs == [] and referral.dismissed_text_signs == []
    assert not Event.objects.filter(kind__startswith="referral.text_sign").exists()


@pytest.mark.parametrize("url", ["coordination:text_sign_confirm", "coordination:text_sign_dismiss"])
def test_it_answers_404_to_a_coordinator_of_another_entry_point_and_refuses_get(
    client, referral, coordinator_elsewhere, coordinator, url
):
    client.force_login(coordinator_elsewhere)
    assert client.post(reverse(url, args=[referral.reference]), {"sign": "haemoptysis"}).status_code == 404
    client.force_login(coordinator)
    assert client.get(reverse(url, args=[referral.reference])).status_code == 405
    referral.refresh_from_db()
    assert referral.alarm_signs == [] and referral.dismissed_text_signs == []


def test_the_referrer_cannot_confirm(client, referral, gp):
    client.force_login(gp)
    assert client.post(
        reverse("coordination:text_sign_confirm", args=[referral.reference]), {"sign": "haemoptysis"}
    ).status_code in (403, 404)
    referral.refresh_from_db()
    assert referral.alarm_signs == []
