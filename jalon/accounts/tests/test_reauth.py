"""Re-authentication before sensitive actions: asked after 15 minutes, not before; the action resumes after."""

import html
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from jalon.accounts.models import Role
from jalon.accounts.reauth import PENDING_POST
from jalon.core.actor import Actor
from jalon.messaging.models import NotificationTemplate
from jalon.testing.second_factor import mark_client_verified
from jalon.triage.models import TriageRuleSet
from jalon.triage.rule_services import rule_set_create_draft

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
PASSWORD = "motdepasse-de-test"
NOTIFICATION_EDIT = reverse("notifications:template_edit", args=["referral.accepted"])
TEXTS = {
    "subject": "Demande {reference} acceptée par {guichet}",
    "body": "Bonjour {destinataire},\nLa demande de {patient} est acceptée.\n{lien}",
    "notice": "Jalon : demande {reference} acceptée. {lien}",
    "change_note": "Ton plus direct",
    "action": "publish",
}


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def draft(manager):
    return rule_set_create_draft(actor=Actor(user=manager))


def reauth_url(next_path: str) -> str:
    from urllib.parse import urlencode

    return f"{reverse('accounts:reauth')}?{urlencode({'next': next_path})}"


def published_versions() -> int:
    return NotificationTemplate.objects.filter(kind="referral.accepted").count()


def test_it_lets_a_fresh_login_publish_without_asking(client, manager, draft, clock):
    """14 minutes after login the password is not asked again."""
    client.force_login(manager)
    clock.move_to(T0 + timedelta(minutes=14))
    response = client.post(reverse("triage_rules:publish", args=[draft.version]))
    assert response.url == reverse("triage_rules:rule_set", args=[draft.version])
    draft.refresh_from_db()
    assert draft.published_at is not None


def test_it_asks_again_after_15_minutes_then_comes_back_to_the_page(client, manager, draft, clock):
    """At 15 minutes publishing goes to « Confirmez votre mot de passe », publishes nothing, and after the
    password offers the same action again, which then publishes."""
    client.force_login(manager)
    clock.move_to(T0 + timedelta(minutes=15))
    page = reverse("triage_rules:rule_set", args=[draft.version])
    publish = reverse("triage_rules:publish", args=[draft.version])
    response = client.post(publish, HTTP_REFERER=f"http://testserver{page}")
    assert response.url == reauth_url(page)
    draft.refresh_from_db()
    assert draft.published_at is None

    form_page = client.get(response.url)
    assert "Confirmez votre mot de passe" in form_page.content.decode()
    confirmed = client.post(response.url, {"password": PASSWORD, "next": page})
    text = html.unescape(confirmed.content.decode())
    assert confirmed.status_code == 200 and "Mot de passe confirmé" in text
    assert f'action="{publish}"' in text and "Envoyer à nouveau" in text
    assert client.post(publish).url == page
    draft.refresh_from_db()
    assert draft.published_at is not None


def test_it_keeps_what_was_typed_in_a_publishing_form(client, admin_user, clock):
    """The notification texts sent while stale come back as the fields of the form sent again (region-wide
    texts: an admin's)."""
    client.force_login(admin_user)
    clock.move_to(T0 + timedelta(minutes=20))
    before = published_versions()
    response = client.post(NOTIFICATION_EDIT, TEXTS, HTTP_REFERER=f"http://testserver{NOTIFICATION_EDIT}")
    assert response.url == reauth_url(NOTIFICATION_EDIT)
    assert published_versions() == before
    confirmed = client.post(response.url, {"password": PASSWORD, "next": NOTIFICATION_EDIT})
    kept = [tuple(field) for field in confirmed.context["pending"]["fields"]]
    assert ("body", TEXTS["body"]) in kept and ("action", "publish") in kept
    assert all(name != "csrfmiddlewaretoken" for name, _value in kept)
    assert client.post(NOTIFICATION_EDIT, dict(kept)).status_code == 302
    assert published_versions() == before + 1


def test_it_does_not_ask_for_a_preview(client, admin_user, clock):
    """« Aperçu » on the same page is not sensitive: no password asked after 20 minutes."""
    client.force_login(admin_user)
    clock.move_to(T0 + timedelta(minutes=20))
    assert client.post(NOTIFICATION_EDIT, {**TEXTS, "action": "preview"}).status_code == 200


def test_it_asks_before_a_row_export_and_then_downloads_it(client, manager, clock):
    """A row export (GET) after 15 minutes goes to the confirmation, then back to the export itself."""
    client.force_login(manager)
    clock.move_to(T0 + timedelta(minutes=16))
    export = reverse("indicators:rows_csv", args=["referral_to_first_care"]) + "?start=2026-01-01&end=2026-02-28"
    response = client.get(export)
    assert response.url == reauth_url(export)
    confirmed = client.post(response.url, {"password": PASSWORD, "next": export})
    assert confirmed.url == export
    assert client.get(export)["Content-Type"].startswith("text/csv")


def test_it_asks_before_a_role_change_in_the_admin_and_keeps_no_password(client, admin_user, gp, clock):
    """Saving an account in the admin asks again; the kept fields never include a password."""
    client.force_login(admin_user)
    clock.move_to(T0 + timedelta(minutes=30, seconds=-1))
    client.get(reverse("accounts:home"))
    clock.move_to(T0 + timedelta(minutes=45))
    change = reverse("admin:accounts_user_change", args=[gp.pk])
    response = client.post(change, {"username": gp.username, "role": Role.MANAGER, "password": "x", "is_active": "on"})
    assert response.url == reauth_url(reverse("accounts:home"))
    gp.refresh_from_db()
    assert gp.role == Role.REFERRER
    kept = dict(client.session[PENDING_POST]["fields"])
    assert kept["role"] == Role.MANAGER and "password" not in kept
    assert client.get(change).status_code == 200


def test_it_refuses_a_wrong_password_in_french_and_changes_nothing(client, manager, draft, clock):
    """A wrong password: 400, « Mot de passe incorrect », still stale."""
    client.force_login(manager)
    clock.move_to(T0 + timedelta(minutes=16))
    page = reverse("triage_rules:rule_set", args=[draft.version])
    response = client.post(reverse("accounts:reauth"), {"password": "mauvais", "next": page})
    assert response.status_code == 400 and "Mot de passe incorrect" in response.content.decode()
    assert client.post(reverse("triage_rules:publish", args=[draft.version])).url.startswith(reverse("accounts:reauth"))
    draft.refresh_from_db()
    assert draft.published_at is None


@pytest.mark.parametrize("wanted", ["https://evil.example/", "//evil.example/x", "x", ""])
def test_it_sends_back_only_to_a_page_of_this_site(client, manager, clock, wanted):
    """A « next » outside the site: home after the confirmation."""
    client.force_login(manager)
    response = client.post(reverse("accounts:reauth"), {"password": PASSWORD, "next": wanted})
    assert response.url == reverse("accounts:home")


def test_it_keeps_outsiders_out_before_asking_anything(client, gp, draft, clock):
    """A GP publishing gets 403 at once, not a password prompt; the confirmation page wants a login."""
    client.force_login(gp)
    clock.move_to(T0 + timedelta(minutes=16))
    assert client.post(reverse("triage_rules:publish", args=[draft.version])).status_code == 403
    assert TriageRuleSet.objects.filter(pk=draft.pk, published_at__isnull=True).exists()
    client.logout()
    assert client.get(reverse("accounts:reauth")).url.startswith(reverse("accounts:login"))


def test_it_sends_a_stale_htmx_request_to_the_confirmation_page(client, admin_user, clock):
    """An htmx request that needs the password redirects the whole page (HX-Redirect)."""
    client.force_login(admin_user)
    clock.move_to(T0 + timedelta(minutes=16))
    response = client.post(
        NOTIFICATION_EDIT, TEXTS, HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=f"http://testserver{NOTIFICATION_EDIT}"
    )
    assert response["HX-Redirect"] == reauth_url(NOTIFICATION_EDIT)


def test_it_refreshes_the_proof_on_login(client, manager, draft, clock):
    """Logging in again with the form counts as a fresh proof."""
    client.force_login(manager)
    clock.move_to(T0 + timedelta(minutes=40))
    client.logout()
    client.post(reverse("accounts:login"), {"username": manager.username, "password": PASSWORD})
    mark_client_verified(client)  # the TOTP step, tested on its own in test_two_factor.py
    assert client.post(reverse("triage_rules:publish", args=[draft.version])).status_code == 302
    draft.refresh_from_db()
    assert draft.published_at is not None


def test_it_asks_a_manager_publishing_their_organisations_text(client, manager, cpts, clock):
    """A manager publishing their organisation's text after 16 minutes confirms the password first; nothing is
    published."""
    client.force_login(manager)
    clock.move_to(T0 + timedelta(minutes=16))
    url = reverse("notifications:template_edit_organization", args=[cpts.pk, "referral.accepted"])
    before = published_versions()
    response = client.post(url, TEXTS, HTTP_REFERER=f"http://testserver{url}")
    assert response.status_code == 302 and response.url == reauth_url(url)
    assert published_versions() == before


@pytest.mark.parametrize(("seconds", "said"), [(60, "après 1 minute."), (900, "après 15 minutes.")])
def test_it_says_the_delay_with_the_right_plural(client, manager, clock, settings, seconds, said):
    """« après 1 minute », « après 15 minutes » (it said « 1 minutes »)."""
    settings.REAUTH_MAX_AGE_SECONDS = seconds
    client.force_login(manager)
    mark_client_verified(client)

    assert said in client.get(reauth_url("/")).content.decode()
