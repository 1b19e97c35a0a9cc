from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

from jalon.accounts.models import AuditRecord
from jalon.events.models import Event
from jalon.messaging.models import OutboxMessage
from jalon.patients.models import CareTeamMember
from jalon.referrals.models import Status

PARIS = ZoneInfo("Europe/Paris")


@time_machine.travel(datetime(2026, 11, 20, 15, 0, tzinfo=PARIS), tick=False)
def test_it_acknowledges_with_reference_and_working_time_deadline(submit):
    """A Friday 15:00 routine referral is answered by Tuesday 15:00 (48 working hours), with a JAL reference."""
    result = submit(declared_urgency="routine")
    referral = result.referral
    assert referral.reference == "JAL-2026-000001"
    assert referral.status == Status.RECEIVED
    assert referral.answer_deadline == datetime(2026, 11, 24, 15, 0, tzinfo=PARIS)
    assert referral.is_complete, referral.missing_items


def test_it_writes_event_audit_outbox_and_care_team(submit, gp):
    """Submission writes its event, its audit record, the acknowledgment message and the care team."""
    referral = submit().referral
    assert Event.objects.filter(referral=referral, kind="referral.submitted").count() == 1
    assert AuditRecord.objects.filter(patient=referral.patient, action="create", object_type="referral").exists()
    message = OutboxMessage.objects.get(event__referral=referral, channel="email")
    assert message.recipient_address == gp.professional.email
    assert referral.reference in message.subject
    in_app = OutboxMessage.objects.get(event__referral=referral, channel="in_app")
    assert in_app.recipient_user_id == gp.pk and referral.patient.display_name in in_app.body
    roles = set(CareTeamMember.objects.filter(patient=referral.patient).values_list("role", flat=True))
    # The GP named on the referral is a proposal: no care-team row until the coordination confirms them.
    assert roles == {"referrer", "coordinator"}
