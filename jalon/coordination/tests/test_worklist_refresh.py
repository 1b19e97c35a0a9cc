"""The worklist's refresh (issue 15): 204 with no query, no rendering and no audit while nothing it shows can
have changed; the rows again after any write, when a row's hours left tick down, for another session or
query, after the session ended, or with a token tampered with."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from jalon.accounts.models import AuditRecord
from jalon.referrals.models import Referral

POLL = {"HTTP_HX_REQUEST": "true", "HTTP_X_JALON_POLL": "1"}


def worklist_token(page: str) -> str:
    found = re.search(r'name="version" value="([0-9a-f.]+)"', page)
    assert found, "the worklist carries its refresh token"
    return found[1]


def worklist_audits(user) -> int:
    return AuditRecord.objects.filter(actor=user, object_type="worklist").count()


@pytest.fixture
def opened(client, coordinator, submit):
    """The coordinator's worklist open on one received referral; its refresh token."""
    submit()
    client.force_login(coordinator)
    return worklist_token(client.get(reverse("coordination:worklist")).content.decode())


def test_an_idle_refresh_is_204_without_a_query_or_an_audit(client, coordinator, opened, django_assert_num_queries):
    audits = worklist_audits(coordinator)
    with django_assert_num_queries(0):
        response = client.get(reverse("coordination:worklist"), {"version": opened}, **POLL)
    assert response.status_code == 204 and response.content == b""
    assert worklist_audits(coordinator) == audits


def test_the_page_names_where_its_refresh_goes(client, opened):
    page = client.get(reverse("coordination:worklist"), {"status": "open"}).content.decode()
    assert 'hx-get="/demandes/file/?status=open" hx-include="#worklist-version"' in page


def test_a_new_referral_brings_the_rows_again(client, coordinator, opened, submit):
    submit()
    response = client.get(reverse("coordination:worklist"), {"version": opened}, **POLL)
    assert response.status_code == 200
    assert response.content.decode().count("data-row-key=") == 2
    assert worklist_token(response.content.decode()) != opened


def test_a_change_by_update_brings_the_rows_again(client, opened):
    """A write with QuerySet.update() (no signal) moves the stamp where the service calls data_changed()."""
    from jalon.accounts.freshness import data_changed

    Referral.objects.update(proposed_priority="P1")
    data_changed()
    response = client.get(reverse("coordination:worklist"), {"version": opened}, **POLL)
    assert response.status_code == 200 and 'data-testid="proposed-priority">P1<' in response.content.decode()


def test_the_rows_come_again_when_an_hour_left_runs_out(client, opened):
    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1)):
        response = client.get(reverse("coordination:worklist"), {"version": opened}, **POLL)
    assert response.status_code == 200


def test_the_token_holds_for_its_own_query_and_session_only(client, coordinator, opened):
    other_query = client.get(reverse("coordination:worklist"), {"version": opened, "status": "received"}, **POLL)
    assert other_query.status_code == 200
    tampered = opened[:-1] + ("0" if opened[-1] != "0" else "1")
    assert client.get(reverse("coordination:worklist"), {"version": tampered}, **POLL).status_code == 200
    client.logout()
    client.force_login(coordinator)  # a new session
    assert client.get(reverse("coordination:worklist"), {"version": opened}, **POLL).status_code == 200


def test_a_logged_out_session_gets_no_204(client, opened):
    client.logout()
    response = client.get(reverse("coordination:worklist"), {"version": opened}, **POLL)
    assert response.status_code != 204 and "/connexion/" in (response.headers.get("HX-Redirect") or "")


def test_the_token_ends_with_the_idle_session(client, opened, settings):
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE + 5)):
        response = client.get(reverse("coordination:worklist"), {"version": opened}, **POLL)
    assert response.status_code != 204


def test_reading_pages_moves_nothing(client, coordinator, opened):
    """A page that only reads (and audits) writes nothing the stamp counts: open worklists stay 204."""
    reference = Referral.objects.get().reference
    client.get(reverse("coordination:referral", args=[reference]))
    token = worklist_token(client.get(reverse("coordination:worklist")).content.decode())
    assert client.get(reverse("coordination:referral", args=[reference])).status_code == 200
    assert client.get(reverse("coordination:worklist"), {"version": token}, **POLL).status_code == 204
