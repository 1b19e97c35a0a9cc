"""The second factor in a real browser: a manager enrols TOTP at first login, keeps the recovery codes, logs
out, logs in again with a code of the application, and is refused a wrong code in French."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from jalon.testing.second_factor import totp_code
from tests.browser.conftest import PASSWORD, fill_login_form, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def clock():
    """A ticking clock the test moves past django-otp's wait after a wrong code (no sleep)."""
    with time_machine.travel(timezone.now(), tick=True) as traveller:
        yield traveller


def test_it_lets_a_manager_enrol_totp_and_log_in_with_it(page, manager, clock):
    """First login: held at enrolment (QR code, secret in text), confirmed with a code, ten recovery codes;
    then a new login asks the code, refuses a wrong one and opens the audit page with the right one."""
    fill_login_form(page, manager.username, PASSWORD)
    expect(page.get_by_role("heading", name="Activer la double authentification")).to_be_visible()
    expect(page.get_by_role("img", name="QR code à scanner avec votre application d’authentification")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text()
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", secret)

    # Nothing else is reachable before enrolment.
    page.goto(reverse("accounts:audit"))
    expect(page.get_by_role("heading", name="Activer la double authentification")).to_be_visible()

    device = TOTPDevice.objects.get(user=manager, confirmed=False)
    page.get_by_label("Code à 6 chiffres").fill(wrong_code(device))
    page.get_by_role("button", name="Activer").click()
    expect(page.locator(".errors-summary, .errors").filter(has_text="Code incorrect").first).to_be_visible()
    clock.shift(timedelta(seconds=2))  # django-otp makes the device wait a second after a wrong code

    page.get_by_label("Code à 6 chiffres").fill(totp_code(device))
    page.get_by_role("button", name="Activer").click()
    expect(page.get_by_role("heading", name="Vos codes de secours")).to_be_visible()
    expect(page.get_by_role("list", name="Codes de secours").get_by_role("listitem")).to_have_count(10)
    screenshot(page, "two-factor-recovery-codes")
    page.get_by_role("link", name="J'ai noté mes codes, continuer").click()
    expect(page.get_by_role("heading", name="Journal d'audit")).to_be_visible()

    page.get_by_role("button", name="Se déconnecter").click()
    fill_login_form(page, manager.username, PASSWORD)
    expect(page.get_by_role("heading", name="Vérification en deux étapes")).to_be_visible()
    page.get_by_label("Code de vérification").fill(wrong_code(device))
    page.get_by_role("button", name="Vérifier").click()
    expect(page.locator(".errors-summary, .errors").filter(has_text="Code incorrect ou expiré").first).to_be_visible()
    clock.shift(timedelta(seconds=2))

    # The enrolment's code served once; the next period's is accepted (django-otp tolerates one period of drift).
    page.get_by_label("Code de vérification").fill(totp_code(device, offset_steps=1))
    page.get_by_role("button", name="Vérifier").click()
    expect(page.get_by_role("heading", name="Journal d'audit")).to_be_visible()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def wrong_code(device) -> str:
    """A code the application does not show now, nor one period before or after."""
    shown = {totp_code(device, offset_steps=offset) for offset in (-1, 0, 1, 2)}
    return next(f"{number:06d}" for number in range(1_000_000) if f"{number:06d}" not in shown)
