"""Bookings tell the city (seed 001, fiche 7): one message per booking group to the referrer and the
GP, and another when an appointment is moved or cancelled; the secure text says what, where, when."""

from __future__ import annotations

import pytest
import time_machine

from jalon.core.actor import Actor
from jalon.messaging.models import Channel, OutboxMessage
from jalon.scheduling.models import Slot
from jalon.scheduling.services import BookingRequest, appointment_cancel, appointments_book
from jalon.scheduling.tests.test_scheduling_pages import MONDAY_10H, book_first_plan, lung_pathway, lung_resources


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(MONDAY_10H, tick=False) as traveller:
        yield traveller


@pytest.fixture
def pathway(submit, coordinator, hospital):
    lung_resources(hospital)
    return lung_pathway(submit, coordinator)


def test_it_tells_the_referrer_once_per_booking_group(pathway, coordinator, gp):
    """Booking the diagnostic day (two appointments) sends one message per channel, naming both."""
    appointments = book_first_plan(pathway, coordinator)
    assert len(appointments) == 2
    messages = OutboxMessage.objects.filter(kind="appointment.booked")
    assert sorted(messages.values_list("channel", flat=True)) == [Channel.EMAIL, Channel.IN_APP]
    secure = messages.get(channel=Channel.IN_APP)
    assert secure.recipient_professional_id == gp.professional_id
    for appointment in appointments:
        assert appointment.milestone.label in secure.body
    notice = messages.get(channel=Channel.EMAIL)
    assert all(a.milestone.label not in notice.body for a in appointments)


def test_it_tells_the_referrer_of_a_cancellation_with_its_reason(pathway, coordinator, gp):
    """Cancelling an appointment sends « rendez-vous modifié » with the reason in the secure text."""
    appointment = book_first_plan(pathway, coordinator)[0]
    appointment_cancel(actor=Actor(user=coordinator), appointment=appointment, reason="Patient hospitalisé")
    changed = OutboxMessage.objects.get(kind="appointment.changed", channel=Channel.IN_APP)
    assert "Patient hospitalisé" in changed.body and "Annulé" in changed.body


def test_it_tells_the_referrer_of_a_reschedule_as_a_change(pathway, coordinator):
    """Moving a step to another slot is one « modifié » message, not a new booking."""
    appointment = book_first_plan(pathway, coordinator)[0]
    later = (
        Slot.objects.filter(resource=appointment.slot.resource, start__gt=appointment.slot.start)
        .exclude(appointments__status="booked")
        .order_by("start")[1]
    )
    appointments_book(
        actor=Actor(user=coordinator),
        pathway=pathway,
        requests=[BookingRequest(milestone=appointment.milestone, slot=later)],
        replace_existing=True,
    )
    assert OutboxMessage.objects.filter(kind="appointment.booked", channel=Channel.IN_APP).count() == 1
    changed = OutboxMessage.objects.filter(kind="appointment.changed", channel=Channel.IN_APP)
    assert changed.count() == 1 and "Nouveau rendez-vous" in changed.get().body
