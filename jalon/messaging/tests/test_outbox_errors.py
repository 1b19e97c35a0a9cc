"""The outbox's one rule for delivery errors: permanent ones fail at once with their reason, transient ones retry;
and the services hand messages to the worker through a signal, never by importing the tasks."""

import ast
import smtplib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import override_settings
from django.urls import reverse

from jalon.messaging import services, sms
from jalon.messaging.models import OutboxMessage, OutboxStatus
from jalon.messaging.services import classify_delivery_error, outbox_deliver, outbox_deliver_due, outbox_enqueue
from jalon.messaging.signals import outbox_message_queued
from jalon.messaging.sms import SMS_MAX_LENGTH

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ERROR = None  # the exception the fake e-mail backend raises, set by `smtp_raises`


class RaisingEmailBackend(BaseEmailBackend):
    """An SMTP connection that answers with the exception in `ERROR`."""

    def send_messages(self, email_messages):
        raise ERROR


@pytest.fixture
def locmem_sms(settings):
    """SMS go to the in-memory gateway, whose list is returned."""
    settings.SMS_GATEWAY = "jalon.messaging.sms.LocmemSmsGateway"
    sms.locmem_outbox.clear()
    yield sms.locmem_outbox
    sms.locmem_outbox.clear()


@pytest.fixture
def smtp_raises(monkeypatch):
    """Make every e-mail delivery raise the given exception."""

    def _raise(exc):
        monkeypatch.setattr(f"{__name__}.ERROR", exc)
        return override_settings(EMAIL_BACKEND=f"{__name__}.RaisingEmailBackend")

    return _raise


def _enqueue(**overrides):
    values = dict(
        idempotency_key="event-1-referrer",
        channel="email",
        recipient_address="claire.martin@exemple.fr",
        subject="Demande JAL-2026-000001 acceptée",
        body="Bonjour,\n\nLa demande JAL-2026-000001 a été acceptée.\n",
    )
    values.update(overrides)
    return outbox_enqueue(**values)


RECIPIENT_UNKNOWN = smtplib.SMTPRecipientsRefused({"claire.martin@exemple.fr": (550, b"5.1.1 User unknown")})
MAILBOX_FULL = smtplib.SMTPRecipientsRefused({"claire.martin@exemple.fr": (452, b"4.2.2 Mailbox full")})

PERMANENT = {
    "unknown channel": (dict(channel="fax", recipient_address="+33388000000"), None, "Canal inconnu"),
    "sms too long": (
        dict(channel="sms", recipient_address="+33612345678", body="x" * (SMS_MAX_LENGTH + 1)),
        None,
        "Texte trop long pour un SMS",
    ),
    "invalid e-mail address": (
        dict(recipient_address="claire.martin@"),
        None,
        "Adresse électronique du destinataire invalide",
    ),
    "missing e-mail address": (dict(recipient_address=""), None, "invalide ou absente"),
    "invalid MSSanté address": (
        dict(channel="mssante", recipient_address="pas une adresse"),
        None,
        "invalide ou absente",
    ),
    "invalid phone number": (
        dict(channel="sms", recipient_address="12"),
        None,
        "Numéro de téléphone du destinataire invalide",
    ),
    "missing phone number": (dict(channel="sms", recipient_address=""), None, "invalide ou absent"),
    "SMTP 5xx recipient refusal": ({}, RECIPIENT_UNKNOWN, "550 5.1.1 User unknown"),
    "SMTP 5xx message refusal": (
        {},
        smtplib.SMTPDataError(554, b"5.7.1 Message rejected"),
        "554 5.7.1 Message rejected",
    ),
}

TRANSIENT = {
    "connection refused": ConnectionRefusedError("Connection refused"),
    "timeout": TimeoutError("timed out"),
    "SMTP 4xx recipient refusal": MAILBOX_FULL,
    "SMTP 4xx at data": smtplib.SMTPDataError(451, b"4.3.0 Try again later"),
    "SMTP server disconnected": smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
}


@pytest.mark.parametrize(("overrides", "smtp_error", "reason"), PERMANENT.values(), ids=PERMANENT.keys())
def test_a_permanent_error_fails_at_the_first_attempt_with_its_reason(
    db, locmem_sms, smtp_raises, overrides, smtp_error, reason
):
    """A permanent error fails the message at once, records its reason, and is never tried again."""
    with time_machine.travel(T0, tick=False) as traveller:
        message = _enqueue(**overrides)
        if smtp_error is not None:
            with smtp_raises(smtp_error):
                status = outbox_deliver(message_id=message.pk)
        else:
            status = outbox_deliver(message_id=message.pk)

        assert status == OutboxStatus.FAILED
        traveller.shift(timedelta(days=30))
        assert outbox_deliver_due() == 0

    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.FAILED, 1)
    assert reason in message.last_error
    assert mail.outbox == [] and locmem_sms == []


@pytest.mark.parametrize("error", TRANSIENT.values(), ids=TRANSIENT.keys())
def test_a_transient_error_is_retried_with_back_off(db, smtp_raises, error):
    """A transient error leaves the message pending with its error, tried again after the back-off."""
    with time_machine.travel(T0, tick=False) as traveller, smtp_raises(error):
        message = _enqueue()
        assert outbox_deliver(message_id=message.pk) == OutboxStatus.PENDING
        message.refresh_from_db()
        assert message.next_attempt_at == T0 + timedelta(seconds=settings.OUTBOX_BACKOFF_SECONDS)

        traveller.move_to(message.next_attempt_at)
        assert outbox_deliver_due() == 1

    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.PENDING, 2)
    assert message.last_error


@override_settings(OUTBOX_MAX_ATTEMPTS=3)
def test_a_transient_error_fails_after_the_last_attempt(db, smtp_raises):
    """A transient error repeated OUTBOX_MAX_ATTEMPTS times ends in a definitive failure."""
    with time_machine.travel(T0, tick=False) as traveller, smtp_raises(MAILBOX_FULL):
        message = _enqueue()
        statuses = []
        for _attempt in range(3):
            statuses.append(outbox_deliver(message_id=message.pk))
            message.refresh_from_db()
            traveller.move_to(message.next_attempt_at)

    assert statuses == [OutboxStatus.PENDING, OutboxStatus.PENDING, OutboxStatus.FAILED]
    assert "452" in message.last_error


def test_a_recipient_refusal_is_permanent_only_when_every_code_is_5xx():
    """A mixed refusal (one 5xx, one 4xx) may still succeed later for one address: it is retried."""
    mixed = smtplib.SMTPRecipientsRefused({"a@exemple.fr": (550, b"User unknown"), "b@exemple.fr": (451, b"Later")})

    assert classify_delivery_error(RECIPIENT_UNKNOWN)[0] is True
    assert classify_delivery_error(mixed)[0] is False
    assert classify_delivery_error(MAILBOX_FULL)[0] is False


@pytest.mark.parametrize(
    ("change", "smtp_error", "reason"),
    [
        (dict(channel="fax"), None, "Canal inconnu"),
        (dict(recipient_address="claire.martin@"), None, "invalide ou absente"),
        ({}, RECIPIENT_UNKNOWN, "User unknown"),
    ],
    ids=["unknown channel", "invalid address", "SMTP 5xx recipient refusal"],
)
def test_a_permanent_error_is_shown_as_a_definitive_failure(
    client, coordinator, submit, smtp_raises, change, smtp_error, reason
):
    """The coordinator's worklist shows the failure with its reason after one attempt, and « Pris en compte » clears
    it."""
    referral = submit().referral
    message = OutboxMessage.objects.get(event__referral=referral, channel="email")
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.PENDING, attempts=0, **change)
    if smtp_error is not None:
        with smtp_raises(smtp_error):
            assert outbox_deliver(message_id=message.pk) == OutboxStatus.FAILED
    else:
        assert outbox_deliver(message_id=message.pk) == OutboxStatus.FAILED

    client.force_login(coordinator)
    page = client.get(reverse("coordination:worklist")).content.decode()
    assert "Messages non distribués" in page and reason in page

    client.post(reverse("messaging:failed_action", args=[message.pk, "traite"]))
    message.refresh_from_db()
    assert (message.status, message.attempts, message.failure_handled_by) == (OutboxStatus.FAILED, 1, coordinator)
    assert "Messages non distribués" not in client.get(reverse("coordination:worklist")).content.decode()


def test_a_queue_that_cannot_be_reached_leaves_the_message_to_the_periodic_run(db, django_capture_on_commit_callbacks):
    """If handing the message to the worker fails after commit, nothing is raised and the periodic run sends it."""

    def unreachable_queue(sender, **kwargs):
        raise ConnectionError("file d'attente injoignable")

    outbox_message_queued.connect(unreachable_queue, dispatch_uid="test-unreachable-queue")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            message = _enqueue(channel="in_app", recipient_address="jalon:1")
    finally:
        outbox_message_queued.disconnect(dispatch_uid="test-unreachable-queue")

    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT  # the worker's own receiver still ran
    assert outbox_deliver_due() == 0


def _imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at top level or inside functions (`from . import x` counts as `.x`)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            names.add(base)
            names.update(f"{base}.{alias.name}" if base else alias.name for alias in node.names)
    return names


@pytest.mark.parametrize(
    "path", sorted(Path(services.__file__).parents[1].glob("*/services.py")), ids=lambda p: p.parent.name
)
def test_a_service_never_imports_the_worker_tasks(path):
    """No services module imports a tasks module: services announce work through signals (e.g.
    outbox_message_queued)."""
    imported = _imported_modules(path)

    assert [name for name in imported if name.split(".")[-1] == "tasks" or ".tasks." in name] == []
