"""notify_patient(): a message to the patient is a declared kind sent like every other, through its current
versioned text (the organisation's own when published), by SMS to a mobile number only, without clinical
detail, once per event; and the two senders keep to their audiences."""

import pytest

from jalon.core.actor import Actor
from jalon.events.services import event_record
from jalon.messaging.models import Channel, OutboxMessage
from jalon.messaging.notify import notify, notify_patient
from jalon.messaging.services import notification_template_publish
from jalon.patients.models import Patient

KIND = "appointment.rebooked_patient"
VALUES = {
    "reference": "JAL-2026-000042",
    "guichet": "Numéro unique cancer",
    "patient": "LEFÈVRE Jeanne, née le 12/03/1956",
    "date": "mardi 17 novembre 2026 à 15 h 00",
}


@pytest.fixture
def referral(submit):
    referral = submit().referral
    Patient.objects.filter(pk=referral.patient_id).update(phone="+33612345678")
    referral.patient.refresh_from_db()
    return referral


@pytest.fixture
def event(referral):
    return event_record(
        actor=Actor.system(), kind="appointment.rebooked", patient_id=referral.patient_id, referral_id=referral.pk
    )


def test_it_sends_the_patient_a_plain_sms_once_per_event(event, referral):
    """One SMS to the mobile number with the date and who to call, no clinical value; sent again, nothing more."""
    notify_patient(kind=KIND, event=event, patient=referral.patient, values=VALUES)
    notify_patient(kind=KIND, event=event, patient=referral.patient, values=VALUES)
    (sms,) = OutboxMessage.objects.filter(kind=KIND)
    assert (sms.channel, sms.recipient_address, sms.event_id) == (Channel.SMS, "+33612345678", event.pk)
    assert sms.patient_id == referral.patient_id and sms.recipient_professional_id is None
    assert "mardi 17 novembre 2026 à 15 h 00" in sms.body and "Numéro unique cancer" in sms.body
    assert "LEFÈVRE" not in sms.body + sms.subject


def test_it_uses_the_organisations_published_text(event, referral, manager, cpts):
    """The CPTS published its own version: the patient's SMS is written with it, not the shipped one."""
    notification_template_publish(
        actor=Actor(user=manager),
        kind=KIND,
        organization_id=cpts.pk,
        subject="Rendez-vous déplacé",
        body="Bonjour,\nNouveau rendez-vous : {date}.\n",
        notice="CPTS Nord : rendez-vous déplacé au {date}. Appelez {guichet}.",
        change_note="Texte de la CPTS",
    )
    assert referral.entry_point.organization_id == cpts.pk
    notify_patient(kind=KIND, event=event, patient=referral.patient, values=VALUES)
    sms = OutboxMessage.objects.get(kind=KIND)
    assert sms.body == (
        "CPTS Nord : rendez-vous déplacé au mardi 17 novembre 2026 à 15 h 00. Appelez Numéro unique cancer."
    )


def test_it_sends_nothing_without_a_mobile_number(event, referral):
    """A landline cannot take an SMS: nothing is queued (the coordination telephones)."""
    Patient.objects.filter(pk=referral.patient_id).update(phone="+33388112233")
    referral.patient.refresh_from_db()
    assert notify_patient(kind=KIND, event=event, patient=referral.patient, values=VALUES) == []
    assert not OutboxMessage.objects.filter(kind=KIND).exists()


def test_each_sender_keeps_to_its_audience(event, referral):
    """A professional's kind is not sent to a patient, nor a patient's kind to professionals; unknown kinds fail."""
    with pytest.raises(ValueError):
        notify_patient(kind="appointment.rebooked", event=event, patient=referral.patient, values=VALUES)
    with pytest.raises(ValueError):
        notify(kind=KIND, event=event, recipients=[referral.referrer], values=VALUES)
    with pytest.raises(LookupError):
        notify_patient(kind="appointment.unknown", event=event, patient=referral.patient, values=VALUES)
    assert not OutboxMessage.objects.filter(kind__in=[KIND, "appointment.rebooked"]).exists()
