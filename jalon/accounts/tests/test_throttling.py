"""Rate limits (429 in French with Retry-After) on the login form and the API, and the per-address lockout."""

import html
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from jalon.accounts.models import ApiToken

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
PASSWORD = "motdepasse-de-test"
LOGIN = reverse("accounts:login")


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def test_it_answers_429_in_french_past_the_login_rate(client, gp, settings, clock):
    """Past LOGIN_RATE_LIMIT attempts from one address, even the right password gets a French 429 with Retry-After."""
    settings.LOGIN_RATE_LIMIT = "3/m"
    for _ in range(3):
        assert client.post(LOGIN, {"username": "personne", "password": "mauvais"}).status_code == 200
    response = client.post(LOGIN, {"username": gp.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "Trop de tentatives de connexion" in page_text(response)
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "_auth_user_id" not in client.session


def test_it_lets_the_login_through_again_after_the_window(client, gp, settings, clock):
    """Once the window is over the address may try again."""
    settings.LOGIN_RATE_LIMIT = "1/m"
    client.post(LOGIN, {"username": "personne", "password": "mauvais"})
    assert client.post(LOGIN, {"username": gp.username, "password": PASSWORD}).status_code == 429
    clock.shift(timedelta(seconds=61))
    assert client.post(LOGIN, {"username": gp.username, "password": PASSWORD}).status_code == 302


def test_it_does_not_count_showing_the_login_page(client, settings, clock):
    """GETs of the login page are not attempts."""
    settings.LOGIN_RATE_LIMIT = "1/m"
    for _ in range(3):
        assert client.get(LOGIN).status_code == 200


def test_it_locks_an_address_past_its_failure_threshold(client, gp, settings, clock):
    """Failures spread over many accounts (none locked by axes) lock the address, not another one."""
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = "6/15m"
    for number in range(6):
        client.post(LOGIN, {"username": f"compte{number}", "password": "mauvais"}, REMOTE_ADDR="203.0.113.7")
    response = client.post(LOGIN, {"username": gp.username, "password": PASSWORD}, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 429
    assert "Trop de connexions ont échoué depuis votre adresse réseau" in page_text(response)
    assert int(response["Retry-After"]) > 60
    assert (
        client.post(LOGIN, {"username": gp.username, "password": PASSWORD}, REMOTE_ADDR="198.51.100.2").status_code
        == 302
    )


def test_it_keeps_the_address_threshold_far_above_the_accounts():
    """A hospital behind one address is not locked out by one person's typos: the address threshold is 20 times the
    account's."""
    from django.conf import settings

    address_limit = int(settings.LOGIN_ADDRESS_FAILURE_LIMIT.split("/")[0])
    assert address_limit >= 20 * settings.AXES_FAILURE_LIMIT


def test_it_still_locks_one_account_after_its_own_failures(client, gp, clock):
    """The account lockout (axes) keeps working beside the address one, with its French page."""
    from django.conf import settings

    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": gp.username, "password": "mauvais"})
    response = client.post(LOGIN, {"username": gp.username, "password": PASSWORD})
    assert response.status_code == 429 and "Compte temporairement bloqué" in page_text(response)


def test_it_answers_429_json_in_french_past_the_api_rate(client, gp, settings, submit, clock):
    """Past API_RATE_LIMIT calls a user gets 429, code rate_limited, a French message and Retry-After."""
    settings.API_RATE_LIMIT = "2/m"
    referral = submit().referral
    key = ApiToken.issue(user=gp, name="Logiciel du cabinet")[1]
    url = f"/api/v1/referrals/{referral.reference}"
    for _ in range(2):
        assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "rate_limited" and "Trop de requêtes" in body["message"]
    assert 1 <= int(response["Retry-After"]) <= 60
    clock.shift(timedelta(seconds=61))
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200


def test_it_limits_the_api_per_address_too(client, gp, other_gp, settings, submit, clock):
    """Two users behind one address share API_ADDRESS_RATE_LIMIT."""
    settings.API_ADDRESS_RATE_LIMIT = "2/m"
    referral = submit().referral
    url = f"/api/v1/referrals/{referral.reference}"
    keys = [ApiToken.issue(user=user, name="Logiciel")[1] for user in (gp, other_gp, gp)]
    statuses = [client.get(url, HTTP_AUTHORIZATION=f"Bearer {key}").status_code for key in keys]
    assert statuses[2] == 429 and statuses[0] == 200


def test_it_does_not_throttle_a_refused_token_as_a_success(client, db, clock):
    """A call without a valid token is still a 401, not a 429 or a 500."""
    assert client.get("/api/v1/referrals/JAL-2026-000001", HTTP_AUTHORIZATION="Bearer faux").status_code == 401


def test_it_lets_logins_through_when_the_cache_is_down(client, gp, monkeypatch, caplog, clock):
    """A cache server down (a connection error) neither locks everyone out nor answers 500."""
    from django.core.cache import cache

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "add", down)
    monkeypatch.setattr(cache, "get", down)
    assert client.post(LOGIN, {"username": gp.username, "password": PASSWORD}).status_code == 302
    assert "the cache did not answer" in caplog.text


def test_it_limits_the_other_pages_that_take_a_password(client, gp, settings, clock):
    """The password confirmation and the password change count against the same attempts rate."""
    settings.LOGIN_RATE_LIMIT = "2/m"
    client.force_login(gp)
    for _ in range(2):
        assert client.post(reverse("accounts:reauth"), {"password": "mauvais"}).status_code == 400
    assert client.post(reverse("accounts:reauth"), {"password": PASSWORD}).status_code == 429
    response = client.post(
        reverse("accounts:password_change"), {"old_password": "mauvais", "new_password1": "x", "new_password2": "x"}
    )
    assert response.status_code == 429 and "Trop de tentatives de connexion" in page_text(response)


def test_it_sends_the_admin_login_to_jalons_login(client, gp, admin_user):
    """The admin's own login form is not served (it would bypass the limits): Jalon's login, then the admin."""
    response = client.get("/admin/login/?next=/admin/accounts/user/")
    assert response.url == f"{LOGIN}?next=/admin/accounts/user/"
    assert client.post("/admin/login/", {"username": admin_user.username, "password": PASSWORD}).status_code == 302
    assert "_auth_user_id" not in client.session
    client.force_login(gp)
    assert client.get("/admin/login/").status_code == 403
    assert client.get("/admin/").url.startswith("/admin/login/")
