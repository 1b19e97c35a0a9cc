"""Dismissing a mail: a reason is required, the mail is kept, audited."""

from __future__ import annotations

import pytest

from jalon.accounts.models import AuditAction, AuditRecord
from jalon.core.actor import Actor
from jalon.mailin.errors import MailInError, MailInErrorCode
from jalon.mailin.models import InboundMail, MailStatus
from jalon.mailin.services import inbound_mail_dismiss


def test_it_dismisses_the_mail_with_its_reason_and_keeps_it(gp_mail, coordinator):
    """The mail is dismissed by whom, when and why; the row and its raw file stay."""
    inbound_mail_dismiss(
        actor=Actor(user=coordinator), mail=gp_mail, reason="  Doublon de la demande JAL-2026-000012  "
    )

    mail = InboundMail.objects.get(pk=gp_mail.pk)
    assert (mail.status, mail.dismissal_reason, mail.handled_by_id) == (
        MailStatus.DISMISSED,
        "Doublon de la demande JAL-2026-000012",
        coordinator.pk,
    )
    assert mail.handled_at is not None
    assert mail.raw.storage.exists(mail.raw.name)


def test_it_audits_the_dismissal(gp_mail, coordinator):
    """The dismissal is an update in the audit trail, with no patient."""
    inbound_mail_dismiss(actor=Actor(user=coordinator), mail=gp_mail, reason="Publicité")

    record = AuditRecord.objects.get(object_type="inbound_mail", object_id=str(gp_mail.pk), action=AuditAction.UPDATE)
    assert (record.actor_id, record.patient_id) == (coordinator.pk, None)


@pytest.mark.parametrize("reason", ["", "   "])
def test_it_requires_a_reason(reason, gp_mail, coordinator):
    """No reason, no dismissal: a French message and the mail still to complete."""
    with pytest.raises(MailInError) as error:
        inbound_mail_dismiss(actor=Actor(user=coordinator), mail=gp_mail, reason=reason)
    assert error.value.code == MailInErrorCode.REASON_REQUIRED
    assert error.value.message == "Indiquez pourquoi ce courriel est écarté."
    gp_mail.refresh_from_db()
    assert gp_mail.status == MailStatus.TO_COMPLETE


def test_it_dismisses_an_unreadable_mail(unreadable_mail, coordinator):
    """An unreadable mail can be set aside too (after reading its raw text)."""
    inbound_mail_dismiss(actor=Actor(user=coordinator), mail=unreadable_mail, reason="Renvoyé complet par le médecin")
    unreadable_mail.refresh_from_db()
    assert unreadable_mail.status == MailStatus.DISMISSED


def test_it_refuses_to_dismiss_twice(gp_mail, coordinator):
    """A mail already handled is not handled again."""
    inbound_mail_dismiss(actor=Actor(user=coordinator), mail=gp_mail, reason="Publicité")
    with pytest.raises(MailInError) as error:
        inbound_mail_dismiss(actor=Actor(user=coordinator), mail=gp_mail, reason="Encore")
    assert error.value.code == MailInErrorCode.ALREADY_HANDLED
    gp_mail.refresh_from_db()
    assert gp_mail.dismissal_reason == "Publicité"
