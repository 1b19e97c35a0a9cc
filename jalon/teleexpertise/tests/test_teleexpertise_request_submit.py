"""teleexpertise_request_submit: the patient, the reference, the deadline in working days, the messages."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from conftest import identity, pdf_upload
from jalon.accounts.models import AuditAction, AuditRecord
from jalon.events.models import Event
from jalon.messaging.models import Channel, OutboxMessage
from jalon.patients.models import CareTeamMember, CareTeamRole, Patient
from jalon.teleexpertise.errors import TeleExpertiseError, TeleExpertiseErrorCode
from jalon.teleexpertise.models import RequestStatus, TeleExpertiseRequest
from jalon.testing.factories import PatientFactory

PARIS = ZoneInfo("Europe/Paris")


def test_it_registers_the_request_with_a_yearly_reference(ask, gp, offer):
    """The request is stored, waiting for its answer, with a TEX reference that counts per year."""
    with time_machine.travel(datetime(2026, 11, 16, 9, 0, tzinfo=PARIS), tick=False):
        first = ask()
        second = ask()
    assert (first.reference, second.reference) == ("TEX-2026-000001", "TEX-2026-000002")
    assert first.status == RequestStatus.SUBMITTED
    assert (first.offer_id, first.service_id, first.requester_id, first.created_by_id) == (
        offer.pk,
        offer.service_id,
        gp.professional_id,
        gp.pk,
    )
    assert first.question.startswith("Nodule pulmonaire")


def test_it_creates_the_patient_then_finds_them_again(ask):
    """A new identity creates the patient; the same INS typed again finds them."""
    first = ask()
    second = ask(patient=identity(first_names="Jeanne"))
    assert Patient.objects.count() == 1
    assert first.patient_id == second.patient_id


def test_it_matches_a_known_patient_without_ins(ask):
    """A patient already known (by name and birth date) is matched even when the INS is not typed."""
    known = PatientFactory(
        birth_name="Lefèvre", first_names="Jeanne", sex="F", birth_date=identity().birth_date, ins=None
    )
    request = ask(patient=identity(ins=""))
    assert request.patient_id == known.pk and Patient.objects.count() == 1


def test_it_sets_the_deadline_in_working_days_across_christmas_and_the_weekend(ask):
    """Thursday 24 December 10:00 + 2 working days in Alsace: Friday 25 is a holiday, then the weekend → Tuesday 29."""
    with time_machine.travel(datetime(2026, 12, 24, 10, 0, tzinfo=PARIS), tick=False):
        request = ask()
    assert request.answer_deadline == datetime(2026, 12, 29, 10, 0, tzinfo=PARIS)


def test_it_sets_the_deadline_over_a_plain_weekend(ask):
    """Friday 15:00 + 2 working days → Tuesday 15:00."""
    with time_machine.travel(datetime(2026, 11, 13, 15, 0, tzinfo=PARIS), tick=False):
        request = ask()
    assert request.answer_deadline == datetime(2026, 11, 17, 15, 0, tzinfo=PARIS)


def test_it_tells_each_specialist_of_the_service_on_each_of_their_channels(
    ask, pneumologist, second_pneumologist, gastroenterologist
):
    """The service's specialists get the message (e-mail or MSSanté, and in Jalon); another service's get nothing."""
    with time_machine.travel(datetime(2026, 12, 1, 14, 0, tzinfo=PARIS), tick=False):
        request = ask()
    event = Event.objects.get(kind="teleexpertise.requested")
    rows = OutboxMessage.objects.filter(event=event, kind="teleexpertise.requested")
    channels = {(row.recipient_professional_id, row.channel) for row in rows}
    assert channels == {
        (pneumologist.professional_id, Channel.EMAIL),
        (pneumologist.professional_id, Channel.IN_APP),
        (second_pneumologist.professional_id, Channel.MSSANTE),
        (second_pneumologist.professional_id, Channel.IN_APP),
    }
    assert not OutboxMessage.objects.filter(recipient_professional_id=gastroenterologist.professional_id).exists()
    secure = rows.get(channel=Channel.MSSANTE)
    assert request.reference in secure.subject
    assert "LEFÈVRE Jeanne, né·e le 12/03/1956" in secure.body
    assert "Nodule pulmonaire de 25 mm" in secure.body
    assert "jeudi 3 décembre 2026 à 14 h 00" in secure.body
    assert f"/teleexpertise/{request.reference}/" in secure.body
    notice = rows.get(channel=Channel.EMAIL)
    assert "Nodule" not in notice.body and "LEFÈVRE" not in notice.body  # plain e-mail carries no clinical detail


def test_it_records_the_event_the_audit_and_the_care_team(ask, gp):
    """One event, one audit record with the patient, and the requester in the care team as referrer."""
    request = ask()
    event = Event.objects.get(kind="teleexpertise.requested")
    assert (event.patient_id, event.referral_id, event.payload["teleexpertise"]) == (
        request.patient_id,
        None,
        request.reference,
    )
    assert AuditRecord.objects.filter(
        actor=gp,
        action=AuditAction.CREATE,
        object_type="teleexpertise",
        object_id=request.reference,
        patient_id=request.patient_id,
    ).exists()
    member = CareTeamMember.objects.active().get(patient_id=request.patient_id, professional_id=gp.professional_id)
    assert (member.role, member.reason) == (CareTeamRole.REFERRER, request.reference)


def test_it_stores_the_documents_under_a_random_name(ask):
    """The PDF is kept with its original name in the row and a random file name in storage."""
    request = ask(documents=[pdf_upload("compte-rendu-lefevre.pdf")])
    document = request.documents.get()
    assert document.original_name == "compte-rendu-lefevre.pdf"
    assert document.content_type == "application/pdf"
    assert "lefevre" not in document.file.name and document.file.name.startswith("teleexpertise/")


def test_it_refuses_an_empty_question_and_saves_nothing(ask):
    """A question of blanks is refused with a French message; no patient, request, event or message is written."""
    with pytest.raises(TeleExpertiseError) as refused:
        ask(question="   ")
    assert refused.value.code == TeleExpertiseErrorCode.QUESTION_REQUIRED
    assert "question" in refused.value.message
    assert not (
        TeleExpertiseRequest.objects.exists()
        or Patient.objects.exists()
        or Event.objects.exists()
        or OutboxMessage.objects.exists()
    )


def test_it_refuses_a_file_that_is_not_a_pdf_or_an_image(ask):
    """A text file named .pdf is refused by its content, in French, and nothing is saved."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("cr.pdf", b"pas un PDF du tout", content_type="application/pdf")
    with pytest.raises(TeleExpertiseError) as refused:
        ask(documents=[fake])
    assert refused.value.code == TeleExpertiseErrorCode.INVALID_DOCUMENT
    assert "seuls les documents PDF, PNG et JPEG" in refused.value.message
    assert not TeleExpertiseRequest.objects.exists()


def test_it_refuses_an_offer_no_longer_active(ask, offer):
    """A service that stopped answering tele-expertise receives nothing."""
    offer.is_active = False
    offer.save()
    with pytest.raises(TeleExpertiseError) as refused:
        ask()
    assert refused.value.code == TeleExpertiseErrorCode.OFFER_CLOSED
    assert not TeleExpertiseRequest.objects.exists()
