"""teleexpertise_withdraw: the requester only, while the request waits for its answer."""

import pytest

from jalon.accounts.models import AuditAction, AuditRecord
from jalon.core.actor import Actor
from jalon.events.models import Event
from jalon.teleexpertise.errors import TeleExpertiseError, TeleExpertiseErrorCode
from jalon.teleexpertise.models import RequestStatus
from jalon.teleexpertise.services import teleexpertise_answer, teleexpertise_withdraw


def test_it_withdraws_the_request(ask, gp):
    """The GP withdraws: status, time, reason, event and audit."""
    request = teleexpertise_withdraw(
        actor=Actor(user=gp), request=ask(), reason="  Patient vu aux urgences entre-temps.  "
    )
    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN and request.withdrawn_at is not None
    assert request.withdrawal_reason == "Patient vu aux urgences entre-temps."
    event = Event.objects.get(kind="teleexpertise.withdrawn")
    assert event.payload["reason"] == "Patient vu aux urgences entre-temps."
    assert AuditRecord.objects.filter(
        actor=gp, action=AuditAction.UPDATE, object_type="teleexpertise", patient_id=request.patient_id
    ).exists()


def test_it_refuses_another_professional(ask, other_gp, pneumologist):
    """Neither another GP nor the specialist may withdraw the GP's question."""
    request = ask()
    for user in (other_gp, pneumologist):
        with pytest.raises(TeleExpertiseError) as refused:
            teleexpertise_withdraw(actor=Actor(user=user), request=request)
        assert refused.value.code == TeleExpertiseErrorCode.NOT_ALLOWED
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED


def test_it_refuses_to_withdraw_an_answered_request(ask, gp, pneumologist):
    """Once answered, the request stays answered."""
    request = teleexpertise_answer(actor=Actor(user=pneumologist), request=ask(), answer="Avis rendu.")
    with pytest.raises(TeleExpertiseError) as refused:
        teleexpertise_withdraw(actor=Actor(user=gp), request=request)
    assert refused.value.code == TeleExpertiseErrorCode.TRANSITION_NOT_ALLOWED
    request.refresh_from_db()
    assert request.status == RequestStatus.ANSWERED
