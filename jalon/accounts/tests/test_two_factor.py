"""The second factor: enrolment, the code after the password, recovery codes, removal, and the gate."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from jalon.accounts.models import AuditRecord, Role, User
from jalon.accounts.two_factor import SESSION_KEY
from jalon.testing.factories import UserFactory
from jalon.testing.second_factor import recovery_code_for, totp_code, totp_device_for

PASSWORD = "motdepasse-de-test"


def password_login(client, user, next_url=""):
    """Log in through the login form (the real gate, unlike the suite's force_login)."""
    data = {"username": user.username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("accounts:login"), data)


@pytest.fixture
def clock():
    """A clock that tests move by whole TOTP periods (a code serves once per period)."""
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


# --- The gate ------------------------------------------------------------------------------------


def test_it_sends_a_coordinator_without_device_to_enrolment_and_nowhere_else(client, coordinator):
    """A coordinator with a password only reaches neither the worklist nor a patient page, only enrolment."""
    password_login(client, coordinator)
    response = client.get(reverse("coordination:worklist"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:two_factor_enrol"))
    assert client.get(reverse("accounts:audit")).url.startswith(reverse("accounts:two_factor_enrol"))
    assert client.get(reverse("accounts:two_factor")).url.startswith(reverse("accounts:two_factor_enrol"))
    assert client.get(reverse("accounts:two_factor_enrol")).status_code == 200


@pytest.mark.parametrize("persona", ["manager", "admin_user"])
def test_it_requires_enrolment_for_managers_and_admins(client, request, persona):
    """Managers and admins are held at enrolment too."""
    password_login(client, request.getfixturevalue(persona))
    assert client.get(reverse("accounts:home")).url.startswith(reverse("accounts:two_factor_enrol"))


def test_it_requires_enrolment_for_a_superuser_of_any_role(client, db):
    """`createsuperuser` gives the default role (referrer): the admin site still needs the second factor."""
    superuser = UserFactory(username="racine", role=Role.REFERRER, professional=None, is_staff=True, is_superuser=True)
    password_login(client, superuser)
    assert client.get(reverse("admin:index")).url.startswith(reverse("accounts:two_factor_enrol"))


def test_it_answers_htmx_polls_of_a_held_session_with_a_redirect_header(client, coordinator):
    """A background poll of a session held at the second factor gets HX-Redirect, not the worklist."""
    password_login(client, coordinator)
    response = client.get(reverse("coordination:worklist"), headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("accounts:two_factor_enrol")


def test_it_lets_a_gp_without_device_in(client, gp):
    """Second factor is optional for referrers: no device, straight to their page."""
    password_login(client, gp)
    assert client.get(reverse("portal:patients")).status_code == 200


def test_it_checks_a_gp_without_device_once_per_session(client, gp):
    """Once a page found that no second factor is needed, the next pages and polls look up no device."""
    password_login(client, gp)
    client.get(reverse("portal:patients"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("portal:patients")).status_code == 200
    assert not [query for query in queries if "otp_totp_totpdevice" in query["sql"]]


def test_it_checks_again_when_the_role_changes_within_the_session(client, gp):
    """A GP who needed no second factor, made coordinator during the session, is held at enrolment."""
    password_login(client, gp)
    assert client.get(reverse("portal:patients")).status_code == 200
    User.objects.filter(pk=gp.pk).update(role=Role.COORDINATOR)
    assert client.get(reverse("coordination:worklist")).url.startswith(reverse("accounts:two_factor_enrol"))


def test_it_lets_a_coordinator_in_when_the_requirement_is_off(client, coordinator, settings):
    """JALON_REQUIRE_2FA off (the demo of `make run`): no enrolment required."""
    settings.JALON_REQUIRE_2FA = False
    password_login(client, coordinator)
    assert client.get(reverse("coordination:worklist")).status_code == 200


def test_it_still_asks_an_enrolled_user_when_the_requirement_is_off(client, coordinator, settings):
    """Whoever enrolled gives a code at every login, required or not."""
    settings.JALON_REQUIRE_2FA = False
    totp_device_for(coordinator)
    password_login(client, coordinator)
    assert client.get(reverse("coordination:worklist")).url.startswith(reverse("accounts:two_factor_verify"))


def test_it_leaves_anonymous_visitors_to_the_login_page(client):
    """No session, no second factor: the usual login redirect."""
    assert reverse("accounts:login") in client.get(reverse("coordination:worklist")).url


# --- Enrolment -----------------------------------------------------------------------------------


def test_it_enrols_a_coordinator_and_shows_ten_recovery_codes_once(client, coordinator, clock):
    """QR code and secret in text, a first code confirms, ten recovery codes shown once, then the worklist."""
    password_login(client, coordinator)
    page = client.get(reverse("accounts:two_factor_enrol")).content.decode()
    assert "<svg" in page and 'id="totp-secret"' in page and "<script" not in page.split("</head>")[1]
    device = TOTPDevice.objects.get(user=coordinator, confirmed=False)
    secret = re.search(r'id="totp-secret" class="secret">([A-Z2-7 ]+)<', page).group(1)
    assert len(secret.replace(" ", "")) == 32

    response = client.post(
        reverse("accounts:two_factor_enrol"), {"code": totp_code(device), "next": reverse("coordination:worklist")}
    )
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    codes_page = client.get(response.url).content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", codes_page)
    assert len(codes) == 10
    assert set(StaticToken.objects.filter(device__user=coordinator).values_list("token", flat=True)) == set(codes)
    assert reverse("coordination:worklist") in codes_page
    assert client.get(response.url).status_code == 302  # never shown twice
    assert client.get(reverse("coordination:worklist")).status_code == 200
    assert AuditRecord.objects.filter(actor=coordinator, object_type="second_factor", action="create").count() == 1


def test_it_refuses_a_wrong_enrolment_code_in_french(client, coordinator):
    """A wrong first code leaves the device unconfirmed and says so in French."""
    password_login(client, coordinator)
    client.get(reverse("accounts:two_factor_enrol"))
    response = client.post(reverse("accounts:two_factor_enrol"), {"code": "000000"})
    assert response.status_code == 200
    assert "Code incorrect" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=coordinator, confirmed=True).exists()
    assert client.get(reverse("coordination:worklist")).status_code == 302


@pytest.mark.parametrize("code", ["", "x" * 40, "abcdef", "12 34 5"])
def test_it_refuses_malformed_enrolment_codes(client, coordinator, code):
    """Empty, too long or malformed codes: a French message, nothing confirmed, no 500."""
    password_login(client, coordinator)
    client.get(reverse("accounts:two_factor_enrol"))
    response = client.post(reverse("accounts:two_factor_enrol"), {"code": code})
    assert response.status_code == 200
    assert 'class="errors-summary"' in response.content.decode()
    assert not TOTPDevice.objects.filter(user=coordinator, confirmed=True).exists()


def test_it_keeps_the_same_secret_while_enrolment_is_pending(client, coordinator):
    """Reloading the enrolment page keeps the device already scanned."""
    password_login(client, coordinator)
    client.get(reverse("accounts:two_factor_enrol"))
    client.get(reverse("accounts:two_factor_enrol"))
    assert TOTPDevice.objects.filter(user=coordinator).count() == 1


def test_it_does_not_let_a_held_session_enrol_a_new_device(client, coordinator):
    """Someone with the password only cannot replace the enrolled device: enrolment sends them to the code."""
    totp_device_for(coordinator)
    password_login(client, coordinator)
    response = client.get(reverse("accounts:two_factor_enrol"))
    assert response.url == reverse("accounts:two_factor_verify")
    client.post(reverse("accounts:two_factor_enrol"), {"code": "123456"})
    assert TOTPDevice.objects.filter(user=coordinator).count() == 1


# --- Login with a code ---------------------------------------------------------------------------


def test_it_logs_in_with_a_totp_code(client, coordinator, clock):
    """Password, then the code of the application: the worklist opens."""
    device = totp_device_for(coordinator)
    response = password_login(client, coordinator, next_url=reverse("coordination:worklist"))
    held = client.get(response.url)
    assert held.url.startswith(reverse("accounts:two_factor_verify"))
    response = client.post(
        reverse("accounts:two_factor_verify"), {"code": totp_code(device), "next": reverse("coordination:worklist")}
    )
    assert response.url == reverse("coordination:worklist")
    assert client.session[SESSION_KEY] == "totp"
    assert client.get(reverse("coordination:worklist")).status_code == 200


def test_it_refuses_a_wrong_code_in_french(client, coordinator, clock):
    """A wrong code is refused with a French message and the session stays held."""
    device = totp_device_for(coordinator)
    password_login(client, coordinator)
    right = totp_code(device)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    page = client.post(reverse("accounts:two_factor_verify"), {"code": wrong}).content.decode()
    assert "Code incorrect ou expiré" in page
    assert SESSION_KEY not in client.session
    assert client.get(reverse("coordination:worklist")).status_code == 302


def test_it_throttles_repeated_wrong_codes(client, coordinator, clock):
    """After a wrong code even the right one waits a moment (django-otp's throttling, committed despite the refusal)."""
    device = totp_device_for(coordinator)
    password_login(client, coordinator)
    right = totp_code(device)
    client.post(reverse("accounts:two_factor_verify"), {"code": f"{(int(right) + 1) % 1_000_000:06d}"})
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    page = client.post(reverse("accounts:two_factor_verify"), {"code": right}).content.decode()
    assert "Trop de codes erronés" in page
    assert SESSION_KEY not in client.session
    clock.shift(timedelta(seconds=2))
    response = client.post(reverse("accounts:two_factor_verify"), {"code": totp_code(device)})
    assert response.status_code == 302 and client.session[SESSION_KEY] == "totp"


def test_it_refuses_a_code_used_twice(client, coordinator, clock):
    """A code seen once is refused on a second login within the same period (replay)."""
    device = totp_device_for(coordinator)
    password_login(client, coordinator)
    code = totp_code(device)
    client.post(reverse("accounts:two_factor_verify"), {"code": code})
    client.post(reverse("accounts:logout"))
    password_login(client, coordinator)
    page = client.post(reverse("accounts:two_factor_verify"), {"code": code}).content.decode()
    assert "Code incorrect ou expiré" in page
    clock.shift(timedelta(seconds=30))
    assert client.post(reverse("accounts:two_factor_verify"), {"code": totp_code(device)}).status_code == 302


def test_it_accepts_a_recovery_code_once(client, coordinator, clock):
    """A recovery code opens one session, is consumed, audited, and refused the next time."""
    totp_device_for(coordinator)
    code = recovery_code_for(coordinator)
    password_login(client, coordinator)
    response = client.post(reverse("accounts:two_factor_verify"), {"code": code.upper()})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == "recovery_code"
    assert (
        "Code de secours utilisé : il vous en reste 0"
        in client.get(reverse("coordination:worklist"), follow=True).content.decode()
    )
    assert AuditRecord.objects.filter(actor=coordinator, object_type="recovery_code_used").count() == 1
    client.post(reverse("accounts:logout"))
    clock.shift(timedelta(seconds=10))
    password_login(client, coordinator)
    page = client.post(reverse("accounts:two_factor_verify"), {"code": code}).content.decode()
    assert "Code de secours incorrect ou déjà utilisé" in page
    assert SESSION_KEY not in client.session


def test_it_forgets_the_second_factor_at_logout(client, coordinator, clock):
    """A new login asks again."""
    device = totp_device_for(coordinator)
    password_login(client, coordinator)
    client.post(reverse("accounts:two_factor_verify"), {"code": totp_code(device)})
    client.post(reverse("accounts:logout"))
    password_login(client, coordinator)
    assert client.get(reverse("coordination:worklist")).url.startswith(reverse("accounts:two_factor_verify"))


def test_it_sends_an_anonymous_visitor_of_the_code_page_to_login(client):
    """The code page is for a session that gave its password."""
    assert reverse("accounts:login") in client.get(reverse("accounts:two_factor_verify")).url


def test_it_ignores_a_next_that_leaves_the_site(client, coordinator, clock):
    """After the code, a « next » to another site sends home instead."""
    device = totp_device_for(coordinator)
    password_login(client, coordinator)
    response = client.post(
        reverse("accounts:two_factor_verify"), {"code": totp_code(device), "next": "https://example.org/"}
    )
    assert response.url == reverse("accounts:home")


# --- The account page and removal ----------------------------------------------------------------


def test_it_lets_a_gp_enrol_from_the_account_page_and_remove_with_a_code(client, gp, clock):
    """Optional roles enrol from their account page, and remove with a code (audited)."""
    password_login(client, gp)
    assert "Activer la double authentification" in client.get(reverse("accounts:two_factor")).content.decode()
    client.get(reverse("accounts:two_factor_enrol"))
    device = TOTPDevice.objects.get(user=gp)
    client.post(reverse("accounts:two_factor_enrol"), {"code": totp_code(device)})
    page = client.get(reverse("accounts:two_factor")).content.decode()
    assert "Il vous reste 10 codes de secours" in page and "Désactiver" in page

    refused = client.post(reverse("accounts:two_factor_remove"), {"code": "000000"})
    assert refused.status_code == 400 and "Code incorrect" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=gp).exists()

    clock.shift(timedelta(seconds=30))
    response = client.post(reverse("accounts:two_factor_remove"), {"code": totp_code(device)})
    assert response.url == reverse("accounts:two_factor")
    assert not TOTPDevice.objects.filter(user=gp).exists() and not StaticToken.objects.filter(device__user=gp).exists()
    assert AuditRecord.objects.filter(actor=gp, object_type="second_factor_removed").count() == 1


def test_it_refuses_removal_to_a_role_that_requires_the_second_factor(client, coordinator, clock):
    """A coordinator cannot remove their device, even with a right code."""
    device = totp_device_for(coordinator)
    client.force_login(coordinator)
    assert "Désactiver" not in client.get(reverse("accounts:two_factor")).content.decode()
    response = client.post(reverse("accounts:two_factor_remove"), {"code": totp_code(device)})
    assert response.status_code == 400
    assert "ne peut pas être désactivée" in response.content.decode()
    assert TOTPDevice.objects.filter(user=coordinator).exists()


def test_it_refuses_removal_without_a_code(client, gp):
    """An empty code: a French message, nothing removed; GET is not allowed."""
    totp_device_for(gp)
    client.force_login(gp)
    response = client.post(reverse("accounts:two_factor_remove"), {"code": ""})
    assert response.status_code == 400 and "Saisissez un code" in response.content.decode()
    assert TOTPDevice.objects.filter(user=gp).exists()
    assert client.get(reverse("accounts:two_factor_remove")).status_code == 405


def test_it_sends_anonymous_visitors_of_the_account_pages_to_login(client):
    """The account, enrolment, codes and removal pages need a login."""
    for name in ("accounts:two_factor", "accounts:two_factor_enrol", "accounts:two_factor_recovery_codes"):
        assert reverse("accounts:login") in client.get(reverse(name)).url
    assert reverse("accounts:login") in client.post(reverse("accounts:two_factor_remove"), {"code": "1"}).url


def test_it_shows_recovery_codes_only_right_after_enrolment(client, gp):
    """Opening the codes page later shows no code."""
    client.force_login(gp)
    response = client.get(reverse("accounts:two_factor_recovery_codes"), follow=True)
    assert "ne s'affichent qu'une fois" in html.unescape(response.content.decode())


def test_it_hides_a_users_secret_from_admins(client, admin_user, coordinator):
    """An admin may delete a lost device in the admin but never reads its secret or recovery codes there."""
    device = totp_device_for(coordinator)
    code = recovery_code_for(coordinator)
    client.force_login(admin_user)
    page = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk])).content.decode()
    assert device.key not in page
    static = StaticToken.objects.get(token=code).device
    assert code not in client.get(reverse("admin:otp_static_staticdevice_change", args=[static.pk])).content.decode()
    assert client.get(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk])).status_code == 200


def test_it_renews_recovery_codes_after_a_code(client, coordinator, clock):
    """New recovery codes after a valid code: shown once, the old ones stop working, audited."""
    device = totp_device_for(coordinator)
    old = recovery_code_for(coordinator)
    client.force_login(coordinator)
    response = client.post(reverse("accounts:two_factor_renew_recovery_codes"), {"code": totp_code(device)})
    page = client.get(response.url).content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page)
    assert len(codes) == 10 and old not in codes
    assert not StaticToken.objects.filter(token=old).exists()
    assert AuditRecord.objects.filter(actor=coordinator, object_type="recovery_codes_renewed").count() == 1


def test_it_refuses_to_renew_recovery_codes_without_a_right_code(client, coordinator):
    """A wrong or empty code: a French message, the old codes kept."""
    totp_device_for(coordinator)
    old = recovery_code_for(coordinator)
    client.force_login(coordinator)
    for code in ("", "zzzzzzzz"):
        response = client.post(reverse("accounts:two_factor_renew_recovery_codes"), {"code": code})
        assert response.status_code == 400 and 'class="errors-summary"' in response.content.decode()
    assert StaticToken.objects.filter(token=old).exists()
    assert (
        reverse("accounts:login")
        in Client().post(reverse("accounts:two_factor_renew_recovery_codes"), {"code": "1"}).url
    )
