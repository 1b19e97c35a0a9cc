"""A message that could not be delivered after the last retry is shown to the coordination, who retry
it or take it into account; the delivery status shows on the referral's history."""

import pytest
from django.urls import reverse

from jalon.accounts.models import AuditRecord
from jalon.messaging.models import OutboxMessage, OutboxStatus


@pytest.fixture
def failed(submit):
    """The acknowledgment of a referral, failed for good after its last retry."""
    referral = submit().referral
    message = OutboxMessage.objects.get(event__referral=referral, channel="email")
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxStatus.FAILED, attempts=8, last_error="Connection refused"
    )
    message.refresh_from_db()
    return referral, message


def test_it_shows_failed_messages_in_the_worklist(client, coordinator, failed):
    """The coordinator of the entry point sees the failure, audited with the rest of the worklist."""
    referral, message = failed
    client.force_login(coordinator)
    page = client.get(reverse("coordination:worklist")).content.decode()
    assert "Messages non distribués" in page and message.recipient_address in page and "Connection refused" in page
    assert AuditRecord.objects.filter(actor=coordinator, patient=referral.patient, object_type="worklist").exists()


def test_it_hides_them_from_a_coordinator_elsewhere(client, coordinator_elsewhere, failed):
    """A coordinator of another organisation neither sees nor acts on the failure (404)."""
    _referral, message = failed
    client.force_login(coordinator_elsewhere)
    assert "Messages non distribués" not in client.get(reverse("coordination:worklist")).content.decode()
    assert client.post(reverse("messaging:failed_action", args=[message.pk, "renvoyer"])).status_code == 404
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED


def test_it_puts_a_failed_message_back_in_the_queue(client, coordinator, failed):
    """« Renvoyer » resets the attempts; the message is pending again and leaves the list."""
    _referral, message = failed
    client.force_login(coordinator)
    assert client.post(reverse("messaging:failed_action", args=[message.pk, "renvoyer"])).status_code == 302
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.PENDING, 0)


def test_it_records_that_the_failure_was_handled(client, coordinator, failed):
    """« Pris en compte » keeps the failure in history but removes it from the worklist."""
    _referral, message = failed
    client.force_login(coordinator)
    client.post(reverse("messaging:failed_action", args=[message.pk, "traite"]))
    message.refresh_from_db()
    assert message.failure_handled_by == coordinator and message.status == OutboxStatus.FAILED
    assert "Messages non distribués" not in client.get(reverse("coordination:worklist")).content.decode()


def test_it_refuses_an_unknown_action(client, coordinator, failed):
    """A forged action answers 404 and changes nothing."""
    _referral, message = failed
    client.force_login(coordinator)
    assert client.post(reverse("messaging:failed_action", args=[message.pk, "supprimer"])).status_code == 404


def test_it_shows_the_delivery_status_on_the_referral_history(client, coordinator, failed):
    """Each event's messages show their channel, recipient and status."""
    referral, message = failed
    client.force_login(coordinator)
    page = client.get(reverse("coordination:referral", args=[referral.reference])).content.decode()
    assert message.recipient_address in page and "Échec définitif" in page
