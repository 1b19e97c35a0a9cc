"""Who hears of a referral's decisions: the referrer always (even of a referral they typed themselves),
the patient's GP on acceptance only; the notice by plain e-mail holds no reason typed by the coordination."""

import pytest

from conftest import identity
from jalon.core.actor import Actor
from jalon.messaging.models import Channel, OutboxMessage
from jalon.referrals.services import referral_accept, referral_confirm_gp, referral_decline
from jalon.testing.factories import UserFactory


@pytest.fixture
def family_gp(db):
    return UserFactory(username="dr.famille", professional__mssante_address="dr.famille@medecin.mssante.fr")


@pytest.fixture
def referral(submit, family_gp):
    return submit(patient=identity(gp_id=family_gp.professional_id)).referral


def recipients(kind: str) -> set[tuple[int, str]]:
    return set(OutboxMessage.objects.filter(kind=kind).values_list("recipient_professional_id", "channel"))


def test_it_acknowledges_to_the_referrer_only(referral, gp):
    """The acknowledgment goes to the referrer (e-mail notice and Jalon), not to the GP."""
    assert recipients("referral.submitted") == {
        (gp.professional_id, Channel.EMAIL),
        (gp.professional_id, Channel.IN_APP),
    }


def test_it_tells_the_gp_when_the_referral_is_accepted(referral, gp, family_gp, coordinator):
    """Acceptance reaches the referrer and the patient's confirmed GP (secure mail, as they have an address)."""
    referral_confirm_gp(actor=Actor(user=coordinator), referral=referral)
    referral_accept(actor=Actor(user=coordinator), referral=referral, pathway_kind="lung", priority="P2")
    assert recipients("referral.accepted") == {
        (gp.professional_id, Channel.EMAIL),
        (gp.professional_id, Channel.IN_APP),
        (family_gp.professional_id, Channel.MSSANTE),
        (family_gp.professional_id, Channel.IN_APP),
    }


def test_it_keeps_the_reason_of_a_refusal_out_of_the_email_notice(referral, gp, coordinator):
    """A decline's reason is in the secure text (in Jalon), not in the plain e-mail."""
    referral_decline(
        actor=Actor(user=coordinator), referral=referral, reason="Ne relève pas du guichet : suivi déjà en cours"
    )
    messages = {m.channel: m for m in OutboxMessage.objects.filter(kind="referral.declined")}
    assert "suivi déjà en cours" in messages[Channel.IN_APP].body
    assert "suivi déjà en cours" not in messages[Channel.EMAIL].body
    assert (
        OutboxMessage.objects.filter(kind="referral.declined")
        .exclude(recipient_professional_id=gp.professional_id)
        .count()
    ) == 0


def test_it_tells_a_gp_merely_named_on_the_referral_nothing(referral, gp, family_gp, coordinator):
    """A GP named on the referral but not confirmed by the coordination is a proposal: no message reaches them."""
    referral_accept(actor=Actor(user=coordinator), referral=referral, pathway_kind="lung", priority="P2")
    assert recipients("referral.accepted") == {
        (gp.professional_id, Channel.EMAIL),
        (gp.professional_id, Channel.IN_APP),
    }
