"""thread_message_post: the message with its side, its event (side only), its audit record, the thread
read for its author; empty, blank, too long or outsider messages refused with nothing written."""

from __future__ import annotations

import pytest

from jalon.accounts.models import AuditAction, AuditRecord
from jalon.core.actor import Actor
from jalon.events.kinds import event_label
from jalon.events.models import Event
from jalon.portal.errors import PortalError, PortalErrorCode
from jalon.portal.models import MESSAGE_MAX_LENGTH, ThreadMessage, ThreadReadMark, ThreadSide
from jalon.portal.services import thread_message_post


def _nothing_written(referral) -> bool:
    return (
        not ThreadMessage.objects.exists()
        and not Event.objects.filter(kind="thread.message_posted").exists()
        and not AuditRecord.objects.filter(object_type="thread.message").exists()
        and not ThreadReadMark.objects.exists()
    )


def test_it_writes_the_message_from_the_city_side(referral, gp):
    """The referrer's message is stored as typed (trimmed), from the city side."""
    message = thread_message_post(
        actor=Actor(user=gp), referral=referral, body="  Le patient a-t-il son rendez-vous ?\n"
    )

    message.refresh_from_db()
    assert (message.referral_id, message.author_id, message.side) == (referral.pk, gp.pk, ThreadSide.CITY)
    assert message.body == "Le patient a-t-il son rendez-vous ?"


def test_it_writes_the_gps_message_from_the_city_side_too(referral, treating_gp):
    """The patient's GP, who did not refer, writes from the city side."""
    assert (
        thread_message_post(actor=Actor(user=treating_gp), referral=referral, body="Question").side == ThreadSide.CITY
    )


def test_it_writes_the_coordinators_message_from_the_coordination_side(referral, coordinator):
    """The entry point's coordinator writes from the coordination side."""
    assert (
        thread_message_post(actor=Actor(user=coordinator), referral=referral, body="Rendez-vous pris").side
        == ThreadSide.COORDINATION
    )


def test_it_records_an_event_with_the_side_and_never_the_text(referral, gp):
    """The event says who, when and which side; the text stays in the thread (events feed exports and indicators)."""
    thread_message_post(actor=Actor(user=gp), referral=referral, body="Texte confidentiel")

    event = Event.objects.get(kind="thread.message_posted")
    assert (event.actor_id, event.patient_id, event.referral_id) == (gp.pk, referral.patient_id, referral.pk)
    assert event.payload == {"side": ThreadSide.CITY}
    assert event_label(event.kind) != event.kind


def test_it_writes_the_audit_record(referral, gp):
    """A CREATE audit record names the patient and the message."""
    message = thread_message_post(actor=Actor(user=gp, ip_address="10.0.0.7"), referral=referral, body="Bonjour")

    record = AuditRecord.objects.get(object_type="thread.message")
    assert (record.action, record.patient_id, record.object_id, record.actor_id) == (
        AuditAction.CREATE,
        referral.patient_id,
        str(message.pk),
        gp.pk,
    )
    assert record.ip_address == "10.0.0.7"


def test_it_marks_the_thread_read_for_its_author(referral, gp):
    """The author has read their own message (and all before it)."""
    message = thread_message_post(actor=Actor(user=gp), referral=referral, body="Bonjour")

    assert ThreadReadMark.objects.get(user=gp, referral=referral).last_read_at == message.created_at


def test_it_accepts_a_message_of_the_maximum_length(referral, gp):
    """Exactly 5 000 characters pass."""
    assert (
        len(thread_message_post(actor=Actor(user=gp), referral=referral, body="a" * MESSAGE_MAX_LENGTH).body)
        == MESSAGE_MAX_LENGTH
    )


@pytest.mark.parametrize("body", ["", "   \n\t  ", None])
def test_it_refuses_an_empty_message(referral, gp, body):
    """Empty or blank text: a French error, nothing written."""
    with pytest.raises(PortalError) as refused:
        thread_message_post(actor=Actor(user=gp), referral=referral, body=body)

    assert refused.value.code == PortalErrorCode.EMPTY_MESSAGE
    assert "Écrivez votre message" in refused.value.message
    assert _nothing_written(referral)


def test_it_refuses_a_too_long_message(referral, gp):
    """Over 5 000 characters: a French error giving the length and the limit, nothing written."""
    with pytest.raises(PortalError) as refused:
        thread_message_post(actor=Actor(user=gp), referral=referral, body="a" * (MESSAGE_MAX_LENGTH + 1))

    assert refused.value.code == PortalErrorCode.MESSAGE_TOO_LONG
    assert "5001 caractères" in refused.value.message and "5000 au plus" in refused.value.message
    assert _nothing_written(referral)


@pytest.mark.parametrize("name", ["other_gp", "coordinator_elsewhere", "specialist", "manager"])
def test_it_refuses_someone_outside_the_thread(referral, request, name):
    """Nobody else writes in the thread, even by calling the service directly."""
    with pytest.raises(PortalError) as refused:
        thread_message_post(actor=Actor(user=request.getfixturevalue(name)), referral=referral, body="Bonjour")

    assert refused.value.code == PortalErrorCode.NOT_ALLOWED
    assert _nothing_written(referral)


def test_it_tells_the_city_of_the_coordinations_answer_without_its_text(referral, coordinator, gp, treating_gp):
    """An answer of the coordination sends the referrer and the GP a « thread.reply » notice (no message text);
    a city message sends no e-mail (the coordination reads unread counts in its worklist)."""
    from jalon.messaging.models import Channel, OutboxMessage

    thread_message_post(actor=Actor(user=gp), referral=referral, body="Le scanner est-il programmé ?")
    assert not OutboxMessage.objects.filter(kind="thread.reply").exists()

    thread_message_post(actor=Actor(user=coordinator), referral=referral, body="Oui, jeudi à 14 h au CHU.")
    replies = OutboxMessage.objects.filter(kind="thread.reply")
    assert set(replies.values_list("recipient_professional_id", flat=True)) == {
        gp.professional_id,
        treating_gp.professional_id,
    }
    assert all("jeudi à 14 h" not in message.body for message in replies)
    assert replies.filter(channel=Channel.EMAIL, recipient_professional_id=gp.professional_id).exists()
