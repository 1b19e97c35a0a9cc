"""The coordination confirms the GP named on a referral (`referral_confirm_gp` and its button): until then the
GP is a proposal that reaches nothing; confirmed, they join the care team, granted by the coordinator."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import identity
from jalon.accounts.models import AuditRecord, Role
from jalon.core.actor import Actor
from jalon.events.models import Event
from jalon.patients.access import patients_visible_to
from jalon.patients.models import CareTeamMember, CareTeamRole
from jalon.portal.access import portal_referrals_visible_to
from jalon.referrals.errors import ReferralError
from jalon.referrals.services import referral_confirm_gp
from jalon.testing.factories import UserFactory


@pytest.fixture
def family_gp(db):
    return UserFactory(username="dr.famille", role=Role.REFERRER, professional__last_name="Famille")


@pytest.fixture
def referral(submit, family_gp):
    """A referral from `gp` naming `family_gp` as the patient's GP (a proposal)."""
    return submit(patient=identity(gp_id=family_gp.professional_id)).referral


def test_it_shows_the_proposal_and_confirms_it_from_the_referral_page(client, referral, coordinator, family_gp):
    """The page says the GP is proposed; the button confirms: care-team row granted by the coordinator, event, audit."""
    client.force_login(coordinator)
    detail = reverse("coordination:referral", args=[referral.reference])
    assert "pas encore confirmée" in client.get(detail).content.decode()
    assert not portal_referrals_visible_to(family_gp).exists()

    response = client.post(reverse("coordination:confirm_gp", args=[referral.reference]))

    assert response.status_code == 302 and response.url == detail
    referral.refresh_from_db()
    assert referral.gp_confirmed_by_id == coordinator.pk and referral.gp_confirmed_at is not None
    member = CareTeamMember.objects.get(professional_id=family_gp.professional_id, role=CareTeamRole.GP)
    assert member.granted_by_id == coordinator.pk
    assert patients_visible_to(family_gp).filter(pk=referral.patient_id).exists()
    assert Event.objects.filter(kind="referral.gp_confirmed", referral=referral).exists()
    assert AuditRecord.objects.filter(object_type="referral.gp_confirmation", object_id=referral.reference).exists()
    assert "confirmé par la coordination" in client.get(detail).content.decode()


def test_it_is_idempotent(referral, coordinator):
    """Confirming twice writes one membership and one event."""
    referral_confirm_gp(actor=Actor(user=coordinator), referral=referral)
    referral_confirm_gp(actor=Actor(user=coordinator), referral=referral)
    assert CareTeamMember.objects.filter(role=CareTeamRole.GP).count() == 1
    assert Event.objects.filter(kind="referral.gp_confirmed").count() == 1


@pytest.mark.parametrize(
    ("who", "status"), [("gp", 403), ("family_gp", 403), ("coordinator_elsewhere", 404), ("manager", 403)]
)
def test_it_lets_only_the_entry_points_coordination_confirm(who, status, client, referral, request):
    """The referrer, the named GP, another organisation's coordination and managers are refused; nothing written."""
    client.force_login(request.getfixturevalue(who))
    assert client.post(reverse("coordination:confirm_gp", args=[referral.reference])).status_code == status
    assert not CareTeamMember.objects.filter(role=CareTeamRole.GP).exists()


def test_it_says_so_when_no_gp_is_named(client, submit, coordinator):
    """No GP on the referral: a French message, nothing written."""
    referral = submit(patient=identity(gp_id=None)).referral
    with pytest.raises(ReferralError) as refused:
        referral_confirm_gp(actor=Actor(user=coordinator), referral=referral)
    assert "Aucun médecin traitant" in refused.value.message
    client.force_login(coordinator)
    response = client.post(reverse("coordination:confirm_gp", args=[referral.reference]), follow=True)
    assert "Aucun médecin traitant" in response.content.decode()
    assert not CareTeamMember.objects.filter(role=CareTeamRole.GP).exists()
