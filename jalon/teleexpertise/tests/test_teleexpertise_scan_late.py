"""teleexpertise_scan_late: one late event and one message per recipient, however often it runs."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from jalon.core.actor import Actor
from jalon.events.models import Event
from jalon.messaging.models import OutboxMessage
from jalon.teleexpertise.models import TeleExpertiseRequest
from jalon.teleexpertise.services import teleexpertise_answer, teleexpertise_scan_late, teleexpertise_withdraw
from jalon.teleexpertise.tasks import scan_late_teleexpertise

PARIS = ZoneInfo("Europe/Paris")
MONDAY_9H = datetime(2026, 11, 16, 9, 0, tzinfo=PARIS)  # deadline: Wednesday 18 November 9:00


def _asked(ask):
    with time_machine.travel(MONDAY_9H, tick=False):
        return ask()


def test_it_raises_nothing_before_the_deadline(ask):
    """One minute before the deadline the request is not late."""
    _asked(ask)
    assert teleexpertise_scan_late(now=datetime(2026, 11, 18, 8, 59, tzinfo=PARIS)) == 0
    assert not Event.objects.filter(kind="teleexpertise.late").exists()


def test_it_raises_one_late_event_and_messages_the_service(ask, pneumologist, second_pneumologist, gastroenterologist):
    """Past the deadline: one late event, the service's specialists told, another service not."""
    request = _asked(ask)
    late_at = datetime(2026, 11, 18, 9, 10, tzinfo=PARIS)
    assert teleexpertise_scan_late(now=late_at) == 1
    event = Event.objects.get(kind="teleexpertise.late")
    assert (event.patient_id, event.payload["teleexpertise"], event.actor_id) == (
        request.patient_id,
        request.reference,
        None,
    )
    rows = OutboxMessage.objects.filter(event=event, kind="teleexpertise.late")
    assert {row.recipient_professional_id for row in rows} == {
        pneumologist.professional_id,
        second_pneumologist.professional_id,
    }
    assert "mercredi 18 novembre 2026 à 9 h 00" in rows.filter(channel="mssante").get().body
    request.refresh_from_db()
    assert request.late_notified_at == late_at


def test_it_is_idempotent(ask, pneumologist, second_pneumologist):
    """Running twice (or on two workers) gives one event and one message per recipient and channel."""
    _asked(ask)
    with time_machine.travel(datetime(2026, 11, 18, 12, 0, tzinfo=PARIS), tick=False):
        first = teleexpertise_scan_late()
        messages = OutboxMessage.objects.filter(kind="teleexpertise.late").count()
    with time_machine.travel(datetime(2026, 11, 18, 12, 10, tzinfo=PARIS), tick=False):
        second = teleexpertise_scan_late()
    assert (first, second) == (1, 0)
    assert Event.objects.filter(kind="teleexpertise.late").count() == 1
    assert (
        OutboxMessage.objects.filter(kind="teleexpertise.late").count() == messages == 4
    )  # 2 specialists × (mail + in Jalon)
    keys = list(
        OutboxMessage.objects.filter(kind="teleexpertise.late").values_list("recipient_professional_id", "channel")
    )
    assert len(keys) == len(set(keys))


def test_it_claims_each_request_once_even_if_another_worker_already_did(ask):
    """A request another worker claimed meanwhile (late_notified_at set) is left alone."""
    request = _asked(ask)
    TeleExpertiseRequest.objects.filter(pk=request.pk).update(
        late_notified_at=datetime(2026, 11, 18, 9, 5, tzinfo=PARIS)
    )
    assert teleexpertise_scan_late(now=datetime(2026, 11, 18, 10, 0, tzinfo=PARIS)) == 0
    assert not Event.objects.filter(kind="teleexpertise.late").exists()


def test_it_leaves_answered_and_withdrawn_requests_alone(ask, gp, pneumologist):
    """Answered or withdrawn requests are never late."""
    answered, withdrawn = _asked(ask), _asked(ask)
    teleexpertise_answer(actor=Actor(user=pneumologist), request=answered, answer="Avis rendu.")
    teleexpertise_withdraw(actor=Actor(user=gp), request=withdrawn)
    assert teleexpertise_scan_late(now=datetime(2026, 11, 20, 9, 0, tzinfo=PARIS)) == 0


def test_it_runs_from_the_periodic_task(ask, pneumologist):
    """The Huey task (run at once in tests) calls the scan."""
    _asked(ask)
    with time_machine.travel(MONDAY_9H + timedelta(days=3), tick=False):
        scan_late_teleexpertise.call_local()
    assert Event.objects.filter(kind="teleexpertise.late").count() == 1
