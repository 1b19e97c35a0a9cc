"""Review (reva): the coordination of another organisation sees and acts on undelivered messages of its own
entry points' referrals only, even when the patient also came through one of its entry points."""

import pytest
from django.urls import reverse

from conftest import Actor, identity
from jalon.messaging.models import OutboxMessage, OutboxStatus

pytestmark = pytest.mark.django_db


def test_a_coordinator_elsewhere_cannot_see_or_handle_the_failed_message_of_another_organisations_referral(
    client, submit, gp, coordinator_elsewhere, hospital_entry_point
):
    """The hospital's coordinator phones in a referral for the CPTS's patient (a match on traits): the CPTS
    referral's failed message must stay the CPTS's, neither listed nor « pris en compte » by the hospital."""
    cpts_referral = submit().referral
    message = OutboxMessage.objects.get(event__referral=cpts_referral, channel="email")
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxStatus.FAILED, attempts=8, last_error="Connection refused"
    )
    submit(
        user=coordinator_elsewhere,
        actor=Actor(user=coordinator_elsewhere, ip_address="127.0.0.1"),
        entry_point=hospital_entry_point,
        channel="phone",
        referrer=gp.professional,
        patient=identity(ins="", gp_id=None),
    )
    client.force_login(coordinator_elsewhere)

    page = client.get(reverse("coordination:worklist")).content.decode()
    handled = client.post(reverse("messaging:failed_action", args=[message.pk, "traite"]))

    assert message.recipient_address not in page
    assert cpts_referral.reference not in page
    assert handled.status_code == 404
    message.refresh_from_db()
    assert message.failure_handled_at is None
