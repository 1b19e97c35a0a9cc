"""The INS leaves Jalon only for a qualified identity: letters print it then, messages never carry it."""

from __future__ import annotations

import pytest

from jalon.core.actor import Actor
from jalon.messaging.models import OutboxMessage
from jalon.pathways.letters import LetterContent, letter_pdf
from jalon.pathways.models import LetterKind
from jalon.pathways.tests.factories import pathway_build
from jalon.patients.models import IdentityStatus, Patient
from jalon.patients.services import patient_identity_status_set
from jalon.referrals.services import referral_decline
from jalon.scheduling.tests.test_documents import pdf_text, uncompressed_pdf  # noqa: F401

CONTENT = LetterContent(opening="Votre patiente a eu sa première journée de diagnostic.", sections=())


def letter_text(pathway) -> str:
    return pdf_text(letter_pdf(pathway=pathway, kind=LetterKind.FIRST_DIAGNOSTIC_DAY, content=CONTENT))


@pytest.mark.parametrize("status", [IdentityStatus.PROVISIONAL, IdentityStatus.RECOVERED, IdentityStatus.VALIDATED])
def test_the_letter_hides_the_ins_of_an_unqualified_identity(submit, coordinator, uncompressed_pdf, status):  # noqa: F811
    """Provisional, recovered or validated: the letter names the patient but prints no INS."""
    pathway = pathway_build(submit, user=coordinator)
    Patient.objects.filter(pk=pathway.patient_id).update(identity_status=status)
    pathway.patient.refresh_from_db()

    text = letter_text(pathway)

    assert pathway.patient.ins and pathway.patient.ins not in text and "INS" not in text
    assert pathway.patient.shareable_ins == ""


def test_the_letter_prints_the_ins_of_a_qualified_identity(submit, coordinator, uncompressed_pdf):  # noqa: F811
    """Once the coordination qualified the identity, the letter prints the INS."""
    pathway = pathway_build(submit, user=coordinator)
    patient_identity_status_set(
        actor=Actor(user=coordinator),
        patient_id=pathway.patient_id,
        status=IdentityStatus.QUALIFIED,
        reason="INSi et CNI",
    )
    pathway.patient.refresh_from_db()

    assert f"INS : {pathway.patient.ins}" in letter_text(pathway)


@pytest.mark.parametrize("qualified", [False, True], ids=["provisional", "qualified"])
def test_messages_never_carry_the_ins(submit, coordinator, qualified):
    """Acknowledgments and decisions sent to the referrer hold no INS, qualified or not."""
    referral = submit().referral
    if qualified:
        patient_identity_status_set(
            actor=Actor(user=coordinator),
            patient_id=referral.patient_id,
            status=IdentityStatus.QUALIFIED,
            reason="INSi",
        )
    referral_decline(actor=Actor(user=coordinator), referral=referral, reason="Hors champ")

    messages = list(OutboxMessage.objects.values_list("subject", "body"))
    assert len(messages) >= 2
    assert all(referral.patient.ins not in subject + body for subject, body in messages)
