"""The referral status machine, exercised through its services: every allowed and refused transition."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from conftest import identity, pdf_upload
from jalon.accounts.models import AuditRecord
from jalon.core.actor import Actor
from jalon.events.models import Event
from jalon.messaging.models import OutboxMessage
from jalon.referrals.errors import ReferralError, ReferralErrorCode
from jalon.referrals.models import Referral, Status
from jalon.referrals.services import (
    referral_accept,
    referral_close,
    referral_complete,
    referral_decline,
    referral_redirect,
    referral_request_complement,
)
from jalon.referrals.status import TRANSITIONS

PARIS = ZoneInfo("Europe/Paris")

# What each action writes with valid arguments, and who performs it (the referrer answers a complement
# request; the coordinator does everything else).
PERFORM = {
    "request_complement": (
        "coordinator",
        lambda actor, referral: referral_request_complement(
            actor=actor, referral=referral, message="Merci de joindre le compte rendu du scanner."
        ),
    ),
    "complete": (
        "gp",
        lambda actor, referral: referral_complete(
            actor=actor, referral=referral, message="Compte rendu joint.", documents=[pdf_upload("complement.pdf")]
        ),
    ),
    "accept": (
        "coordinator",
        lambda actor, referral: referral_accept(
            actor=actor, referral=referral, pathway_kind="lung", priority="P2", reason="Dossier complet"
        ),
    ),
    "decline": (
        "coordinator",
        lambda actor, referral: referral_decline(actor=actor, referral=referral, reason="Ne relève pas du guichet"),
    ),
    "redirect": (
        "coordinator",
        lambda actor, referral: referral_redirect(
            actor=actor, referral=referral, redirected_to="Diagnostic rapide Hautepierre", reason="Relève de l'hôpital"
        ),
    ),
    "close": (
        "coordinator",
        lambda actor, referral: referral_close(actor=actor, referral=referral, reason="Parcours terminé"),
    ),
}
REASONS = {
    "request_complement": "Merci de joindre le compte rendu du scanner.",
    "complete": "Compte rendu joint.",
    "accept": "Dossier complet",
    "decline": "Ne relève pas du guichet",
    "redirect": "Relève de l'hôpital",
    "close": "Parcours terminé",
}
# How a fresh referral reaches each status through the services.
PATH_TO = {
    Status.RECEIVED: [],
    Status.AWAITING_COMPLEMENT: ["request_complement"],
    Status.ACCEPTED: ["accept"],
    Status.DECLINED: ["decline"],
    Status.REDIRECTED: ["redirect"],
    Status.CLOSED: ["accept", "close"],
}
NOTIFYING_ACTIONS = ("request_complement", "accept", "decline", "redirect")

ALLOWED = [(action, source) for action, (sources, _t, _k) in TRANSITIONS.items() for source in sorted(sources)]
REFUSED = [
    (action, status)
    for action, (sources, _t, _k) in TRANSITIONS.items()
    for status in Status.values
    if status not in sources
]


@pytest.fixture
def users(gp, coordinator):
    return {"gp": gp, "coordinator": coordinator}


@pytest.fixture
def perform(users):
    """Run `action` on a referral through its service, as the persona who performs it."""

    def _perform(action, referral):
        persona, call = PERFORM[action]
        return call(Actor(user=users[persona], ip_address="127.0.0.1"), referral)

    return _perform


@pytest.fixture
def referral_in(submit, perform):
    """A complete lung referral brought to `status` through the services."""

    def _referral_in(status, **submit_overrides):
        referral = submit(**submit_overrides).referral
        for action in PATH_TO[status]:
            referral = perform(action, referral)
        referral.refresh_from_db()
        assert referral.status == status
        return referral

    return _referral_in


def _counts(referral):
    return (
        Event.objects.filter(referral=referral).count(),
        AuditRecord.objects.filter(object_type="referral", object_id=referral.reference).count(),
        OutboxMessage.objects.filter(event__referral=referral).count(),
    )


def test_it_has_a_service_for_every_transition_of_the_table():
    """Every action of TRANSITIONS is exercised here, so a new transition cannot go untested."""
    assert set(PERFORM) == set(TRANSITIONS)
    assert {target for _s, target, _k in TRANSITIONS.values()} <= set(PATH_TO)


@pytest.mark.parametrize(("action", "source"), ALLOWED, ids=[f"{a}-from-{s}" for a, s in ALLOWED])
def test_it_applies_allowed_transition_with_event_and_audit(action, source, referral_in, perform, users):
    """An allowed transition changes the status and records its event (from, to, reason, actor) and audit."""
    referral = referral_in(source)
    persona = users[PERFORM[action][0]]
    events_before = Event.objects.filter(referral=referral).count()
    audits = AuditRecord.objects.filter(
        actor=persona, action="update", object_type="referral", object_id=referral.reference, patient=referral.patient
    )
    audits_before = audits.count()

    perform(action, referral)

    _sources, target, kind = TRANSITIONS[action]
    referral.refresh_from_db()
    assert referral.status == target
    assert referral.status_reason == REASONS[action]
    assert Event.objects.filter(referral=referral).count() == events_before + 1
    event = Event.objects.filter(referral=referral).latest("id")
    assert event.kind == kind
    assert event.actor_id == persona.pk
    assert event.patient_id == referral.patient_id
    assert event.payload["from"] == source
    assert event.payload["to"] == target
    assert event.payload["reason"] == REASONS[action]
    assert audits.count() == audits_before + 1


@pytest.mark.parametrize(
    ("action", "source"),
    [(a, s) for a, s in ALLOWED if a in NOTIFYING_ACTIONS],
    ids=[f"{a}-from-{s}" for a, s in ALLOWED if a in NOTIFYING_ACTIONS],
)
def test_it_queues_message_to_referrer(action, source, referral_in, perform, gp):
    """Requesting a complement, accepting, declining and redirecting each queue a message to the referrer."""
    referral = referral_in(source)
    perform(action, referral)

    event = Event.objects.filter(referral=referral).latest("id")
    kind = event.kind
    message = OutboxMessage.objects.get(event=event, channel="email")
    assert message.recipient_professional_id == gp.professional_id
    assert message.recipient_address == gp.professional.email
    assert message.patient_id == referral.patient_id
    assert message.status == "pending"
    assert referral.reference in message.subject
    assert message.idempotency_key == f"event-{event.pk}-{kind}-p{gp.professional_id}-email"
    # A plain e-mail is a notice to log in: the reason typed by the coordination stays in Jalon.
    assert REASONS[action] not in message.body


def test_it_keeps_what_accept_and_redirect_decide(referral_in, perform):
    """Accepting stores the pathway and priority; redirecting stores where the referral goes."""
    accepted = referral_in(Status.ACCEPTED)
    assert (accepted.pathway_kind, accepted.priority) == ("lung", "P2")
    event = Event.objects.get(referral=accepted, kind="referral.accepted")
    assert event.payload["pathway_kind"] == "lung"
    assert event.payload["priority"] == "P2"

    redirected = referral_in(Status.REDIRECTED)
    assert redirected.redirected_to == "Diagnostic rapide Hautepierre"
    assert Event.objects.get(referral=redirected, kind="referral.redirected").payload["redirected_to"] == (
        "Diagnostic rapide Hautepierre"
    )


@pytest.mark.parametrize(("action", "status"), REFUSED, ids=[f"{a}-from-{s}" for a, s in REFUSED])
def test_it_refuses_disallowed_transition_and_changes_nothing(action, status, referral_in, perform):
    """A transition the table does not allow raises transition_not_allowed and writes nothing."""
    referral = referral_in(status)
    counts_before = _counts(referral)
    answered_at = referral.answered_at
    documents_before = referral.documents.count()

    with pytest.raises(ReferralError) as error:
        perform(action, referral)

    assert error.value.code == ReferralErrorCode.TRANSITION_NOT_ALLOWED
    referral.refresh_from_db()
    assert referral.status == status
    assert referral.answered_at == answered_at
    assert _counts(referral) == counts_before
    assert referral.documents.count() == documents_before


def test_it_refuses_to_accept_declined_referral_even_when_incomplete(referral_in, perform):
    """A declined incomplete referral reports the refused transition, not its incompleteness."""
    referral = referral_in(Status.DECLINED, documents=[])
    assert not referral.is_complete

    with pytest.raises(ReferralError) as error:
        perform("accept", referral)

    assert error.value.code == ReferralErrorCode.TRANSITION_NOT_ALLOWED


@pytest.mark.parametrize("reason", ["", "   "])
@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("request_complement", Status.RECEIVED),
        ("decline", Status.RECEIVED),
        ("decline", Status.AWAITING_COMPLEMENT),
        ("redirect", Status.RECEIVED),
        ("close", Status.ACCEPTED),
    ],
)
def test_it_requires_a_reason(action, status, reason, referral_in, coordinator):
    """Requesting a complement, declining, redirecting and closing without a reason raise reason_required."""
    referral = referral_in(status)
    counts_before = _counts(referral)
    answered_at = referral.answered_at
    actor = Actor(user=coordinator)
    calls = {
        "request_complement": lambda: referral_request_complement(actor=actor, referral=referral, message=reason),
        "decline": lambda: referral_decline(actor=actor, referral=referral, reason=reason),
        "redirect": lambda: referral_redirect(
            actor=actor, referral=referral, redirected_to="Hautepierre", reason=reason
        ),
        "close": lambda: referral_close(actor=actor, referral=referral, reason=reason),
    }

    with pytest.raises(ReferralError) as error:
        calls[action]()

    assert error.value.code == ReferralErrorCode.REASON_REQUIRED
    referral.refresh_from_db()
    assert referral.status == status
    assert referral.answered_at == answered_at
    assert _counts(referral) == counts_before


def test_it_requires_where_a_redirected_referral_goes(referral_in, coordinator):
    """Redirecting without saying to whom raises reason_required on redirected_to."""
    referral = referral_in(Status.RECEIVED)

    with pytest.raises(ReferralError) as error:
        referral_redirect(
            actor=Actor(user=coordinator), referral=referral, redirected_to="  ", reason="Relève de l'hôpital"
        )

    assert error.value.code == ReferralErrorCode.REASON_REQUIRED
    assert error.value.field == "redirected_to"
    referral.refresh_from_db()
    assert referral.status == Status.RECEIVED


@pytest.mark.parametrize("action", ["request_complement", "accept", "decline", "redirect"])
def test_it_sets_answered_at_on_answering_action(action, referral_in, perform):
    """Each answering action taken on a received referral stops the clock at its own time."""
    referral = referral_in(Status.RECEIVED)
    assert referral.answered_at is None
    moment = datetime(2026, 11, 24, 10, 30, tzinfo=PARIS)

    with time_machine.travel(moment, tick=False):
        perform(action, referral)

    referral.refresh_from_db()
    assert referral.answered_at == moment


def test_it_sets_answered_at_by_the_first_answering_action_only(submit, perform):
    """A complement request answers the referral; completing, accepting and closing later keep that time."""
    with time_machine.travel(datetime(2026, 11, 23, 9, 0, tzinfo=PARIS), tick=False) as traveller:
        referral = submit().referral
        traveller.shift(timedelta(hours=2))
        perform("request_complement", referral)
        first_answer = datetime(2026, 11, 23, 11, 0, tzinfo=PARIS)
        for action in ("complete", "accept", "close"):
            traveller.shift(timedelta(hours=3))
            perform(action, referral)
            referral.refresh_from_db()
            assert referral.answered_at == first_answer, action
    assert referral.status == Status.CLOSED


def test_it_keeps_first_answer_when_declining_after_complement_request(referral_in, perform):
    """Declining a referral that waits for a complement does not move answered_at."""
    referral = referral_in(Status.AWAITING_COMPLEMENT)
    first_answer = referral.answered_at
    assert first_answer is not None

    with time_machine.travel(first_answer + timedelta(days=2), tick=False):
        perform("decline", referral)

    referral.refresh_from_db()
    assert referral.answered_at == first_answer


@pytest.mark.parametrize("priority", ["P1", "P2", "P3"])
def test_it_accepts_an_incomplete_referral_at_any_priority_with_its_complement_requested(
    priority, referral_in, coordinator, gp
):
    """Issue 14: an incomplete referral is accepted at the priority chosen, and the referrer is asked for the
    missing items in the same transaction (kept message, complement event, message in the outbox)."""
    referral = referral_in(Status.RECEIVED, documents=[])
    assert referral.missing_items == ["document"]

    referral_accept(
        actor=Actor(user=coordinator),
        referral=referral,
        pathway_kind="lung",
        priority=priority,
        complement_message="Merci de joindre le compte rendu du scanner.",
    )

    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED
    assert referral.priority == priority
    assert not referral.is_complete
    assert referral.awaits_complement
    assert Event.objects.filter(referral=referral, kind="referral.accepted").count() == 1
    requested = Event.objects.get(referral=referral, kind="referral.complement_requested")
    assert requested.payload["missing_items"] == ["document"]
    body = referral.messages.get().body
    assert body.startswith("Merci de joindre le compte rendu du scanner.")
    assert "au moins un compte rendu joint" in body
    sent = OutboxMessage.objects.filter(event=requested, kind="referral.complement_requested")
    assert sent.exists()
    assert set(sent.values_list("recipient_professional_id", flat=True)) == {gp.professional_id}


def test_it_asks_no_complement_when_accepting_a_complete_referral(referral_in, coordinator):
    """A complete referral is accepted without any complement request."""
    referral = referral_in(Status.RECEIVED)
    assert referral.is_complete

    referral_accept(actor=Actor(user=coordinator), referral=referral, pathway_kind="lung", priority="P2")

    assert not Event.objects.filter(referral=referral, kind="referral.complement_requested").exists()
    assert not referral.messages.exists()


def test_it_requires_acknowledgment_to_accept_outside_territory(paris, referral_in, coordinator, gp):
    """A patient living in Paris is accepted by the Strasbourg CPTS only when the coordinator confirms it."""
    referral = referral_in(Status.RECEIVED, patient=identity(gp_id=gp.professional_id, commune_code=paris.code))
    assert referral.outside_territory
    assert referral.is_complete
    counts_before = _counts(referral)
    actor = Actor(user=coordinator)

    with pytest.raises(ReferralError) as error:
        referral_accept(actor=actor, referral=referral, pathway_kind="lung", priority="P2")

    assert error.value.code == ReferralErrorCode.OUTSIDE_TERRITORY_NOT_ACKNOWLEDGED
    assert error.value.field == "outside_territory_acknowledged"
    referral.refresh_from_db()
    assert referral.status == Status.RECEIVED
    assert _counts(referral) == counts_before

    referral_accept(
        actor=actor, referral=referral, pathway_kind="lung", priority="P2", outside_territory_acknowledged=True
    )

    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED
    assert Event.objects.get(referral=referral, kind="referral.accepted").payload["outside_territory"] is True


def test_it_accepts_patient_of_the_territory_without_acknowledgment(schiltigheim, referral_in, coordinator, gp):
    """A patient living in a commune of the territory needs no acknowledgment."""
    referral = referral_in(Status.RECEIVED, patient=identity(gp_id=gp.professional_id, commune_code=schiltigheim.code))
    assert not referral.outside_territory

    referral_accept(actor=Actor(user=coordinator), referral=referral, pathway_kind="lung", priority="P3")

    assert Referral.objects.get(pk=referral.pk).status == Status.ACCEPTED
