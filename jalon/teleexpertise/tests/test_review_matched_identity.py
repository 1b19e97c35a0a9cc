"""Review (reva): a tele-expertise asked with traits matching a known patient does not show that patient's
INS, commune or GP to the requester (nor to the specialist asked) who do not reach the patient's file."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import identity

pytestmark = pytest.mark.django_db


def test_a_requester_matching_on_traits_does_not_see_the_known_patients_ins_or_commune(client, submit, ask, other_gp, gp):
    known = submit(patient=identity(gp_id=gp.professional_id)).referral.patient
    tex = ask(user=other_gp, patient=identity(ins="", phone="", commune_code=None, gp_id=None))
    assert tex.patient_id == known.pk  # matched on traits
    client.force_login(other_gp)

    body = client.get(reverse("teleexpertise:detail", args=[tex.reference])).content.decode()

    assert known.ins not in body
    assert "Strasbourg" not in body

