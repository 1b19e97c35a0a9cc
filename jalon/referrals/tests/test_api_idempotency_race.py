"""The same POST with the same `Idempotency-Key`, sent at once by several threads (each with its own
database connection, as several app servers would be): one referral is created, every other answer is
either the same 201 replayed or 409 in progress.

Runs on PostgreSQL (`DATABASE_URL=postgres://...`) and on SQLite; on SQLite on a file copy of the in-memory
test database, as the booking race does (see scheduling/tests/test_concurrency.py: `arena`).
"""

from __future__ import annotations

import json
import sqlite3
import threading

import pytest
from django.db import connection
from django.test import Client

from jalon.accounts.models import IdempotencyKey
from jalon.referrals.models import Referral
from jalon.referrals.tests.test_api import URL, key_for, payload
from jalon.scheduling.tests.race_worker import on_database

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CONTENDERS = 6
TIMEOUT = 120  # seconds


@pytest.fixture
def database_name(tmp_path):
    """None on PostgreSQL or a file database; on SQLite in memory, a file copy the threads can share."""
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        return None
    copy = tmp_path / "race.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(copy)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    return str(copy)


@pytest.fixture
def token_key(entry_point, gp, strasbourg):
    """A GP's token, committed before the race (transactional test)."""
    return key_for(gp)


def test_threads_sending_the_same_key_create_one_referral(token_key, database_name):
    barrier = threading.Barrier(CONTENDERS)
    body = json.dumps(payload())
    answers: dict[int, tuple[int, dict]] = {}

    def contend(number: int) -> None:
        try:
            with on_database(database_name):
                try:
                    client = Client()
                    barrier.wait(TIMEOUT)
                    response = client.post(
                        URL,
                        body,
                        content_type="application/json",
                        headers={"Authorization": f"Bearer {token_key}", "Idempotency-Key": "race-1"},
                    )
                    answers[number] = (response.status_code, response.json())
                finally:
                    connection.close()  # this thread's own connection
        except BaseException as error:  # noqa: BLE001 - reported by the assertions below
            answers[number] = (0, {"error": f"{type(error).__name__}: {error}"})

    threads = [threading.Thread(target=contend, args=(number,), daemon=True) for number in range(CONTENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT)
    assert not [thread for thread in threads if thread.is_alive()], "a contender is still running"

    statuses = sorted(status for status, _body in answers.values())
    assert set(statuses) <= {201, 409}, answers
    created = [body for status, body in answers.values() if status == 201]
    assert created, answers
    assert all(body == created[0] for body in created)
    assert all(body["code"] == "idempotency_in_progress" for status, body in answers.values() if status == 409)
    with on_database(database_name):
        assert list(Referral.objects.values_list("reference", flat=True)) == [created[0]["reference"]]
        record = IdempotencyKey.objects.get()
        assert (record.status, record.response_status) == ("completed", 201)
        assert json.loads(record.response_body) == created[0]
