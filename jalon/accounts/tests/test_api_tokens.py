"""API tokens: expiry, scopes, last use, the user re-checked on every call; issuing and revoking them."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jalon.accounts.models import ApiScope, ApiToken, AuditRecord, Role
from jalon.accounts.tokens import api_token_issue, api_token_revoke
from jalon.core.actor import Actor
from jalon.referrals.models import Referral
from jalon.referrals.tests.test_api import get, payload, post

PARIS = ZoneInfo("Europe/Paris")
NOON = datetime(2026, 11, 20, 12, 0, tzinfo=PARIS)


def key_for(user, *, scopes=None, expires_at=None) -> str:
    return ApiToken.issue(user=user, name="Logiciel du cabinet", scopes=scopes, expires_at=expires_at)[1]


@pytest.fixture
def referral(submit):
    """A referral the GP submitted through the web form."""
    return submit().referral


# --- Expiry ------------------------------------------------------------------------------------


def test_it_refuses_an_expired_token_with_401_in_french(client, entry_point, gp):
    """Past its expiry a token answers 401 token_expired, says when it expired, and nothing is saved."""
    with time_machine.travel(NOON, tick=False):
        key = key_for(gp)
    with time_machine.travel(NOON + timedelta(days=90, seconds=1), tick=False):
        response = post(client, payload(), key)

    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "token_expired"
    assert body["message"].startswith("Ce jeton d'API a expiré le 18/02/2027 à 12 h 00")
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    assert Referral.objects.count() == 0


def test_it_accepts_a_token_until_its_expiry(client, referral, gp):
    """The default lifetime is API_TOKEN_LIFETIME_DAYS (90): the day before, the token still works."""
    with time_machine.travel(NOON, tick=False):
        key = key_for(gp)
        assert ApiToken.objects.get().expires_at == NOON + timedelta(days=90)
    with time_machine.travel(NOON + timedelta(days=89), tick=False):
        assert get(client, referral.reference, key).status_code == 200


def test_it_answers_an_unknown_key_as_before_even_if_expired_ones_exist(client, referral, gp):
    """Only the holder of a real key learns that it expired; an unknown key stays a plain 401."""
    key_for(gp, expires_at=timezone.now() - timedelta(days=1))

    response = get(client, referral.reference, "jal_not-a-real-key")

    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


# --- Scopes ------------------------------------------------------------------------------------


def test_it_refuses_a_submission_with_a_read_only_token(client, entry_point, gp):
    """A token without the submit scope answers 403 insufficient_scope in French; nothing is saved."""
    key = key_for(gp, scopes=[ApiScope.READ_STATUS])

    response = post(client, payload(), key)

    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope"
    assert response.json()["message"] == (
        "Ce jeton d'API ne donne pas le droit « Envoyer des demandes » : demandez un jeton qui l'inclut."
    )
    assert 'scope="submit"' in response["WWW-Authenticate"]
    assert Referral.objects.count() == 0


def test_it_refuses_a_status_read_with_a_submit_only_token(client, referral, gp):
    """A token without the read_status scope cannot follow referrals, not even its user's own: 403."""
    key = key_for(gp, scopes=[ApiScope.SUBMIT])

    response = get(client, referral.reference, key)

    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope"
    assert not AuditRecord.objects.filter(action="read").exists()


def test_it_lets_each_scope_open_its_route(client, entry_point, referral, gp, strasbourg):
    """submit opens POST, read_status opens GET."""
    assert post(client, payload(), key_for(gp, scopes=[ApiScope.SUBMIT])).status_code == 201
    assert get(client, referral.reference, key_for(gp, scopes=[ApiScope.READ_STATUS])).status_code == 200


def test_it_refuses_a_route_that_declares_no_scope(rf, gp):
    """The API's default authentication (a route that forgot to declare its scope) lets no token in."""
    from django.core.exceptions import PermissionDenied

    from jalon.accounts.tokens import ApiTokenAuth

    with pytest.raises(PermissionDenied):
        ApiTokenAuth(scope=None).authenticate(rf.get("/"), key_for(gp))


# --- The user, re-checked on every call ----------------------------------------------------------


def test_it_stops_every_token_of_a_deactivated_user_at_once(client, referral, gp):
    """Deactivating the account: the next call answers 401 on both routes."""
    key = key_for(gp)
    assert get(client, referral.reference, key).status_code == 200
    gp.is_active = False
    gp.save(update_fields=["is_active"])

    assert get(client, referral.reference, key).status_code == 401
    assert post(client, payload(), key).status_code == 401


def test_it_stops_a_token_whose_user_lost_the_role(client, entry_point, referral, gp):
    """A GP turned manager keeps a valid token but no longer the rights: 403 to submit, 404 on the referral
    (the same rules as the pages), and nothing saved."""
    key = key_for(gp)
    assert get(client, referral.reference, key).status_code == 200
    gp.role = Role.MANAGER
    gp.save(update_fields=["role"])

    submitted = post(client, payload(), key)
    read = get(client, referral.reference, key)

    assert submitted.status_code == 403
    assert submitted.json()["code"] == "forbidden"
    assert read.status_code == 404
    assert Referral.objects.count() == 1


def test_it_stops_a_token_whose_user_lost_their_professional_record(client, entry_point, gp):
    """Without a professional record the user cannot be a referrer: 403, whatever the token's scopes."""
    key = key_for(gp)
    gp.professional = None
    gp.save(update_fields=["professional"])

    assert post(client, payload(), key).status_code == 403


# --- Last use -----------------------------------------------------------------------------------


def _token_updates(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith("UPDATE") and "accounts_apitoken" in q["sql"]]


def test_it_records_the_last_use_at_most_once_a_minute(client, referral, gp):
    """The first call writes the date; calls within the minute write nothing; a call after it writes again."""
    key = key_for(gp)
    token = ApiToken.objects.get()
    assert token.last_used_at is None

    with time_machine.travel(NOON, tick=False), CaptureQueriesContext(connection) as first:
        get(client, referral.reference, key)
    with time_machine.travel(NOON + timedelta(seconds=59), tick=False), CaptureQueriesContext(connection) as within:
        get(client, referral.reference, key)
        get(client, referral.reference, key)
    token.refresh_from_db()
    assert token.last_used_at == NOON
    with time_machine.travel(NOON + timedelta(seconds=61), tick=False), CaptureQueriesContext(connection) as after:
        get(client, referral.reference, key)

    token.refresh_from_db()
    assert token.last_used_at == NOON + timedelta(seconds=61)
    assert (len(_token_updates(first)), len(_token_updates(within)), len(_token_updates(after))) == (1, 0, 1)


def test_it_does_not_record_a_use_that_was_refused(client, referral, gp):
    """An expired token or a missing scope leaves the last-used date alone."""
    key_for(gp, expires_at=timezone.now() - timedelta(minutes=1))
    expired_key = key_for(gp, expires_at=timezone.now() - timedelta(minutes=1))
    read_only = key_for(gp, scopes=[ApiScope.SUBMIT])

    get(client, referral.reference, expired_key)
    get(client, referral.reference, read_only)

    assert not ApiToken.objects.filter(last_used_at__isnull=False).exists()


# --- Issuing and revoking -------------------------------------------------------------------------


def test_it_issues_a_token_with_its_scopes_expiry_and_audit_record(gp, admin_user):
    """The service stores the hash only, the chosen scopes and the expiry, and audits the issue."""
    with time_machine.travel(NOON, tick=False):
        token, key = api_token_issue(
            actor=Actor(user=admin_user), user=gp, name="  Logiciel  ", scopes=[ApiScope.SUBMIT], lifetime_days=30
        )

    assert key.startswith("jal_") and key not in token.key_hash
    assert (token.name, token.scopes, token.expires_at) == ("Logiciel", ["submit"], NOON + timedelta(days=30))
    record = AuditRecord.objects.get()
    assert (record.actor_id, record.action, record.object_type, record.object_id) == (
        admin_user.pk,
        "create",
        "api_token",
        str(token.pk),
    )


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"scopes": []}, "scopes", "Choisissez au moins un droit pour ce jeton."),
        (
            {"scopes": ["submit", "admin"]},
            "scopes",
            "Droit inconnu : admin (droits possibles : submit, read_status, read_boards, read_pathology).",
        ),
        ({"lifetime_days": 0}, "lifetime_days", "La durée de validité va de 1 à 365 jours."),
        ({"lifetime_days": 366}, "lifetime_days", "La durée de validité va de 1 à 365 jours."),
        ({"name": "  "}, "name", "Donnez un nom au jeton (le logiciel qui l'utilisera)."),
    ],
)
def test_it_refuses_a_bad_token_request_in_french(gp, overrides, field, message):
    """Bad scopes, lifetime or name: a French error on the field, nothing written."""
    values = {"name": "Logiciel", "scopes": [ApiScope.SUBMIT], "lifetime_days": 30, **overrides}

    with pytest.raises(ValidationError) as error:
        api_token_issue(actor=Actor.system(), user=gp, **values)

    assert error.value.message_dict == {field: [message]}
    assert not ApiToken.objects.exists()
    assert not AuditRecord.objects.exists()


def test_it_refuses_a_token_for_a_deactivated_user(gp):
    """A deactivated account gets no token."""
    gp.is_active = False
    gp.save(update_fields=["is_active"])

    with pytest.raises(ValidationError) as error:
        api_token_issue(actor=Actor.system(), user=gp, name="Logiciel", scopes=[ApiScope.SUBMIT])

    assert "user" in error.value.message_dict


def test_it_revokes_once_with_an_audit_record(client, referral, gp):
    """Revoking stops the token at once and is audited; revoking again changes nothing."""
    key = key_for(gp)
    token = ApiToken.objects.get()

    assert api_token_revoke(actor=Actor.system(), token=token) is True
    assert api_token_revoke(actor=Actor.system(), token=token) is False

    assert get(client, referral.reference, key).status_code == 401
    assert AuditRecord.objects.filter(object_type="api_token", action="update").count() == 1


def test_the_command_issues_a_token_with_the_scopes_and_lifetime_asked(gp):
    """`issue_api_token` takes --scope (repeatable) and --days, and prints the key, the scopes and the expiry."""
    out = StringIO()
    with time_machine.travel(NOON, tick=False):
        call_command(
            "issue_api_token", gp.username, "Logiciel du cabinet", "--scope", "read_status", "--days", "10", stdout=out
        )

    token = ApiToken.objects.get()
    assert token.scopes == ["read_status"]
    assert token.expires_at == NOON + timedelta(days=10)
    assert "Droits : read_status ; expire le 30/11/2026 12 h 00." in out.getvalue()
    assert AuditRecord.objects.filter(object_type="api_token", action="create", channel="system").exists()


def test_the_command_gives_every_scope_by_default(gp):
    """Without --scope the token may submit and read statuses, as tokens always could."""
    call_command("issue_api_token", gp.username, "Logiciel", stdout=StringIO())

    assert ApiToken.objects.get().scopes == ["read_boards", "read_pathology", "read_status", "submit"]


@pytest.mark.parametrize(
    ("args", "message"), [(["--scope", "everything"], "Droit inconnu"), (["--days", "400"], "1 à 365 jours")]
)
def test_the_command_refuses_bad_options_in_french(gp, args, message):
    """An unknown scope or a lifetime out of bounds stops the command with the French reason."""
    with pytest.raises(CommandError, match=message):
        call_command("issue_api_token", gp.username, "Logiciel", *args, stdout=StringIO())
    assert not ApiToken.objects.exists()


# --- The admin: where tokens are issued and listed --------------------------------------------------


def test_the_admin_lists_scopes_expiry_last_use_and_state(client, admin_user, gp):
    """The token list shows, per token, its scopes, expiry, last use and state."""
    key_for(gp, scopes=[ApiScope.READ_STATUS])
    ApiToken.objects.update(last_used_at=timezone.now())
    client.force_login(admin_user)

    response = client.get("/admin/accounts/apitoken/")

    assert response.status_code == 200
    content = response.content.decode()
    for heading in ("Droits", "Expire le", "Dernière utilisation", "État"):
        assert heading in content
    assert "Suivre l&#x27;état des demandes" in content
    assert "actif" in content


def test_the_admin_issues_a_token_and_shows_its_key_once(client, admin_user, gp):
    """Issuing in the admin goes through the service (audit) and shows the clear key on a page no cache keeps."""
    client.force_login(admin_user)

    response = client.post(
        "/admin/accounts/apitoken/add/",
        {"user": gp.pk, "name": "Logiciel du cabinet", "scopes": ["submit"], "lifetime_days": "30"},
    )

    assert response.status_code == 200
    token = ApiToken.objects.get()
    assert token.scopes == ["submit"]
    assert "no-store" in response["Cache-Control"]
    key = response.context["key"]
    assert key.startswith("jal_") and key in response.content.decode()
    assert ApiToken.hash_key(key) == token.key_hash
    assert AuditRecord.objects.filter(object_type="api_token", action="create", actor=admin_user).exists()
    assert key not in client.get("/admin/accounts/apitoken/").content.decode()


def test_the_admin_refuses_a_token_without_scope(client, admin_user, gp):
    """No scope ticked: the form says so in French and nothing is issued."""
    client.force_login(admin_user)

    response = client.post("/admin/accounts/apitoken/add/", {"user": gp.pk, "name": "Logiciel", "lifetime_days": "30"})

    assert response.status_code == 200
    assert "Choisissez au moins un droit pour ce jeton." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_admin_revokes_selected_tokens(client, admin_user, gp):
    """The revoke action goes through the service."""
    key_for(gp)
    client.force_login(admin_user)

    response = client.post(
        "/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [ApiToken.objects.get().pk]}, follow=True
    )

    assert response.status_code == 200
    assert ApiToken.objects.get().revoked_at is not None
    assert AuditRecord.objects.filter(object_type="api_token", action="update").exists()


def test_the_admin_token_pages_are_closed_to_non_staff(client, coordinator):
    """A coordinator (not staff) is sent to the admin login, sees no token."""
    client.force_login(coordinator)

    response = client.get("/admin/accounts/apitoken/")

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_admin_issue_form_offers_every_scope_and_the_default_lifetime(client, admin_user):
    """The add page proposes both scopes, ticked, and API_TOKEN_LIFETIME_DAYS."""
    client.force_login(admin_user)

    response = client.get("/admin/accounts/apitoken/add/")

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form["scopes"].initial == ["submit", "read_status", "read_boards", "read_pathology"]
    assert form["lifetime_days"].initial == 90


def test_the_admin_shows_a_token_read_only(client, admin_user, gp):
    """A token's page shows it without any editable field (tokens are revoked, not edited)."""
    key_for(gp)
    client.force_login(admin_user)

    response = client.get(f"/admin/accounts/apitoken/{ApiToken.objects.get().pk}/change/")

    assert response.status_code == 200
    assert not response.context["adminform"].form.fields
