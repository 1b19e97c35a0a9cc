"""notify(): each recipient's channels (their choice, else secure mail or e-mail), what each channel
carries (clinical detail only by MSSanté and in Jalon; a notice by e-mail and SMS), idempotency."""

import pytest
from django.core import mail

from jalon.core.actor import Actor
from jalon.events.services import event_record
from jalon.messaging.models import Channel, OutboxMessage, OutboxStatus
from jalon.messaging.notify import chosen_channels, notify
from jalon.messaging.services import notification_preferences_set, outbox_deliver
from jalon.testing.factories import ProfessionalFactory, UserFactory

VALUES = {
    "reference": "JAL-2026-000042",
    "guichet": "Numéro unique cancer",
    "patient": "LEFÈVRE Jeanne, née le 12/03/1956",
}


@pytest.fixture
def event(submit):
    referral = submit().referral
    return event_record(
        actor=Actor.system(), kind="referral.accepted", patient_id=referral.patient_id, referral_id=referral.pk
    )


def messages_for(professional):
    return {
        m.channel: m
        for m in OutboxMessage.objects.filter(recipient_professional=professional, kind="referral.accepted")
    }


def test_it_prefers_secure_mail_when_the_professional_has_an_address(event):
    """With an MSSanté address and no choice of theirs: secure mail (full text), plus the copy in Jalon."""
    user = UserFactory(professional__mssante_address="claire.martin@medecin.mssante.fr")
    notify(
        kind="referral.accepted",
        event=event,
        recipients=[user.professional],
        values=VALUES,
        link_path="/mes-patients/x/",
    )
    sent = messages_for(user.professional)
    assert set(sent) == {Channel.MSSANTE, Channel.IN_APP}
    assert "LEFÈVRE Jeanne" in sent[Channel.MSSANTE].body
    assert sent[Channel.MSSANTE].recipient_address == "claire.martin@medecin.mssante.fr"
    assert sent[Channel.IN_APP].recipient_user_id == user.pk and "LEFÈVRE Jeanne" in sent[Channel.IN_APP].body
    assert "http://127.0.0.1:8000/mes-patients/x/" in sent[Channel.MSSANTE].body


def test_it_sends_only_a_notice_by_plain_email(event):
    """Without secure mail, the e-mail says something happened and where to log in: no patient name."""
    professional = ProfessionalFactory(email="dr.nord@exemple.fr", mssante_address="")
    notify(kind="referral.accepted", event=event, recipients=[professional], values=VALUES)
    sent = messages_for(professional)
    assert set(sent) == {Channel.EMAIL}  # no login: nothing in Jalon
    assert "JAL-2026-000042" in sent[Channel.EMAIL].body and "LEFÈVRE" not in sent[Channel.EMAIL].body
    assert "LEFÈVRE" not in sent[Channel.EMAIL].subject


def test_it_follows_the_professionals_choice_of_channels(event):
    """A GP who chose SMS and e-mail for this kind gets both notices, no secure mail; SMS needs a mobile."""
    professional = ProfessionalFactory(
        email="dr.sms@exemple.fr", mssante_address="dr.sms@medecin.mssante.fr", phone="+33612345678"
    )
    notification_preferences_set(professional=professional, choices={"referral.accepted": [Channel.SMS, Channel.EMAIL]})
    notify(kind="referral.accepted", event=event, recipients=[professional], values=VALUES)
    sent = messages_for(professional)
    assert set(sent) == {Channel.SMS, Channel.EMAIL}
    assert sent[Channel.SMS].recipient_address == "+33612345678"
    assert len(sent[Channel.SMS].body) <= 320 and "LEFÈVRE" not in sent[Channel.SMS].body


def test_it_ignores_a_chosen_channel_without_an_address(db):
    """SMS chosen but only a landline in the directory: no SMS (and a kind left at its default stays there)."""
    professional = ProfessionalFactory(email="dr.fixe@exemple.fr", phone="+33388112233")
    notification_preferences_set(professional=professional, choices={"referral.accepted": [Channel.SMS]})
    assert chosen_channels(professional, "referral.accepted") == []
    assert chosen_channels(professional, "referral.declined") == [Channel.EMAIL]


def test_it_queues_each_message_once_per_event(event):
    """Calling notify again for the same event (a retried transaction, a second worker) adds nothing."""
    professional = ProfessionalFactory(email="dr.une@exemple.fr")
    notify(kind="referral.accepted", event=event, recipients=[professional, professional], values=VALUES)
    notify(kind="referral.accepted", event=event, recipients=[professional], values=VALUES)
    assert OutboxMessage.objects.filter(recipient_professional=professional).count() == 1


def test_it_joins_the_letter_to_secure_mail_only(event, tmp_path, settings):
    """The PDF letter travels with the MSSanté message; the e-mail copy of another GP has no attachment."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    path = default_storage.save("letters/test/courrier.pdf", ContentFile(b"%PDF-1.4 courrier"))
    secure = ProfessionalFactory(mssante_address="dr.sure@medecin.mssante.fr")
    plain = ProfessionalFactory(email="dr.simple@exemple.fr")
    notify(
        kind="referral.accepted",
        event=event,
        recipients=[secure, plain],
        values=VALUES,
        attachment_path=path,
        attachment_name="courrier.pdf",
    )
    mail.outbox.clear()
    for message in OutboxMessage.objects.filter(kind="referral.accepted", recipient_professional__in=[secure, plain]):
        assert outbox_deliver(message_id=message.pk) == OutboxStatus.SENT
    by_address = {email.to[0]: email for email in mail.outbox}
    assert by_address["dr.sure@medecin.mssante.fr"].attachments == [
        ("courrier.pdf", b"%PDF-1.4 courrier", "application/pdf")
    ]
    assert by_address["dr.simple@exemple.fr"].attachments == []


def test_it_refuses_an_unknown_kind(event):
    with pytest.raises(LookupError):
        notify(kind="referral.unknown", event=event, recipients=[], values={})
