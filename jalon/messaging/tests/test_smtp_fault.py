"""Fault test: a real local SMTP server, stopped while events happen, then started again.

Every message must arrive exactly once (counted by Message-ID, the idempotency key), whatever the
order of failures, retries, periodic runs and per-message deliveries.
"""

from __future__ import annotations

import email
import socket
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import transaction

from jalon.accounts.freshness import is_freshness_callback
from jalon.messaging import services
from jalon.messaging.models import OutboxMessage, OutboxStatus
from jalon.messaging.services import outbox_deliver, outbox_deliver_due, outbox_enqueue

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SERVER_TIMEOUT = 5  # seconds, for the server's start and the client's socket operations
KEYS = [f"event-{n}-referrer" for n in range(1, 11)]


class CollectingHandler:
    """Keeps the Message-ID of each accepted message; after `accept_limit` messages, answers 451."""

    def __init__(self):
        self.lock = threading.Lock()
        self.message_ids: list[str] = []
        self.accept_limit: int | None = None
        self.refused_recipients: dict[str, str] = {}  # address -> the server's answer to RCPT TO

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused_recipients:
            return self.refused_recipients[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.accept_limit is not None and len(self.message_ids) >= self.accept_limit:
                return "451 4.3.0 Temporary failure, try again later"
            message = email.message_from_bytes(envelope.original_content or envelope.content)
            self.message_ids.append(message["Message-ID"])
        return "250 2.0.0 Message accepted for delivery"

    def received(self) -> Counter:
        with self.lock:
            return Counter(self.message_ids)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalSmtpServer:
    """An aiosmtpd server on a fixed local port that can be stopped and started again."""

    def __init__(self):
        self.port = _free_port()
        self.handler = CollectingHandler()
        self._controller: Controller | None = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        assert not self.running
        # A stopped controller closes its event loop: each start needs a new one.
        controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, ready_timeout=SERVER_TIMEOUT)
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp_server(settings):
    server = LocalSmtpServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = SERVER_TIMEOUT
    yield server
    server.stop()


def _record_events(keys):
    """Events happen: each writes its message to the outbox in its own transaction."""
    for key in keys:
        with transaction.atomic():
            outbox_enqueue(
                idempotency_key=key,
                channel="email",
                recipient_address="claire.martin@exemple.fr",
                subject=f"Jalon : {key}",
                body="Bonjour,\n\nDu nouveau pour votre patient. Connectez-vous à Jalon.\n",
            )


def test_a_recipient_the_server_refuses_for_good_fails_at_once(db, smtp_server):
    """A real server's 550 to RCPT TO fails the message at the first attempt with the server's reason; a 450 is
    retried."""
    smtp_server.handler.refused_recipients = {
        "inconnu@exemple.fr": "550 5.1.1 User unknown",
        "pleine@exemple.fr": "450 4.2.1 Mailbox busy",
    }
    smtp_server.start()
    with time_machine.travel(T0, tick=False):
        for key, address in (("unknown", "inconnu@exemple.fr"), ("busy", "pleine@exemple.fr")):
            message = outbox_enqueue(
                idempotency_key=key, channel="email", recipient_address=address, subject="Jalon", body="Bonjour"
            )
            outbox_deliver(message_id=message.pk)

    unknown, busy = (
        OutboxMessage.objects.get(idempotency_key="unknown"),
        OutboxMessage.objects.get(idempotency_key="busy"),
    )
    assert (unknown.status, unknown.attempts) == (OutboxStatus.FAILED, 1)
    assert "550 5.1.1 User unknown" in unknown.last_error
    assert (busy.status, busy.attempts) == (OutboxStatus.PENDING, 1)
    assert smtp_server.handler.received() == Counter()


def _message_id(key: str) -> str:
    return f"<{key}@jalon>"


def _assert_each_arrived_exactly_once(server, keys):
    assert server.handler.received() == Counter({_message_id(key): 1 for key in keys})
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}
    assert OutboxMessage.objects.count() == len(keys)


def _run_everything_again(server, keys):
    """A later periodic run and a stray per-message task send nothing more."""
    before = server.handler.received()
    assert outbox_deliver_due() == 0
    for message_id in OutboxMessage.objects.values_list("pk", flat=True):
        assert outbox_deliver(message_id=message_id) == OutboxStatus.SENT
    _record_events(keys)  # the same events replayed: same keys, nothing new
    assert outbox_deliver_due() == 0
    assert server.handler.received() == before


def test_the_smtp_server_receives_a_message_once(db, smtp_server):
    """Sanity check of the harness: a running server gets the message with its key as Message-ID."""
    smtp_server.start()
    _record_events(["event-0-gp"])

    assert outbox_deliver_due() == 1

    assert smtp_server.handler.received() == Counter({"<event-0-gp@jalon>": 1})
    assert OutboxMessage.objects.get().status == OutboxStatus.SENT


def test_every_message_arrives_exactly_once_after_the_server_comes_back(
    db, smtp_server, django_capture_on_commit_callbacks
):
    """Events happen while the server is down; once it is back and the back-off has passed, each arrives once."""
    backoff = timedelta(seconds=settings.OUTBOX_BACKOFF_SECONDS)
    with time_machine.travel(T0, tick=False) as traveller:
        # The server is stopped: each commit triggers the worker (immediate in tests), which is refused.
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            _record_events(KEYS)
        assert len([c for c in callbacks if not is_freshness_callback(c)]) == len(KEYS)
        assert outbox_deliver_due() == 0  # all backed off

        for message in OutboxMessage.objects.all():
            assert message.status == OutboxStatus.PENDING
            assert message.attempts == 1
            assert message.last_error
            assert message.next_attempt_at == T0 + backoff
            assert message.sent_at is None

        # Still down when the first back-off ends: a second attempt, a doubled back-off.
        traveller.shift(backoff)
        assert outbox_deliver_due() == len(KEYS)
        assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {2}
        assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.PENDING}

        smtp_server.start()
        # Back up, but before the back-off ends nothing is sent.
        assert outbox_deliver_due() == 0
        assert smtp_server.handler.received() == Counter()

        traveller.shift(2 * backoff)
        assert outbox_deliver_due() == len(KEYS)
        assert outbox_deliver_due() == 0
        for message_id in OutboxMessage.objects.values_list("pk", flat=True):
            assert outbox_deliver(message_id=message_id) == OutboxStatus.SENT

        _assert_each_arrived_exactly_once(smtp_server, KEYS)
        assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {3}
        assert set(OutboxMessage.objects.values_list("last_error", flat=True)) == {""}

        traveller.shift(timedelta(days=1))
        _run_everything_again(smtp_server, KEYS)


@pytest.mark.parametrize("outage", ["temporary_failure", "server_stopped"])
def test_every_message_arrives_exactly_once_after_an_outage_in_the_middle_of_a_batch(
    db, smtp_server, monkeypatch, outage
):
    """The server fails after 3 messages of a batch (451, or stopped outright) and recovers: each arrives once."""
    accepted_before_outage = 3
    with time_machine.travel(T0, tick=False):
        _record_events(KEYS)  # committed without the worker running (it was down, too)

    if outage == "temporary_failure":
        smtp_server.handler.accept_limit = accepted_before_outage
    else:
        deliver = services.outbox_deliver

        def deliver_then_maybe_stop(*, message_id):
            status = deliver(message_id=message_id)
            if smtp_server.running and sum(smtp_server.handler.received().values()) >= accepted_before_outage:
                smtp_server.stop()
            return status

        monkeypatch.setattr(services, "outbox_deliver", deliver_then_maybe_stop)

    smtp_server.start()
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False) as traveller:
        assert outbox_deliver_due() == len(KEYS)

        received = smtp_server.handler.received()
        assert received == Counter({_message_id(key): 1 for key in KEYS[:accepted_before_outage]})
        sent = OutboxMessage.objects.filter(status=OutboxStatus.SENT)
        assert sorted(sent.values_list("idempotency_key", flat=True)) == sorted(KEYS[:accepted_before_outage])
        pending = OutboxMessage.objects.filter(status=OutboxStatus.PENDING)
        assert pending.count() == len(KEYS) - accepted_before_outage
        assert set(pending.values_list("attempts", flat=True)) == {1}
        if outage == "temporary_failure":
            assert all("451" in error for error in pending.values_list("last_error", flat=True))

        # Recovery.
        monkeypatch.undo()
        smtp_server.handler.accept_limit = None
        if not smtp_server.running:
            smtp_server.start()
        traveller.shift(timedelta(seconds=settings.OUTBOX_BACKOFF_SECONDS))
        assert outbox_deliver_due() == len(KEYS) - accepted_before_outage
        assert outbox_deliver_due() == 0
        for key in KEYS:
            message = OutboxMessage.objects.get(idempotency_key=key)
            assert outbox_deliver(message_id=message.pk) == OutboxStatus.SENT

        _assert_each_arrived_exactly_once(smtp_server, KEYS)
        traveller.shift(timedelta(days=1))
        _run_everything_again(smtp_server, KEYS)
