"""SMS: a gateway chosen by a dotted-path setting, delivery through the outbox, short notices only."""

import json
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured

from jalon.messaging import sms
from jalon.messaging.models import OutboxMessage, OutboxStatus
from jalon.messaging.services import outbox_deliver, outbox_deliver_due, outbox_enqueue

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
NOTICE = "Jalon : du nouveau pour un de vos patients. Connectez-vous pour le consulter."


class RecordingGateway:
    """A gateway defined outside the sms module, to show any dotted path is loaded."""

    calls: list[dict] = []

    def send(self, *, to, text, idempotency_key):
        self.calls.append({"to": to, "text": text, "idempotency_key": idempotency_key})


class NotAGateway:
    pass


@pytest.fixture
def locmem_sms(settings):
    settings.SMS_GATEWAY = "jalon.messaging.sms.LocmemSmsGateway"
    sms.locmem_outbox.clear()
    yield sms.locmem_outbox
    sms.locmem_outbox.clear()


def _enqueue_sms(key="event-1-gp-sms", body=NOTICE):
    return outbox_enqueue(
        idempotency_key=key, channel="sms", recipient_address="+33612345678", subject="Jalon", body=body
    )


def test_it_uses_the_file_gateway_by_default():
    """Without configuration the embedded default writes SMS to a file."""
    assert isinstance(sms.get_gateway(), sms.FileSmsGateway)


def test_it_loads_the_gateway_named_by_the_setting(settings):
    """SMS_GATEWAY is a dotted path to any class with a send method."""
    settings.SMS_GATEWAY = f"{__name__}.RecordingGateway"
    gateway = sms.get_gateway()

    assert isinstance(gateway, RecordingGateway)
    assert isinstance(gateway, sms.SmsGateway)


@pytest.mark.parametrize(
    "path",
    [
        "jalon.messaging.sms.NoSuchGateway",
        "no.such.module.Gateway",
        "",
        "nodots",
        f"{__name__}.NotAGateway",
        f"{__name__}.NOTICE",
    ],
)
def test_it_refuses_a_bad_gateway_path_with_a_clear_message(settings, path):
    """A path that does not name a gateway class is a configuration error, raised when an SMS is sent."""
    settings.SMS_GATEWAY = path

    with pytest.raises(ImproperlyConfigured, match="SMS_GATEWAY=") as error:
        sms.get_gateway()

    assert repr(path) in str(error.value)


def test_it_keeps_pending_an_sms_when_the_gateway_is_misconfigured(db, settings):
    """A misconfigured gateway fails like an unreachable provider: pending, with the reason."""
    settings.SMS_GATEWAY = "jalon.messaging.sms.NoSuchGateway"
    message = _enqueue_sms()

    assert outbox_deliver(message_id=message.pk) == OutboxStatus.PENDING

    message.refresh_from_db()
    assert message.attempts == 1
    assert "SMS_GATEWAY" in message.last_error


def test_it_delivers_an_sms_through_the_gateway_with_its_key(db, locmem_sms):
    """The outbox hands number, text and idempotency key to the gateway, once."""
    with time_machine.travel(T0, tick=False):
        message = _enqueue_sms()
        assert outbox_deliver(message_id=message.pk) == OutboxStatus.SENT
    assert outbox_deliver(message_id=message.pk) == OutboxStatus.SENT
    assert outbox_deliver_due() == 0

    assert locmem_sms == [{"to": "+33612345678", "text": NOTICE, "idempotency_key": "event-1-gp-sms"}]
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 1
    assert message.sent_at == T0


def test_it_sends_an_sms_of_the_maximum_length(db, locmem_sms):
    """A text of exactly SMS_MAX_LENGTH characters goes out unchanged."""
    body = "x" * sms.SMS_MAX_LENGTH
    message = _enqueue_sms(body=body)

    assert outbox_deliver(message_id=message.pk) == OutboxStatus.SENT
    assert [sent["text"] for sent in locmem_sms] == [body]


def test_it_never_sends_a_long_sms(db, locmem_sms):
    """A text longer than a notice (where clinical detail could hide) is neither sent nor cut: it fails at once."""
    message = _enqueue_sms(body="x" * (sms.SMS_MAX_LENGTH + 1))

    assert outbox_deliver(message_id=message.pk) == OutboxStatus.FAILED

    assert locmem_sms == []
    message = OutboxMessage.objects.get(pk=message.pk)
    assert message.attempts == 1
    assert "Texte trop long pour un SMS" in message.last_error


def test_it_retries_an_sms_when_the_gateway_fails(db, settings, locmem_sms, monkeypatch):
    """A provider error leaves the SMS pending for a later attempt."""

    def unreachable(self, **kwargs):
        raise ConnectionError("fournisseur SMS injoignable")

    monkeypatch.setattr(sms.LocmemSmsGateway, "send", unreachable)
    message = _enqueue_sms()

    assert outbox_deliver(message_id=message.pk) == OutboxStatus.PENDING

    message.refresh_from_db()
    assert "fournisseur SMS injoignable" in message.last_error
    assert locmem_sms == []


def test_the_file_gateway_appends_a_json_line_per_sms(settings, tmp_path):
    """The file gateway appends one JSON line per SMS under VAR_DIR/sms/sms.log."""
    settings.VAR_DIR = tmp_path
    gateway = sms.FileSmsGateway()

    with time_machine.travel(T0, tick=False):
        gateway.send(to="+33612345678", text=NOTICE, idempotency_key="k-1")
        gateway.send(to="+33698765432", text="Autre avis", idempotency_key="k-2")

    lines = (tmp_path / "sms" / "sms.log").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [
        {"at": T0.isoformat(), "to": "+33612345678", "text": NOTICE, "idempotency_key": "k-1"},
        {"at": T0.isoformat(), "to": "+33698765432", "text": "Autre avis", "idempotency_key": "k-2"},
    ]


def test_the_outbox_writes_an_sms_with_the_default_gateway(db, settings, tmp_path):
    """End to end with the embedded default: the SMS outbox message lands in the log file."""
    settings.VAR_DIR = tmp_path
    message = _enqueue_sms()

    assert outbox_deliver(message_id=message.pk) == OutboxStatus.SENT

    (line,) = (tmp_path / "sms" / "sms.log").read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["idempotency_key"] == "event-1-gp-sms"
