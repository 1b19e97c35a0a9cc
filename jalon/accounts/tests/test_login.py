"""Login: French page, role-based landing, lockout after repeated failures, idle expiry."""

import pytest
from django.conf import settings
from django.urls import reverse

from jalon.testing.second_factor import mark_client_verified


def test_it_shows_the_french_login_page(client):
    """The login page is in French."""
    page = client.get(reverse("accounts:login")).content.decode()
    assert "Connexion à Jalon" in page and "Mot de passe" in page and 'lang="fr"' in page


def test_it_redirects_anonymous_users_to_login(client):
    """A patient page asks for login first."""
    response = client.get(reverse("coordination:worklist"))
    assert response.status_code == 302 and reverse("accounts:login") in response.url


@pytest.mark.parametrize(
    "persona, landing",
    [("coordinator", "coordination:worklist"), ("gp", "portal:patients"), ("manager", "accounts:audit")],
)
def test_it_lands_each_role_on_its_home(client, request, persona, landing):
    """After login (and the second factor, see test_two_factor.py) each role lands on its own page."""
    user = request.getfixturevalue(persona)
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": "motdepasse-de-test"})
    assert response.status_code == 302
    mark_client_verified(client)
    assert client.get(response.url).url == reverse(landing)


def test_it_locks_an_account_after_repeated_failures(client, gp):
    """After LOGIN_FAILURE_LIMIT wrong passwords even the right one is refused for a while."""
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page = client.post(reverse("accounts:login"), {"username": gp.username, "password": "mauvais"})
    response = client.post(reverse("accounts:login"), {"username": gp.username, "password": "motdepasse-de-test"})
    assert response.status_code == 429
    assert "Compte temporairement bloqué" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert page.status_code in (200, 429)


def test_it_says_the_credentials_are_wrong_in_french(client, gp):
    """A wrong password gives a French message."""
    page = client.post(reverse("accounts:login"), {"username": gp.username, "password": "mauvais"}).content.decode()
    assert "Identifiant ou mot de passe incorrect" in page


def test_it_expires_idle_sessions():
    """Sessions expire after the idle time and at browser close; real requests (not polls) push the
    expiry, through the session policy middleware (test_sessions.py), not Django's save on every request."""
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert not settings.SESSION_SAVE_EVERY_REQUEST and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert "jalon.accounts.sessions.SessionPolicyMiddleware" in settings.MIDDLEWARE


def test_it_hashes_passwords_with_argon2():
    """The production hasher is argon2."""
    from config import settings as real_settings

    assert real_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_it_lets_managers_browse_the_audit_by_patient(client, manager, submit):
    """A manager finds the audit records of a patient from a referral reference."""
    referral = submit().referral
    client.force_login(manager)
    page = client.get(reverse("accounts:audit"), {"patient": referral.reference}).content.decode()
    assert f"n° {referral.patient_id}" in page


@pytest.mark.parametrize("wanted", ["9" * 25, "²", "00000000000000000000000000000000000001x"])
def test_it_finds_nothing_for_a_patient_number_no_row_can_have(client, manager, submit, wanted):
    """A number beyond any id, a non-ASCII digit, a long text: the page answers, with no record listed."""
    patient_id = submit().referral.patient_id
    client.force_login(manager)
    assert f"n° {patient_id}" in client.get(reverse("accounts:audit")).content.decode()
    response = client.get(reverse("accounts:audit"), {"patient": wanted})
    assert response.status_code == 200
    assert f"n° {patient_id}" not in response.content.decode()


def test_it_refuses_the_audit_trail_to_clinicians(client, gp):
    """The audit page answers 403 to a GP."""
    client.force_login(gp)
    assert client.get(reverse("accounts:audit")).status_code == 403
