"""Review (reva): before confirming a GP named on a referral, the coordination sees the GP the patient's file
already has: a submitter who matched a known patient and named themselves as GP must not be confirmed in the
dark (confirming gives them the whole file and replaces the patient's GP)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import identity
from jalon.accounts.models import Role
from jalon.core.actor import Actor
from jalon.referrals.services import referral_confirm_gp
from jalon.testing.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_referral_page_shows_the_coordination_the_gp_already_confirmed(client, submit, coordinator, other_gp):
    family_gp = UserFactory(username="dr.famille", role=Role.REFERRER, professional__last_name="Famille")
    first = submit(patient=identity(gp_id=family_gp.professional_id)).referral
    referral_confirm_gp(actor=Actor(user=coordinator), referral=first)
    second = submit(user=other_gp, patient=identity(ins="", gp_id=other_gp.professional_id)).referral
    assert second.patient_id == first.patient_id
    client.force_login(coordinator)

    body = client.get(reverse("coordination:referral", args=[second.reference])).content.decode()

    assert other_gp.professional.display_name in body  # the proposal
    assert family_gp.professional.display_name in body  # and the GP the file already has
