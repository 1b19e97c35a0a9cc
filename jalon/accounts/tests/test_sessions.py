"""Session policy: polls do not extend the idle timeout, the absolute lifetime, expiry on htmx requests."""

import html
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from jalon.accounts.sessions import ACTIVE_AT, LOGIN_AT

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
POLL = {"HTTP_HX_REQUEST": "true", "HTTP_X_JALON_POLL": "1"}


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def worklist_poll(client):
    """What the worklist's `hx-trigger="every 15s"` element sends."""
    url = reverse("coordination:worklist")
    return client.get(url, **POLL, HTTP_HX_CURRENT_URL=f"http://testserver{url}")


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_it_uses_the_documented_defaults():
    """Idle 30 minutes, absolute 12 hours, re-authentication after 15 minutes; Django no longer saves every request."""
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_ABSOLUTE_SECONDS == 12 * 60 * 60
    assert settings.REAUTH_MAX_AGE_SECONDS == 15 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is False and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_it_marks_every_polling_element_as_a_poll(client, coordinator, clock):
    """The worklist's live part sends the poll header with its refresh."""
    client.force_login(coordinator)
    page = client.get(reverse("coordination:worklist")).content.decode()
    assert 'hx-trigger="every 15s, jalon:refresh"' in page and """hx-headers='{"X-Jalon-Poll": "1"}'""" in page


def test_it_ends_a_session_that_only_polls_at_the_idle_timeout(client, coordinator, clock):
    """Polls every few minutes keep answering until 30 minutes after the last real request, then send the page to
    login."""
    client.force_login(coordinator)
    for minutes in (5, 15, 25, 29):
        clock.move_to(T0 + timedelta(minutes=minutes))
        assert worklist_poll(client).status_code == 200
    clock.move_to(T0 + timedelta(minutes=30, seconds=1))
    response = worklist_poll(client)
    assert response.status_code == 200 and response.content == b""
    assert response["HX-Redirect"] == f"{reverse('accounts:login')}?next=%2Fdemandes%2Ffile%2F"
    assert not is_logged_in(client)


def test_it_keeps_a_session_with_a_real_request_alive(client, coordinator, clock):
    """A real page view at 20 minutes moves the idle limit: polls at 31 and 45 minutes still answer."""
    client.force_login(coordinator)
    clock.move_to(T0 + timedelta(minutes=20))
    assert client.get(reverse("coordination:worklist")).status_code == 200
    for minutes in (31, 45):
        clock.move_to(T0 + timedelta(minutes=minutes))
        response = worklist_poll(client)
        assert response.status_code == 200 and "HX-Redirect" not in response
    assert is_logged_in(client)


def test_it_does_not_save_the_session_on_a_poll(client, coordinator, clock):
    """A poll leaves the last activity where it was."""
    client.force_login(coordinator)
    clock.move_to(T0 + timedelta(minutes=10))
    worklist_poll(client)
    assert client.session[ACTIVE_AT] == int(T0.timestamp())


def test_it_counts_a_post_with_the_poll_header_as_activity(client, coordinator, clock):
    """Only GETs can be polls: a POST marked as a poll still counts as something the user did."""
    client.force_login(coordinator)
    clock.move_to(T0 + timedelta(minutes=10))
    client.post(reverse("accounts:home"), HTTP_X_JALON_POLL="1")
    assert client.session[ACTIVE_AT] == int((T0 + timedelta(minutes=10)).timestamp())


def test_it_ends_a_session_by_its_own_stamps_whatever_the_backend_expiry(client, coordinator, clock):
    """The middleware checks the last activity itself (a backend whose expiry moved would not save it)."""
    client.force_login(coordinator)
    session = client.session
    session[ACTIVE_AT] = int((T0 - timedelta(minutes=31)).timestamp())
    session.save()
    response = client.get(reverse("coordination:worklist"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    page = html.unescape(client.get(response.url).content.decode())
    assert "Votre session a expiré après une période d'inactivité" in page


def test_it_ends_every_session_at_the_absolute_lifetime(client, coordinator, clock):
    """Active every 20 minutes, the user must still log in again 12 hours after logging in."""
    client.force_login(coordinator)
    moment = T0
    while moment + timedelta(minutes=20) < T0 + timedelta(hours=12):
        moment += timedelta(minutes=20)
        clock.move_to(moment)
        assert client.get(reverse("accounts:home")).url == reverse("coordination:worklist")
    clock.move_to(T0 + timedelta(hours=12))
    response = client.get(reverse("accounts:home"))
    assert response.url.startswith(reverse("accounts:login"))
    assert not is_logged_in(client)
    assert "Votre session a atteint sa durée maximale" in client.get(response.url).content.decode()


def test_it_reads_the_absolute_lifetime_from_settings(client, coordinator, clock, settings):
    """SESSION_ABSOLUTE_SECONDS is the limit: one hour here."""
    settings.SESSION_ABSOLUTE_SECONDS = 3600
    client.force_login(coordinator)
    for minutes in (25, 50, 59):
        clock.move_to(T0 + timedelta(minutes=minutes))
        assert client.get(reverse("accounts:home")).url == reverse("coordination:worklist")
    clock.move_to(T0 + timedelta(minutes=60))
    assert client.get(reverse("accounts:home")).url.startswith(reverse("accounts:login"))


def test_it_sends_an_expired_htmx_request_to_the_login_page_not_into_the_fragment(client, coordinator, clock):
    """An htmx request of an anonymous user gets HX-Redirect to the login page with the current page as next."""
    page = reverse("coordination:worklist") + "?statut=nouvelle"
    response = client.get(
        reverse("coordination:worklist"), HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=f"http://testserver{page}"
    )
    assert response.status_code == 200 and response.content == b""
    assert response["HX-Redirect"] == f"{reverse('accounts:login')}?next=%2Fdemandes%2Ffile%2F%3Fstatut%3Dnouvelle"
    assert "Connexion à Jalon" not in response.content.decode()


def test_it_ignores_a_foreign_current_url(client, clock):
    """An HX-Current-URL on another site is not a « next »: the login page alone."""
    response = client.get(
        reverse("coordination:worklist"), HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="https://evil.example/phish"
    )
    assert response["HX-Redirect"] == reverse("accounts:login")


def test_it_stamps_the_session_at_login(client, gp, clock):
    """Logging in with the form records the login time (the start of the absolute lifetime)."""
    client.post(reverse("accounts:login"), {"username": gp.username, "password": "motdepasse-de-test"})
    assert client.session[LOGIN_AT] == int(T0.timestamp())
