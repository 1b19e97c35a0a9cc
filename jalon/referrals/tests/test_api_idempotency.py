"""`Idempotency-Key` on POST /api/v1/referrals: a retry replays the first answer and creates nothing twice."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import F
from django.test import RequestFactory

from jalon.accounts.idempotency import idempotency_keys_purge, request_fingerprint
from jalon.accounts.models import AuditRecord, IdempotencyKey, IdempotencyStatus
from jalon.events.models import Event
from jalon.messaging.models import OutboxMessage
from jalon.referrals import api as referrals_api
from jalon.referrals.models import Referral, ReferralDocument
from jalon.referrals.tests.test_api import URL, key_for, payload

PARIS = ZoneInfo("Europe/Paris")
KEY = "3f1c2b9e-5d4a-4f7e-9a61-0c8d2e7b4a15"


@pytest.fixture(autouse=True)
def friday_afternoon():
    """Friday 20 November 2026, 15:00 in Paris."""
    with time_machine.travel(datetime(2026, 11, 20, 15, 0, tzinfo=PARIS), tick=False) as traveller:
        yield traveller


def post(client, body, key: str, idempotency_key: str | None = KEY, raw: str | None = None):
    headers = {"Authorization": f"Bearer {key}"}
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    data = raw if raw is not None else json.dumps(body)
    return client.post(URL, data, content_type="application/json", headers=headers)


def counts() -> tuple[int, ...]:
    return (
        Referral.objects.count(),
        ReferralDocument.objects.count(),
        Event.objects.count(),
        OutboxMessage.objects.count(),
        AuditRecord.objects.count(),
    )


def fingerprint_of(body: dict) -> str:
    return request_fingerprint(RequestFactory().post(URL, json.dumps(body), content_type="application/json"))


# --- Replay --------------------------------------------------------------------------------------


def test_it_replays_the_first_answer_and_creates_nothing_twice(client, entry_point, gp, strasbourg):
    """The same key and body twice: the same status and JSON, one referral, one event, one message, no new audit."""
    key = key_for(gp)
    first = post(client, payload(), key)
    after_first = counts()

    second = post(client, payload(), key)

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert counts() == after_first
    assert after_first[0] == 1
    record = IdempotencyKey.objects.get()
    assert (record.user_id, record.key, record.status, record.response_status) == (gp.pk, KEY, "completed", 201)


def test_it_replays_the_same_json_written_otherwise(client, entry_point, gp, strasbourg):
    """Members in another order and other spacing are the same request."""
    key = key_for(gp)
    body = payload()
    first = post(client, body, key)

    reordered = json.dumps(dict(reversed(list(body.items()))), indent=2)
    second = post(client, None, key, raw=reordered)

    assert second.status_code == 201
    assert second.json() == first.json()
    assert Referral.objects.count() == 1


def test_it_accepts_the_key_as_a_quoted_string(client, entry_point, gp, strasbourg):
    """`"abc"` (a structured-field string, as the IETF draft writes it) is the key abc."""
    key = key_for(gp)
    first = post(client, payload(), key, idempotency_key=f'"{KEY}"')
    second = post(client, payload(), key, idempotency_key=KEY)

    assert second.json() == first.json()
    assert Referral.objects.count() == 1


def test_it_works_as_before_without_the_header(client, entry_point, gp, strasbourg):
    """The header is optional: without it, two posts make two referrals and no key is stored."""
    key = key_for(gp)

    post(client, payload(), key, idempotency_key=None)
    post(client, payload(), key, idempotency_key=None)

    assert Referral.objects.count() == 2
    assert not IdempotencyKey.objects.exists()


# --- Conflicts -----------------------------------------------------------------------------------


def test_it_answers_409_to_the_same_key_with_another_body(client, entry_point, gp, strasbourg):
    """Another body under a used key: 409 idempotency_key_reused in French, nothing created, the first answer kept."""
    key = key_for(gp)
    first = post(client, payload(), key)
    before = counts()

    response = post(client, payload(suspected_site="breast"), key)

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "idempotency_key_reused"
    assert body["field"] == "Idempotency-Key"
    assert body["message"].startswith("Cette clé Idempotency-Key a déjà servi pour une autre requête")
    assert counts() == before
    assert post(client, payload(), key).json() == first.json()


def test_it_does_not_replay_the_key_of_another_user(client, entry_point, gp, other_gp, strasbourg):
    """Keys are per user: another GP sending the same key gets their own referral, not the first one's answer."""
    first = post(client, payload(), key_for(gp))

    second = post(client, payload(), key_for(other_gp))

    assert second.status_code == 201
    assert "Idempotent-Replayed" not in second
    assert second.json()["reference"] != first.json()["reference"]
    assert Referral.objects.count() == 2
    assert IdempotencyKey.objects.count() == 2


def in_progress_key(user, *, started_seconds_ago: int) -> IdempotencyKey:
    """The row a first request with KEY and the standard payload left « in progress », started that long ago."""
    now = datetime.now(tz=PARIS)
    return IdempotencyKey.objects.create(
        user=user,
        key=KEY,
        request_hash=fingerprint_of(payload()),
        status=IdempotencyStatus.IN_PROGRESS,
        locked_at=now - timedelta(seconds=started_seconds_ago),
        expires_at=now + timedelta(hours=24),
    )


def test_it_answers_409_while_the_first_request_is_in_progress(client, entry_point, gp, strasbourg):
    """A duplicate arriving while the first is running: 409 idempotency_in_progress with Retry-After, nothing
    created."""
    key = key_for(gp)
    in_progress_key(gp, started_seconds_ago=5)

    response = post(client, payload(), key)

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_in_progress"
    assert response.json()["message"].startswith("Une requête avec la même clé Idempotency-Key est en cours")
    assert response["Retry-After"] == "2"
    assert Referral.objects.count() == 0


def test_it_runs_again_a_request_whose_holder_died(client, entry_point, gp, strasbourg):
    """An "in progress" row older than the lease (its request died, leaving nothing) is taken over: 201."""
    key = key_for(gp)
    in_progress_key(gp, started_seconds_ago=121)

    response = post(client, payload(), key)

    assert response.status_code == 201
    assert Referral.objects.count() == 1
    record = IdempotencyKey.objects.get()
    assert (record.attempt, record.status) == (2, "completed")


def test_it_rolls_back_an_attempt_that_lost_its_key_to_a_retry(client, entry_point, gp, strasbourg):
    """If a retry took the key over while this attempt was working, its work rolls back: 409, nothing created."""
    key = key_for(gp)
    real_submit = referrals_api.referral_submit

    def submit_then_lose_the_key(**kwargs):
        result = real_submit(**kwargs)
        IdempotencyKey.objects.filter(user=gp, key=KEY).update(attempt=F("attempt") + 1)
        return result

    with mock.patch.object(referrals_api, "referral_submit", side_effect=submit_then_lose_the_key):
        response = post(client, payload(), key)

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_in_progress"
    assert Referral.objects.count() == 0
    assert Event.objects.count() == 0


# --- Refused requests, expiry ----------------------------------------------------------------------


def test_a_refused_request_stores_nothing_and_frees_its_key(client, entry_point, gp, strasbourg):
    """A 422 (unknown entry point) creates nothing and is not stored: the corrected request may use the same key."""
    key = key_for(gp)

    refused = post(client, payload(entry_point="nulle-part"), key)
    assert refused.status_code == 422
    assert not IdempotencyKey.objects.exists()

    accepted = post(client, payload(), key)
    assert accepted.status_code == 201
    assert Referral.objects.count() == 1


def test_a_refusal_for_lack_of_rights_frees_the_key(client, entry_point, manager):
    """A 403 from the route (a manager may not submit) is not stored either."""
    response = post(client, payload(), key_for(manager))

    assert response.status_code == 403
    assert not IdempotencyKey.objects.exists()


def test_a_key_is_free_again_after_its_lifetime(client, entry_point, gp, strasbourg, friday_afternoon):
    """After IDEMPOTENCY_KEY_TTL_HOURS (24) the key is forgotten: the same key makes a new referral."""
    key = key_for(gp)
    first = post(client, payload(), key)

    friday_afternoon.shift(timedelta(hours=24, seconds=1))
    second = post(client, payload(suspected_site="breast"), key)

    assert second.status_code == 201
    assert second.json()["reference"] != first.json()["reference"]
    assert Referral.objects.count() == 2
    assert IdempotencyKey.objects.get().response_body == second.content.decode()


def test_the_purge_deletes_only_expired_keys(client, entry_point, gp, strasbourg, friday_afternoon):
    """The nightly purge removes keys past their lifetime and keeps the others."""
    key = key_for(gp)
    post(client, payload(), key, idempotency_key="old")
    friday_afternoon.shift(timedelta(hours=23))
    post(client, payload(), key, idempotency_key="recent")
    friday_afternoon.shift(timedelta(hours=2))

    assert idempotency_keys_purge() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["recent"]


# --- Bad header, authentication first --------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("", "L'en-tête Idempotency-Key est vide."),
        ('""', "L'en-tête Idempotency-Key est vide."),
        ("a" * 256, "L'en-tête Idempotency-Key est trop long : 255 caractères au plus."),
        ("clé-accentuée", "L'en-tête Idempotency-Key contient un caractère non permis"),
        ("deux mots", "L'en-tête Idempotency-Key contient un caractère non permis"),
        ("a,b", "L'en-tête Idempotency-Key contient un caractère non permis"),
    ],
)
def test_it_refuses_a_malformed_key_with_400_in_french(client, entry_point, gp, strasbourg, header, message):
    """Empty, too long or with characters outside the allowed set: 400 invalid_idempotency_key, nothing saved."""
    response = post(client, payload(), key_for(gp), idempotency_key=header)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert response.json()["message"].startswith(message)
    assert Referral.objects.count() == 0
    assert not IdempotencyKey.objects.exists()


def test_it_accepts_a_key_of_255_characters(client, entry_point, gp, strasbourg):
    """The longest key allowed works."""
    assert post(client, payload(), key_for(gp), idempotency_key="k" * 255).status_code == 201


def test_it_authenticates_before_looking_at_the_key(client, entry_point, gp, strasbourg):
    """Without a valid token the answer is 401, key or not, and no key is stored; a stolen key replays nothing."""
    post(client, payload(), key_for(gp))

    response = post(client, payload(), "jal_not-a-real-key")

    assert response.status_code == 401
    assert IdempotencyKey.objects.count() == 1


def test_it_checks_the_body_before_the_key(client, entry_point, gp):
    """A body the schema refuses answers 422 as before; no key is stored."""
    response = post(client, None, key_for(gp), raw='{"entry_point": "cpts-cancer"}')

    assert response.status_code == 422
    assert not IdempotencyKey.objects.exists()


def test_it_documents_the_header_in_openapi(client, gp):
    """The OpenAPI description of the POST route tells clients about the header and its 409."""
    client.force_login(gp)
    operation = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/referrals"]["post"]

    assert "Idempotency-Key" in operation["description"]
    assert "409" in operation["responses"]
    assert [(p["in"], p["name"], p["required"]) for p in operation["parameters"]] == [
        ("header", "Idempotency-Key", False)
    ]


def test_a_request_that_loses_the_insert_reads_the_winner(gp):
    """Two requests both see no row; the second insert hits the unique constraint and answers from the winner's row."""
    from jalon.accounts.idempotency import IdempotencyError, claim

    IdempotencyKey.objects.create(
        user=gp,
        key=KEY,
        request_hash="f" * 64,
        status=IdempotencyStatus.IN_PROGRESS,
        locked_at=datetime.now(tz=PARIS),
        expires_at=datetime.now(tz=PARIS) + timedelta(hours=24),
    )
    real_filter = IdempotencyKey.objects.filter
    seen = []

    def filter_missing_the_row_once(*args, **kwargs):
        seen.append(kwargs)
        return IdempotencyKey.objects.none() if len(seen) == 1 else real_filter(*args, **kwargs)

    with (
        mock.patch.object(IdempotencyKey.objects, "filter", side_effect=filter_missing_the_row_once),
        pytest.raises(IdempotencyError) as refused,
    ):
        claim(user=gp, key=KEY, fingerprint="f" * 64)

    assert refused.value.code == "idempotency_in_progress"
    assert len(seen) == 2
    assert IdempotencyKey.objects.count() == 1


# --- Review (reva): a replay is still a call of the route ------------------------------------------


def test_a_replay_is_refused_once_the_user_lost_the_role(client, entry_point, gp, strasbourg):
    """A GP turned manager keeps a valid token: replaying a stored answer must not reveal the referral's
    reference and status any more (403, as without the key)."""
    from jalon.accounts.models import Role

    key = key_for(gp)
    assert post(client, payload(), key).status_code == 201
    gp.role = Role.MANAGER
    gp.save(update_fields=["role"])

    replayed = post(client, payload(), key)

    assert replayed.status_code == 403
    assert "Idempotent-Replayed" not in replayed
    assert "JAL-" not in replayed.content.decode()
