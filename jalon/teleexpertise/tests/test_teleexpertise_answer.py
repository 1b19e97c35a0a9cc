"""teleexpertise_answer: the requester is told, the specialist joins the care team; no second answer."""

import pytest

from jalon.accounts.models import AuditAction, AuditRecord
from jalon.core.actor import Actor
from jalon.events.models import Event
from jalon.messaging.models import Channel, OutboxMessage
from jalon.patients.models import CareTeamMember, CareTeamRole
from jalon.referrals.models import Referral
from jalon.teleexpertise.errors import TeleExpertiseError, TeleExpertiseErrorCode
from jalon.teleexpertise.models import RequestStatus
from jalon.teleexpertise.services import teleexpertise_answer, teleexpertise_withdraw

ANSWER = "Je propose un TEP-TDM puis une consultation de pneumologie sous quinze jours."


def test_it_records_the_answer(ask, pneumologist):
    """The request is answered: text, who and when."""
    request = teleexpertise_answer(actor=Actor(user=pneumologist), request=ask(), answer=f"  {ANSWER}  ")
    request.refresh_from_db()
    assert request.status == RequestStatus.ANSWERED
    assert (request.answer, request.answered_by_id) == (ANSWER, pneumologist.pk)
    assert request.answered_at is not None and request.converted_referral_id is None
    assert not Referral.objects.exists()


def test_it_tells_the_requester(ask, gp, pneumologist, second_pneumologist):
    """The GP gets the answer (in Jalon with the text, by e-mail as a short notice); the specialists get nothing
    more."""
    request = ask()
    teleexpertise_answer(actor=Actor(user=pneumologist), request=request, answer=ANSWER)
    event = Event.objects.get(kind="teleexpertise.answered")
    rows = OutboxMessage.objects.filter(event=event)
    assert {(row.recipient_professional_id, row.channel) for row in rows} == {
        (gp.professional_id, Channel.EMAIL),
        (gp.professional_id, Channel.IN_APP),
    }
    in_app = rows.get(channel=Channel.IN_APP)
    assert ANSWER in in_app.body and "Nodule pulmonaire" in in_app.body
    assert request.reference in in_app.subject
    assert ANSWER not in rows.get(channel=Channel.EMAIL).body


def test_it_adds_the_specialist_to_the_care_team(ask, pneumologist):
    """The answering specialist joins the patient's care team as specialist, for this request."""
    request = ask()
    teleexpertise_answer(actor=Actor(user=pneumologist), request=request, answer=ANSWER)
    member = CareTeamMember.objects.active().get(
        patient_id=request.patient_id, professional_id=pneumologist.professional_id
    )
    assert (member.role, member.reason) == (CareTeamRole.SPECIALIST, request.reference)


def test_it_writes_the_event_and_the_audit(ask, pneumologist):
    """One answered event and one audit record with the patient."""
    request = ask()
    teleexpertise_answer(actor=Actor(user=pneumologist), request=request, answer=ANSWER)
    event = Event.objects.get(kind="teleexpertise.answered")
    assert (event.actor_id, event.patient_id, event.payload["teleexpertise"]) == (
        pneumologist.pk,
        request.patient_id,
        request.reference,
    )
    assert AuditRecord.objects.filter(
        actor=pneumologist, action=AuditAction.UPDATE, object_type="teleexpertise", patient_id=request.patient_id
    ).exists()


def test_it_refuses_an_empty_answer(ask, pneumologist):
    """A blank answer is refused in French and the request still waits."""
    request = ask()
    with pytest.raises(TeleExpertiseError) as refused:
        teleexpertise_answer(actor=Actor(user=pneumologist), request=request, answer="  ")
    assert refused.value.code == TeleExpertiseErrorCode.ANSWER_REQUIRED
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED


def test_it_refuses_a_second_answer(ask, pneumologist, second_pneumologist):
    """Once answered, another answer (by a colleague) is refused and the first one stays."""
    request = ask()
    teleexpertise_answer(actor=Actor(user=pneumologist), request=request, answer=ANSWER)
    with pytest.raises(TeleExpertiseError) as refused:
        teleexpertise_answer(actor=Actor(user=second_pneumologist), request=request, answer="Autre avis")
    assert refused.value.code == TeleExpertiseErrorCode.TRANSITION_NOT_ALLOWED
    assert "Répondue" in refused.value.message
    request.refresh_from_db()
    assert (request.answer, request.answered_by_id) == (ANSWER, pneumologist.pk)
    assert Event.objects.filter(kind="teleexpertise.answered").count() == 1


def test_it_refuses_to_answer_a_withdrawn_request(ask, gp, pneumologist):
    """A request the GP withdrew cannot be answered."""
    request = teleexpertise_withdraw(actor=Actor(user=gp), request=ask())
    with pytest.raises(TeleExpertiseError) as refused:
        teleexpertise_answer(actor=Actor(user=pneumologist), request=request, answer=ANSWER)
    assert refused.value.code == TeleExpertiseErrorCode.TRANSITION_NOT_ALLOWED
    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN and request.answer == ""


def test_it_refuses_a_specialist_of_another_service(ask, gastroenterologist):
    """Only the specialists of the service asked may answer."""
    request = ask()
    with pytest.raises(TeleExpertiseError) as refused:
        teleexpertise_answer(actor=Actor(user=gastroenterologist), request=request, answer=ANSWER)
    assert refused.value.code == TeleExpertiseErrorCode.NOT_ALLOWED
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED
