"""Review (reva): a tele-expertise asked with traits matching a known patient does not show that patient's
INS, commune or GP to the requester (nor to the specialist asked) who do not reach the patient's file."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import identity

pytestmark = pytest.mark.django_db


def test_a_requester_matching_on_traits_does_not_see_the_known_patients_ins_or_commune(
    client, submit, ask, other_gp, gp
):
    known = submit(patient=identity(gp_id=gp.professional_id)).referral.patient
    tex = ask(user=other_gp, patient=identity(ins="", phone="", commune_code=None, gp_id=None))
    assert tex.patient_id == known.pk  # matched on traits
    client.force_login(other_gp)

    body = client.get(reverse("teleexpertise:detail", args=[tex.reference])).content.decode()

    assert known.ins not in body
    assert "Strasbourg" not in body


def test_a_converted_request_does_not_carry_the_known_patients_record_to_the_requesters_referral_page(
    client, submit, ask, other_gp, gp, pneumologist
):
    """The referral made from the request records what the requester sent, not the known patient's INS,
    phone and commune (the referral page shows a submitter what they sent)."""
    from jalon.core.actor import Actor
    from jalon.teleexpertise.services import teleexpertise_answer

    known = submit(patient=identity(phone="+33699887766", gp_id=gp.professional_id)).referral.patient
    tex = ask(user=other_gp, patient=identity(ins="", phone="", commune_code=None, gp_id=None))
    answered = teleexpertise_answer(
        actor=Actor(user=pneumologist), request=tex, answer="Bilan en hôpital de jour.", convert_to_referral=True
    )
    referral = answered.converted_referral
    assert referral.patient_id == known.pk
    client.force_login(other_gp)

    body = client.get(reverse("coordination:referral", args=[referral.reference])).content.decode()

    assert known.ins not in body
    assert "699887766" not in body
    assert "Strasbourg" not in body
