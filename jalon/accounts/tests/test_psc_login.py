"""Login with Pro Santé Connect, against a local OpenID Connect provider the tests start (oidc_provider.py)."""

from __future__ import annotations

import html
import time
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.conf import settings as django_settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import reverse

from jalon.accounts.models import AuditRecord, User
from jalon.accounts.psc import rpps_from_claim
from jalon.accounts.tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider
from jalon.accounts.two_factor import SESSION_KEY

REFUSED = "La connexion avec Pro Santé Connect a échoué"


@pytest.fixture(scope="module")
def provider():
    running = OidcProvider().start()
    yield running
    running.stop()


@pytest.fixture
def psc(provider, settings, gp):
    """Jalon configured for the local provider, which vouches for the GP's RPPS."""
    provider.reset()
    settings.PSC_ISSUER = provider.url
    settings.PSC_CLIENT_ID = CLIENT_ID
    settings.PSC_CLIENT_SECRET = CLIENT_SECRET
    provider.behaviour.national_id = "8" + gp.professional.rpps
    return provider


def start(client) -> str:
    """Press « Se connecter avec Pro Santé Connect »; returns the provider's authorisation URL."""
    response = client.post(reverse("accounts:psc_login"))
    assert response.status_code == 302
    return response.url


def through_provider(authorize_url: str) -> str:
    """The person logs in at the provider, which sends the browser back: returns Jalon's callback path."""
    answer = requests.get(authorize_url, allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    callback = urlparse(answer.headers["Location"])
    return f"{callback.path}?{callback.query}"


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")


def page_text(response) -> str:
    return html.unescape(response.content.decode())


# --- Success ---------------------------------------------------------------------------------------


def test_it_logs_a_professional_in_by_rpps(client, psc, gp):
    """PKCE, state and nonce sent; the ID token checked; the GP logged in, second factor passed, audited."""
    authorize_url = start(client)
    asked = parse_qs(urlparse(authorize_url).query)
    assert asked["code_challenge_method"] == ["S256"] and asked["state"] and asked["nonce"]
    assert asked["acr_values"] == ["eidas1"] and "openid" in asked["scope"][0].split()
    response = client.get(through_provider(authorize_url))
    assert response.status_code == 302 and response.url == reverse("accounts:home")
    assert logged_in_user_id(client) == str(gp.pk)
    assert client.session[SESSION_KEY] == "pro_sante_connect"
    assert psc.token_requests[-1]["code_verifier"]
    assert AuditRecord.objects.filter(actor=gp, object_type="login_pro_sante_connect").count() == 1
    assert client.get(reverse("portal:patients")).status_code == 200


def test_it_accepts_an_audience_list_naming_jalon(client, psc, gp):
    """An ID token for several audiences, Jalon's client among them, with azp naming Jalon: accepted."""
    psc.behaviour.claim_overrides = {"aud": [CLIENT_ID, "un-autre-client"], "azp": CLIENT_ID}
    client.get(through_provider(start(client)))
    assert logged_in_user_id(client) == str(gp.pk)


def test_it_counts_psc_as_the_second_factor_of_a_coordinator(client, psc, coordinator):
    """A coordinator without a TOTP device who logs in with PSC reaches the worklist (PSC is strong authentication)."""
    psc.behaviour.national_id = "8" + coordinator.professional.rpps
    client.get(through_provider(start(client)))
    assert logged_in_user_id(client) == str(coordinator.pk)
    assert client.get(reverse("coordination:worklist")).status_code == 200


def test_it_shows_the_button_only_when_configured(client, provider, settings):
    """No PSC settings: no button, and its address answers 404."""
    settings.PSC_ISSUER = ""
    page = page_text(client.get(reverse("accounts:login")))
    assert "Se connecter avec Pro Santé Connect" not in page
    assert client.post(reverse("accounts:psc_login")).status_code == 404
    assert client.get(reverse("accounts:psc_callback")).status_code == 404
    settings.PSC_ISSUER, settings.PSC_CLIENT_ID, settings.PSC_CLIENT_SECRET = provider.url, CLIENT_ID, CLIENT_SECRET
    assert "Se connecter avec Pro Santé Connect" in page_text(client.get(reverse("accounts:login")))


# --- Refusals: each leaves nobody logged in --------------------------------------------------------


@pytest.mark.parametrize(
    "misbehaviour",
    [
        pytest.param({"forge_signature": True}, id="forged-signature"),
        pytest.param(
            {"claim_overrides": {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}}, id="expired"
        ),
        pytest.param({"claim_overrides": {"aud": "un-autre-client"}}, id="wrong-audience"),
        pytest.param({"claim_overrides": {"aud": "un-autre-client", "azp": CLIENT_ID}}, id="wrong-audience-with-azp"),
        pytest.param({"claim_overrides": {"aud": ["un-autre-client"], "azp": CLIENT_ID}}, id="wrong-audience-list"),
        pytest.param({"claim_overrides": {"iss": None}}, id="no-issuer"),
        pytest.param({"claim_overrides": {"iss": "https://faux-fournisseur.example"}}, id="wrong-issuer"),
        pytest.param({"nonce": "un-nonce-jamais-demande"}, id="other-nonce"),
        pytest.param({"userinfo_subject": "quelqu-un-d-autre"}, id="userinfo-about-someone-else"),
    ],
)
def test_it_refuses_a_bad_id_token(client, psc, misbehaviour):
    """Forged signature, expired, wrong audience or issuer, another nonce, userinfo about someone else: refused in
    French."""
    for name, value in misbehaviour.items():
        setattr(psc.behaviour, name, value)
    response = client.get(through_provider(start(client)))
    assert response.status_code == 403
    assert REFUSED in page_text(response)
    assert logged_in_user_id(client) is None


def test_it_refuses_a_bad_state(client, psc):
    """A callback whose state is not the one this browser was given is refused."""
    path = through_provider(start(client))
    response = client.get(path.replace("state=", "state=x"))
    assert response.status_code == 403 and REFUSED in page_text(response)
    assert logged_in_user_id(client) is None


def test_it_refuses_a_callback_from_another_browser(client, psc):
    """A callback URL opened in a browser that did not start the login (login CSRF) is refused."""
    path = through_provider(start(client))
    other = Client()
    response = other.get(path)
    assert response.status_code == 403
    assert other.session.get("_auth_user_id") is None


def test_it_refuses_a_replayed_callback(client, psc, gp):
    """The same callback twice: the second finds no state (state and nonce serve once)."""
    path = through_provider(start(client))
    client.get(path)
    client.post(reverse("accounts:logout"))
    response = client.get(path)
    assert response.status_code == 403
    assert logged_in_user_id(client) is None


def test_it_refuses_the_nonce_of_an_earlier_login(client, psc, gp):
    """A provider answer carrying the nonce of an earlier login is refused."""
    client.get(through_provider(start(client)))
    earlier_nonce = psc.nonces_issued[-1]
    client.post(reverse("accounts:logout"))
    psc.behaviour.nonce = earlier_nonce
    response = client.get(through_provider(start(client)))
    assert response.status_code == 403
    assert logged_in_user_id(client) is None


def test_it_refuses_a_nonce_seen_once_even_with_its_state(client, psc, gp):
    """A copy of the pre-login session replaying the same answer (the provider accepting the code twice): refused."""
    psc.behaviour.codes_single_use = False
    path = through_provider(start(client))
    copy = SessionStore()
    copy.update(dict(client.session.items()))
    copy.create()
    thief = Client()
    thief.cookies[django_settings.SESSION_COOKIE_NAME] = copy.session_key
    client.get(path)
    assert logged_in_user_id(client) == str(gp.pk)
    response = thief.get(path)
    assert response.status_code == 403
    assert thief.session.get("_auth_user_id") is None


def test_it_refuses_an_unknown_rpps_without_creating_an_account(client, psc):
    """An RPPS with no Jalon user: a French refusal, no account created, nobody logged in."""
    psc.behaviour.national_id = "810000000008"
    users = User.objects.count()
    response = client.get(through_provider(start(client)))
    assert response.status_code == 403
    assert "Aucun compte Jalon n'est associé au numéro RPPS 10000000008" in page_text(response)
    assert User.objects.count() == users
    assert logged_in_user_id(client) is None


def test_it_refuses_an_answer_without_rpps(client, psc):
    """No national identifier in the answer: refused."""
    psc.behaviour.national_id = None
    response = client.get(through_provider(start(client)))
    assert response.status_code == 403 and "pas transmis de numéro RPPS" in page_text(response)


def test_it_refuses_a_deactivated_account(client, psc, gp):
    """The RPPS of a deactivated user opens nothing."""
    User.objects.filter(pk=gp.pk).update(is_active=False)
    response = client.get(through_provider(start(client)))
    assert response.status_code == 403 and logged_in_user_id(client) is None


def test_it_refuses_an_error_from_the_provider(client, psc):
    """The provider answering « access_denied » (the person cancelled): refused in French."""
    start(client)
    response = client.get(reverse("accounts:psc_callback"), {"error": "access_denied", "state": "x"})
    assert response.status_code == 403 and REFUSED in page_text(response)


def test_it_says_when_the_provider_is_unreachable(client, settings):
    """A provider that does not answer: a French message, no 500."""
    settings.PSC_ISSUER, settings.PSC_CLIENT_ID, settings.PSC_CLIENT_SECRET = (
        "http://127.0.0.1:9",
        CLIENT_ID,
        CLIENT_SECRET,
    )
    response = client.post(reverse("accounts:psc_login"))
    assert response.status_code == 403
    assert "Pro Santé Connect ne répond pas" in page_text(response)


def test_it_sends_a_get_of_the_login_address_to_the_login_page(client, psc):
    """Only the button's POST starts a login: a link cannot start one in someone's browser."""
    assert client.get(reverse("accounts:psc_login")).url == reverse("accounts:login")


@pytest.mark.parametrize(
    "claim, rpps",
    [
        ("810001234567", "10001234567"),
        ("10001234567", "10001234567"),
        ("8100012345", None),
        ("", None),
        (None, None),
        ("８10001234567", None),
    ],
)
def test_it_reads_the_rpps_of_psc_national_identifier(claim, rpps):
    """ "8" + RPPS, or the RPPS alone; anything else is no RPPS."""
    assert rpps_from_claim(claim) == rpps
