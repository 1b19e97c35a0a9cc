"""Sessions in a real browser: the portal's live part polls with the poll header and, once the session is
over, the whole page goes to the login page (not a login form inside the fragment); a manager whose
password proof is old confirms it, then sends the kept message text again with one click."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from jalon.accounts.sessions import ACTIVE_AT, AUTH_AT
from jalon.messaging.notify import current_template
from jalon.pathways.tests.factories import pathway_build
from jalon.pathways.tests.test_pathway_pages import lung_template_version
from jalon.portal.views import LIVE_TOKEN_SECONDS
from tests.browser.conftest import PASSWORD, login, server_idle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def age_session(page, key: str, seconds: int) -> None:
    """Move one of the browser's session stamps `seconds` into the past, as if that time had gone by.

    Written between two of the live server's requests (`server_idle`): the portal page polls every second,
    and on SQLite's shared in-memory connection a write during a poll failed with « database table is locked »."""
    session_key = next(cookie["value"] for cookie in page.context.cookies() if cookie["name"] == "sessionid")
    with server_idle():
        session = SessionStore(session_key)
        session[key] = session[key] - seconds
        session.save()


def test_it_sends_an_idle_portal_page_to_the_login_page(new_page, gp, coordinator, submit, settings):
    """The portal's poll carries X-Jalon-Poll; past the idle time the next poll takes the page to login."""
    settings.PORTAL_REFRESH_SECONDS = 1
    lung_template_version()
    referral = pathway_build(submit, user=coordinator).referral
    doctor = new_page()
    login(doctor, gp.username)
    doctor.goto(reverse("portal:patient", args=[referral.reference]))
    with doctor.expect_request(lambda request: "/direct/" in request.url) as poll:
        pass
    assert poll.value.headers.get("x-jalon-poll") == "1"

    age_session(doctor, ACTIVE_AT, settings.SESSION_COOKIE_AGE + 60)
    # A poll whose page cannot have changed answers 204 before the session is read (accounts.freshness); its
    # token holds at most LIVE_TOKEN_SECONDS (or until the session's end, when the clock really moves): past
    # it, the next poll reaches the session policy.
    with time_machine.travel(timezone.now() + timedelta(seconds=LIVE_TOKEN_SECONDS + 60)):
        expect(doctor.get_by_role("heading", name="Connexion à Jalon")).to_be_visible()
        expect(doctor.get_by_text("Votre session a expiré après une période d'inactivité")).to_be_visible()
    assert "next=" in doctor.url and referral.reference in doctor.url


def test_it_asks_a_stale_manager_for_the_password_and_keeps_the_text(new_page, manager, cpts, settings):
    """Publishing their organisation's text with an old proof: « Confirmez votre mot de passe », then « Envoyer à
    nouveau » publishes the typed text."""
    page = new_page()
    login(page, manager.username)
    page.goto(reverse("notifications:template_edit_organization", args=[cpts.pk, "stay.admission"]))
    page.get_by_label("Nature de la modification").fill("Texte plus court")
    age_session(page, AUTH_AT, settings.REAUTH_MAX_AGE_SECONDS + 60)
    page.get_by_role("button", name="Publier la nouvelle version").click()

    expect(page.get_by_role("heading", name="Confirmez votre mot de passe")).to_be_visible()
    assert current_template("stay.admission", cpts.pk).organization_id is None  # nothing published yet
    page.get_by_label("Mot de passe").fill("mauvais")
    page.get_by_role("button", name="Confirmer").click()
    expect(page.get_by_text("Mot de passe incorrect.")).to_be_visible()
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Confirmer").click()

    expect(page.get_by_role("heading", name="Mot de passe confirmé")).to_be_visible()
    page.get_by_role("button", name="Envoyer à nouveau").click()
    expect(page.get_by_text("publiée : les prochains messages l'utilisent")).to_be_visible()
    template = current_template("stay.admission", cpts.pk)
    assert (template.organization_id, template.change_note) == (cpts.pk, "Texte plus court")
