"""teleexpertise_convert (and answer with conversion): the referral holds what was typed once."""

import pytest

from jalon.accounts.models import AuditAction, AuditRecord
from jalon.core.actor import Actor
from jalon.events.models import Event
from jalon.messaging.models import OutboxMessage
from jalon.patients.models import CareTeamMember, CareTeamRole
from jalon.referrals.models import Channel as ReferralChannel
from jalon.referrals.models import Referral, Status
from jalon.teleexpertise.errors import TeleExpertiseError, TeleExpertiseErrorCode
from jalon.teleexpertise.models import RequestStatus, TeleExpertiseRequest
from jalon.teleexpertise.services import teleexpertise_answer, teleexpertise_convert

ANSWER = "Masse suspecte : bilan en hôpital de jour avec TEP-TDM et fibroscopie."


@pytest.fixture
def converted(ask, pneumologist):
    request = teleexpertise_answer(
        actor=Actor(user=pneumologist), request=ask(), answer=ANSWER, convert_to_referral=True
    )
    request.refresh_from_db()
    return request


def test_it_creates_the_referral_and_links_it(converted, offer):
    """The answer creates a referral to the offer's entry point, on the tele-expertise channel, linked to the
    request."""
    referral = Referral.objects.get()
    assert converted.status == RequestStatus.CONVERTED
    assert converted.converted_referral_id == referral.pk
    assert (referral.entry_point_id, referral.channel, referral.status) == (
        offer.entry_point_id,
        ReferralChannel.TELEEXPERTISE,
        Status.RECEIVED,
    )


def test_it_carries_the_data_over(converted, gp, pneumologist):
    """Patient, requester as referrer, suspected site, question, summary and answer are in the referral."""
    referral = converted.converted_referral
    assert referral.patient_id == converted.patient_id
    assert (referral.referrer_id, referral.suspected_site, referral.created_by_id) == (
        gp.professional_id,
        "lung",
        pneumologist.pk,
    )
    assert converted.reference in referral.clinical_reason
    assert converted.question in referral.clinical_reason
    assert converted.clinical_summary in referral.clinical_reason
    assert ANSWER in referral.clinical_reason


def test_it_attaches_the_documents_again(converted):
    """Each document of the request is stored again with the referral, same name and content."""
    referral = converted.converted_referral
    source = converted.documents.get()
    copy = referral.documents.get()
    assert (copy.original_name, copy.sha256, copy.size, copy.content_type) == (
        source.original_name,
        source.sha256,
        source.size,
        source.content_type,
    )
    assert copy.file.name != source.file.name
    with copy.file.open("rb") as handle:
        assert handle.read().startswith(b"%PDF")


def test_it_queues_the_acknowledgment_to_the_gp(converted, gp):
    """referral_submit acknowledges the referral to its referrer, the GP."""
    referral = converted.converted_referral
    submitted = Event.objects.get(kind="referral.submitted", referral=referral)
    assert OutboxMessage.objects.filter(
        event=submitted, kind="referral.submitted", recipient_professional_id=gp.professional_id
    ).exists()


def test_it_tells_the_gp_the_patient_is_referred(converted, gp):
    """The answer's message says which referral was created."""
    answered = Event.objects.get(kind="teleexpertise.answered")
    message = OutboxMessage.objects.get(event=answered, channel="in_app")
    assert converted.converted_referral.reference in message.body


def test_it_records_the_conversion(converted, pneumologist):
    """The converted event names the referral; the audit has the change; the care team keeps the GP as referrer."""
    event = Event.objects.get(kind="teleexpertise.converted")
    assert (event.referral_id, event.payload["referral"], event.payload["teleexpertise"]) == (
        converted.converted_referral_id,
        converted.converted_referral.reference,
        converted.reference,
    )
    assert AuditRecord.objects.filter(actor=pneumologist, action=AuditAction.CREATE, object_type="referral").exists()
    assert (
        CareTeamMember.objects.active()
        .filter(patient_id=converted.patient_id, professional_id=converted.requester_id, role=CareTeamRole.REFERRER)
        .count()
        == 1
    )


def test_it_lets_the_gp_convert_an_answered_request_later(ask, gp, pneumologist):
    """An answer without conversion can be turned into a referral by the GP afterwards."""
    request = teleexpertise_answer(actor=Actor(user=pneumologist), request=ask(), answer=ANSWER)
    referral = teleexpertise_convert(actor=Actor(user=gp), request=request)
    request.refresh_from_db()
    assert (request.status, request.converted_referral_id, referral.created_by_id) == (
        RequestStatus.CONVERTED,
        referral.pk,
        gp.pk,
    )


def test_it_refuses_to_convert_twice(converted, gp):
    """A converted request gives no second referral."""
    with pytest.raises(TeleExpertiseError) as refused:
        teleexpertise_convert(actor=Actor(user=gp), request=converted)
    assert refused.value.code == TeleExpertiseErrorCode.TRANSITION_NOT_ALLOWED
    assert Referral.objects.count() == 1


def test_it_refuses_to_convert_an_unanswered_request(ask, gp):
    """A request still waiting for its answer is not converted."""
    with pytest.raises(TeleExpertiseError):
        teleexpertise_convert(actor=Actor(user=gp), request=ask())
    assert not Referral.objects.exists()


def test_it_keeps_nothing_of_the_answer_when_the_referral_cannot_be_created(ask, pneumologist, hospital_entry_point):
    """An entry point that stopped receiving referrals: the whole answer is refused, in French, nothing changes."""
    hospital_entry_point.is_active = False
    hospital_entry_point.save()
    request = ask()
    with pytest.raises(TeleExpertiseError) as refused:
        teleexpertise_answer(actor=Actor(user=pneumologist), request=request, answer=ANSWER, convert_to_referral=True)
    assert refused.value.code == TeleExpertiseErrorCode.CONVERSION_FAILED
    assert "ne reçoit plus de demandes" in refused.value.message
    request = TeleExpertiseRequest.objects.get(pk=request.pk)
    assert (request.status, request.answer) == (RequestStatus.SUBMITTED, "")
    assert not Event.objects.filter(kind="teleexpertise.answered").exists()
    assert not CareTeamMember.objects.filter(professional_id=pneumologist.professional_id).exists()


def test_it_links_the_referral_page_back_to_the_request(client, converted, gp):
    """The requesting GP sees, on the referral page, the tele-expertise it was made from, with its link."""
    from django.urls import reverse

    client.force_login(gp)
    page = client.get(reverse("coordination:referral", args=[converted.converted_referral.reference])).content.decode()
    assert f"Téléexpertise {converted.reference}" in page
    assert reverse("teleexpertise:detail", args=[converted.reference]) in page
