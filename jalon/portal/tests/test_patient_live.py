"""The patient page's poll: 204 without reading or auditing anything when no event happened since the
one the page saw and no date it shows has passed; else the live part, read and audited."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine
from django.urls import reverse
from django.utils import timezone

from jalon.accounts.models import AuditRecord
from jalon.core.actor import Actor
from jalon.pathways.services import milestone_record
from jalon.pathways.tests.test_pathway_pages import recordable_milestone
from jalon.portal.selectors import latest_event_id, unread_counts_for_city


def live_url(referral) -> str:
    return reverse("portal:patient_live", args=[referral.reference])


def poll_query(page: str) -> dict:
    """The poll parameters the page wrote into its hx-get."""
    found = re.search(r'hx-get="[^"?]*\?depuis=(\d+)&amp;echeance=(\d+)&amp;version=([0-9a-f.]+)"', page)
    assert found, "the page polls with the last event it saw"
    return {"depuis": found[1], "echeance": found[2], "version": found[3]}


def portal_audits(user) -> int:
    return AuditRecord.objects.filter(actor=user, object_type="portal.patient").count()


def test_it_polls_at_the_configured_interval(client, referral, gp, settings):
    """The live part asks again every PORTAL_REFRESH_SECONDS."""
    settings.PORTAL_REFRESH_SECONDS = 7
    client.force_login(gp)
    assert 'hx-trigger="every 7s"' in client.get(reverse("portal:patient", args=[referral.reference])).content.decode()


def test_it_answers_204_when_nothing_happened(client, referral, gp, django_assert_max_num_queries):
    """Nothing new since the page: 204, empty, nothing read of the patient, nothing audited."""
    client.force_login(gp)
    query = poll_query(client.get(reverse("portal:patient", args=[referral.reference])).content.decode())
    audits = portal_audits(gp)

    with django_assert_max_num_queries(8):
        response = client.get(live_url(referral), query)

    assert response.status_code == 204 and response.content == b""
    assert portal_audits(gp) == audits


def test_it_sends_the_live_part_once_a_milestone_is_recorded(client, referral, gp, coordinator):
    """The coordinator records a step: the next poll brings it, audited, with the new event id for the next poll."""
    client.force_login(gp)
    query = poll_query(client.get(reverse("portal:patient", args=[referral.reference])).content.decode())
    milestone = recordable_milestone(referral.pathway)
    milestone_record(actor=Actor(user=coordinator), milestone=milestone, done_at=timezone.now())
    audits = portal_audits(gp)

    response = client.get(live_url(referral), query)

    assert response.status_code == 200
    part = response.content.decode()
    assert milestone.label.replace("'", "&#x27;") in part and "Fait" in part
    assert "<html" not in part
    assert poll_query(part)["depuis"] == str(latest_event_id(referral.pk))
    assert portal_audits(gp) == audits + 1
    assert client.get(live_url(referral), poll_query(part)).status_code == 204


def test_it_sends_a_new_coordination_message_and_marks_it_read(client, referral, treating_gp, coordinator, post):
    """A message from the coordination comes with the next poll and, shown, is read."""
    client.force_login(treating_gp)
    query = poll_query(client.get(reverse("portal:patient", args=[referral.reference])).content.decode())
    post(coordinator, referral, "Biopsie programmée")

    response = client.get(live_url(referral), query)

    assert response.status_code == 200 and "Biopsie programmée" in response.content.decode()
    assert unread_counts_for_city(treating_gp, [referral.pk]) == {}


def test_it_sends_the_live_part_when_a_shown_date_has_passed(client, referral, gp):
    """No event, but a step's due date has passed since the page was drawn: it now shows overdue."""
    client.force_login(gp)
    query = poll_query(client.get(reverse("portal:patient", args=[referral.reference])).content.decode())
    assert query["echeance"] != "0"
    first_due = referral.pathway.milestones.exclude(due_at=None).order_by("due_at").first().due_at

    with time_machine.travel(first_due + timedelta(minutes=1)):
        client.force_login(gp)
        response = client.get(live_url(referral), query)

    assert response.status_code == 200 and "En retard" in response.content.decode()


def test_it_sends_the_live_part_for_a_missing_or_odd_token(client, referral, gp):
    """No token, letters, a negative, non-ASCII digits or an absurdly long number: the live part, never an error."""
    client.force_login(gp)
    for query in (
        {},
        {"depuis": "abc"},
        {"depuis": "-3"},
        {"depuis": "²"},
        {"depuis": "٣"},
        {"depuis": "9" * 40},
        {"depuis": "0", "echeance": "9" * 40},
    ):
        assert client.get(live_url(referral), query).status_code == 200, query


def test_it_refuses_other_methods(client, referral, gp):
    """The poll only reads."""
    client.force_login(gp)
    assert client.post(live_url(referral)).status_code == 405


def test_it_sends_the_window_to_the_login_form_when_the_session_ended(client, referral):
    """No session any more: no page inside the live part, but HX-Redirect to the login form, back here after."""
    response = client.get(live_url(referral), {"depuis": "0"}, headers={"HX-Request": "true"})

    assert response.status_code == 204
    login_url = reverse("accounts:login")
    assert response["HX-Redirect"].startswith(login_url + "?next=")
    assert reverse("portal:patient", args=[referral.reference]).replace("/", "%2F") in response["HX-Redirect"]
