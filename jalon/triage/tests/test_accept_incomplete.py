"""Issue 14, item 3: an incomplete referral is accepted at the proposed priority with its complement requested;
each missing item becomes a pathway task for the referrer, closed by the referrer's answer (« non réalisé »
included)."""

from datetime import date

import pytest

from conftest import pdf_upload
from jalon.core.actor import Actor
from jalon.events.models import Event
from jalon.messaging.models import OutboxMessage
from jalon.pathways.models import Pathway, ResponsibleRole, Task
from jalon.referrals.errors import ReferralError, ReferralErrorCode
from jalon.referrals.models import Status
from jalon.referrals.services import ExamInput, complement_deadline_for, referral_complete
from jalon.triage.services import referral_accept_into_pathway, triage_propose


def _accept_as_proposed(referral, coordinator, **extra):
    proposal = triage_propose(referral)
    return referral_accept_into_pathway(
        actor=Actor(user=coordinator),
        referral=referral,
        pathway_kind=proposal.pathway_kind,
        priority=proposal.priority,
        **extra,
    )


@pytest.fixture
def incomplete_lung(submit):
    """A lung referral without its CT nor any report: « exam:ct » and « document » are missing."""
    referral = submit(exams=[], documents=[]).referral
    assert referral.missing_items == ["document", "exam:ct"]
    return referral


def test_it_accepts_an_incomplete_referral_at_p2_with_its_complement_tasks(incomplete_lung, coordinator, gp):
    """Accepted at the proposed P2: the pathway starts and each missing item is a task of the referrer, due
    when the complement is, named in French; the referrer is asked through the outbox."""
    assert triage_propose(incomplete_lung).priority == "P2"

    pathway = _accept_as_proposed(incomplete_lung, coordinator, complement_message="Merci de compléter le dossier.")

    incomplete_lung.refresh_from_db()
    assert incomplete_lung.status == Status.ACCEPTED and incomplete_lung.priority == "P2"
    assert pathway.priority == "P2"
    tasks = list(Task.objects.filter(pathway=pathway).exclude(complement_item="").order_by("id"))
    assert [task.complement_item for task in tasks] == ["document", "exam:ct"]
    assert [task.label for task in tasks] == [
        "Complément à fournir par l'adresseur : au moins un compte rendu joint",
        "Complément à fournir par l'adresseur : un scanner (TDM) déjà réalisé",
    ]
    due = complement_deadline_for(incomplete_lung.entry_point, pathway.started_at)
    assert all(
        task.responsible_role == ResponsibleRole.REFERRER and task.due_at == due and task.done_at is None
        for task in tasks
    )
    requested = Event.objects.get(referral=incomplete_lung, kind="referral.complement_requested")
    sent = OutboxMessage.objects.filter(event=requested, recipient_professional_id=gp.professional_id)
    assert sent.exists() and set(sent.values_list("kind", flat=True)) == {"referral.complement_requested"}
    # The clinical detail (the items) travels only in the secure body, never in the plain notice.
    assert any("un scanner (TDM) déjà réalisé" in message.body for message in sent)


def test_it_closes_an_item_the_referrer_answers_not_done(incomplete_lung, coordinator, gp):
    """« Examen non réalisé » answers the CT: the item is no longer missing and its task is closed; the
    report sent closes the other one, and the referral is complete."""
    pathway = _accept_as_proposed(incomplete_lung, coordinator)

    referral_complete(
        actor=Actor(user=gp), referral=incomplete_lung, message="Pas de scanner fait.", not_done=["exam:ct"]
    )

    incomplete_lung.refresh_from_db()
    assert incomplete_lung.status == Status.ACCEPTED
    assert incomplete_lung.missing_items == ["document"]
    assert incomplete_lung.items_not_done == ["exam:ct"]
    ct_task = Task.objects.get(pathway=pathway, complement_item="exam:ct")
    assert ct_task.done_at is not None and ct_task.done_by_id == gp.pk
    assert Task.objects.get(pathway=pathway, complement_item="document").done_at is None
    answered = Event.objects.get(referral=incomplete_lung, kind="referral.complement_answered")
    assert answered.payload["answered"] == ["exam:ct"] and answered.payload["not_done"] == ["exam:ct"]

    referral_complete(actor=Actor(user=gp), referral=incomplete_lung, documents=[pdf_upload("radio.pdf")])

    incomplete_lung.refresh_from_db()
    assert incomplete_lung.is_complete and not incomplete_lung.awaits_complement
    assert not Task.objects.filter(pathway=pathway, done_at__isnull=True).exclude(complement_item="").exists()


def test_a_lung_referral_without_ct_gets_a_pathway_once_the_gp_answers_not_done(incomplete_lung, coordinator, gp):
    """The path the issue names: complement asked before acceptance, « non réalisé » for the CT, the report
    joined: the referral is back in the queue complete, and accepted at P2 with no complement task."""
    from jalon.referrals.services import referral_request_complement

    referral_request_complement(actor=Actor(user=coordinator), referral=incomplete_lung, message="Scanner ?")
    referral_complete(actor=Actor(user=gp), referral=incomplete_lung, not_done=["exam:ct"], documents=[pdf_upload()])
    incomplete_lung.refresh_from_db()
    assert incomplete_lung.status == Status.RECEIVED and incomplete_lung.is_complete

    pathway = _accept_as_proposed(incomplete_lung, coordinator)

    assert Pathway.objects.filter(referral=incomplete_lung).exists()
    assert not pathway.tasks.exclude(complement_item="").exists()


def test_it_refuses_not_done_for_an_item_not_missing_and_saves_nothing(incomplete_lung, coordinator, gp):
    """Only a missing exam may be answered « non réalisé »: the patient's phone, or an item not asked, is refused."""
    _accept_as_proposed(incomplete_lung, coordinator)

    for bad in (["patient_phone"], ["exam:blood_test"], ["exam:nonsense"]):
        with pytest.raises(ReferralError) as error:
            referral_complete(actor=Actor(user=gp), referral=incomplete_lung, not_done=bad)
        assert error.value.code == ReferralErrorCode.INVALID_INPUT

    incomplete_lung.refresh_from_db()
    assert incomplete_lung.items_not_done == []
    assert incomplete_lung.missing_items == ["document", "exam:ct"]
    assert not Event.objects.filter(referral=incomplete_lung, kind="referral.complement_answered").exists()


def test_it_refuses_a_complement_on_a_complete_accepted_referral(submit, coordinator, gp):
    """Accepted complete: nothing is awaited, a complement is refused."""
    referral = submit().referral
    _accept_as_proposed(referral, coordinator)

    with pytest.raises(ReferralError) as error:
        referral_complete(
            actor=Actor(user=gp), referral=referral, exams=[ExamInput(kind="mri", done_on=date(2026, 10, 2))]
        )
    assert error.value.code == ReferralErrorCode.TRANSITION_NOT_ALLOWED
