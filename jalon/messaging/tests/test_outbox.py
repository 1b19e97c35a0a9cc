"""The outbox: idempotent enqueueing, delivery by e-mail, retries with back-off, then failure."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import override_settings

from jalon.accounts.freshness import is_freshness_callback
from jalon.messaging.models import OutboxMessage, OutboxStatus
from jalon.messaging.services import outbox_deliver, outbox_deliver_due, outbox_enqueue

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class FailingEmailBackend(BaseEmailBackend):
    """An SMTP server that cannot be reached."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("serveur SMTP injoignable")


def failing_smtp():
    return override_settings(EMAIL_BACKEND=f"{__name__}.FailingEmailBackend")


def _enqueue(key="event-1-referrer", **overrides):
    values = dict(
        idempotency_key=key,
        channel="email",
        recipient_address="claire.martin@exemple.fr",
        subject="Demande JAL-2026-000001 acceptée",
        body="Bonjour,\n\nLa demande JAL-2026-000001 a été acceptée.\n",
    )
    values.update(overrides)
    return outbox_enqueue(**values)


def test_it_enqueues_a_key_once(db):
    """Enqueueing the same idempotency key twice keeps one message, the first one."""
    first = _enqueue()
    second = _enqueue(subject="Autre objet", recipient_address="autre@exemple.fr")

    assert second.pk == first.pk
    assert OutboxMessage.objects.count() == 1
    message = OutboxMessage.objects.get()
    assert message.subject == "Demande JAL-2026-000001 acceptée"
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 0


def test_it_waits_for_commit_before_delivering(db):
    """Nothing is sent inside the transaction that enqueues the message."""
    _enqueue()

    assert mail.outbox == []
    assert OutboxMessage.objects.get().status == OutboxStatus.PENDING


def test_it_delivers_after_commit_through_the_worker(db, django_capture_on_commit_callbacks):
    """Once the transaction commits, the worker task sends the message."""
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _enqueue()
        _enqueue()

    assert len([c for c in callbacks if not is_freshness_callback(c)]) == 1
    assert len(mail.outbox) == 1
    assert OutboxMessage.objects.get().status == OutboxStatus.SENT


def test_it_sends_an_email_with_the_key_as_message_id(db):
    """Delivery sends the e-mail with the idempotency key in its Message-ID and marks the message sent."""
    with time_machine.travel(T0, tick=False) as traveller:
        message = _enqueue()
        traveller.shift(timedelta(days=1))
        status = outbox_deliver(message_id=message.pk)

    assert status == OutboxStatus.SENT
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["claire.martin@exemple.fr"]
    assert email.subject == "Demande JAL-2026-000001 acceptée"
    assert "acceptée" in email.body
    assert email.from_email == settings.DEFAULT_FROM_EMAIL
    assert "event-1-referrer" in email.message()["Message-ID"]
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 1
    assert message.sent_at == T0 + timedelta(days=1)
    assert message.last_error == ""


def test_it_does_not_send_twice(db):
    """Delivering a sent message again sends nothing."""
    message = _enqueue()
    outbox_deliver(message_id=message.pk)

    assert outbox_deliver(message_id=message.pk) == OutboxStatus.SENT
    assert outbox_deliver_due() == 0

    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert message.attempts == 1


def test_it_keeps_in_app_messages_without_sending_mail(db):
    """An in-app message is the row itself: marked sent, no e-mail."""
    message = _enqueue(channel="in_app", recipient_address="user:1")

    assert outbox_deliver(message_id=message.pk) == OutboxStatus.SENT
    assert mail.outbox == []


def test_it_answers_missing_for_an_unknown_message(db):
    """Delivering a message that does not exist does nothing."""
    assert outbox_deliver(message_id=424242) == "missing"


@failing_smtp()
def test_it_keeps_a_failed_delivery_pending_with_back_off(db):
    """A failure leaves the message pending with one attempt, the error, and a retry pushed back."""
    with time_machine.travel(T0, tick=False):
        message = _enqueue()
        status = outbox_deliver(message_id=message.pk)

    assert status == OutboxStatus.PENDING
    assert mail.outbox == []
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 1
    assert "serveur SMTP injoignable" in message.last_error
    assert message.next_attempt_at == T0 + timedelta(seconds=settings.OUTBOX_BACKOFF_SECONDS)
    assert message.sent_at is None


@failing_smtp()
def test_it_waits_for_the_back_off_before_retrying(db):
    """Before the back-off nothing is tried; after it, a new attempt doubles the wait."""
    backoff = timedelta(seconds=settings.OUTBOX_BACKOFF_SECONDS)
    with time_machine.travel(T0, tick=False) as traveller:
        message = _enqueue()
        outbox_deliver(message_id=message.pk)

        traveller.shift(backoff - timedelta(seconds=1))
        assert outbox_deliver(message_id=message.pk) == OutboxStatus.PENDING
        assert outbox_deliver_due() == 0
        message.refresh_from_db()
        assert message.attempts == 1

        traveller.shift(timedelta(seconds=1))
        assert outbox_deliver(message_id=message.pk) == OutboxStatus.PENDING
        message.refresh_from_db()
        assert message.attempts == 2
        assert message.next_attempt_at == T0 + backoff + 2 * backoff


def test_it_sends_on_retry_once_the_server_is_back(db):
    """A message that failed once is sent by a later attempt, and its error is cleared."""
    with time_machine.travel(T0, tick=False) as traveller:
        message = _enqueue()
        with failing_smtp():
            outbox_deliver(message_id=message.pk)
        traveller.shift(timedelta(seconds=settings.OUTBOX_BACKOFF_SECONDS))

        assert outbox_deliver_due() == 1

    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 2
    assert message.last_error == ""


@failing_smtp()
def test_it_fails_after_the_maximum_number_of_attempts(db):
    """After OUTBOX_MAX_ATTEMPTS failures the message is failed and never tried again."""
    with time_machine.travel(T0, tick=False) as traveller:
        message = _enqueue()
        for attempt in range(1, settings.OUTBOX_MAX_ATTEMPTS + 1):
            status = outbox_deliver(message_id=message.pk)
            message.refresh_from_db()
            assert message.attempts == attempt
            expected = OutboxStatus.FAILED if attempt == settings.OUTBOX_MAX_ATTEMPTS else OutboxStatus.PENDING
            assert status == expected
            assert message.status == expected
            traveller.move_to(message.next_attempt_at)

        traveller.shift(timedelta(days=30))
        assert outbox_deliver(message_id=message.pk) == OutboxStatus.FAILED
        assert outbox_deliver_due() == 0

    message.refresh_from_db()
    assert message.attempts == settings.OUTBOX_MAX_ATTEMPTS
    assert message.status == OutboxStatus.FAILED
    assert "serveur SMTP injoignable" in message.last_error


@override_settings(OUTBOX_MAX_ATTEMPTS=2)
def test_it_reads_the_maximum_number_of_attempts_from_settings(db):
    """The number of attempts before giving up is a setting."""
    with failing_smtp(), time_machine.travel(T0, tick=False) as traveller:
        message = _enqueue()
        assert outbox_deliver(message_id=message.pk) == OutboxStatus.PENDING
        traveller.shift(timedelta(hours=1))
        assert outbox_deliver(message_id=message.pk) == OutboxStatus.FAILED


def test_it_fails_at_once_a_channel_without_gateway(db):
    """A channel Jalon has no way to send on fails at the first attempt, with its reason (no retry helps)."""
    message = _enqueue(channel="fax", recipient_address="+33388000000")

    assert outbox_deliver(message_id=message.pk) == OutboxStatus.FAILED

    message.refresh_from_db()
    assert message.attempts == 1
    assert "fax" in message.last_error


def test_it_delivers_only_due_messages(db):
    """outbox_deliver_due sends pending messages whose time has come, and nothing else."""
    with time_machine.travel(T0, tick=False) as traveller:
        due = _enqueue("due")
        later = _enqueue("later")
        sent = _enqueue("sent")
        failed = _enqueue("failed")
        OutboxMessage.objects.filter(pk=later.pk).update(next_attempt_at=T0 + timedelta(hours=1))
        OutboxMessage.objects.filter(pk=sent.pk).update(status=OutboxStatus.SENT)
        OutboxMessage.objects.filter(pk=failed.pk).update(status=OutboxStatus.FAILED)

        assert outbox_deliver_due() == 1
        assert [m.extra_headers["Message-ID"] for m in mail.outbox] == ["<due@jalon>"]
        assert OutboxMessage.objects.get(pk=due.pk).status == OutboxStatus.SENT
        assert OutboxMessage.objects.get(pk=later.pk).status == OutboxStatus.PENDING

        traveller.shift(timedelta(hours=1))
        assert outbox_deliver_due() == 1

    assert [m.extra_headers["Message-ID"] for m in mail.outbox] == ["<due@jalon>", "<later@jalon>"]
    assert OutboxMessage.objects.get(pk=sent.pk).attempts == 0
    assert OutboxMessage.objects.get(pk=failed.pk).attempts == 0


def test_it_delivers_due_messages_oldest_first_within_the_limit(db):
    """A run delivers at most `limit` messages, those due longest first."""
    with time_machine.travel(T0, tick=False):
        for key, minutes_overdue in (("third", 10), ("first", 30), ("second", 20)):
            message = _enqueue(key)
            OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=T0 - timedelta(minutes=minutes_overdue))

        assert outbox_deliver_due(limit=2) == 2

    assert [m.extra_headers["Message-ID"] for m in mail.outbox] == ["<first@jalon>", "<second@jalon>"]


@pytest.mark.parametrize("key", ["event-7-referrer", "event-8-gp"])
def test_it_sends_the_message_id_a_receiver_can_deduplicate_on(key, db):
    """The Message-ID is derived from the idempotency key only, so a resend after a crash carries the same one."""
    message = _enqueue(key)
    outbox_deliver(message_id=message.pk)

    assert mail.outbox[0].message()["Message-ID"] == f"<{key}@jalon>"
