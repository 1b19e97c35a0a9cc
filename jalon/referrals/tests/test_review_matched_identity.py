"""Review (reva): a submitter whose referral matched a known patient on traits sees what they sent, not the
known patient's record (INS, phone, commune, used name)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import identity
from jalon.referrals.models import Referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def known_patient_referral(submit, gp, strasbourg):
    """Mme Lefèvre is known, with her INS, phone and commune, through dr Martin's referral."""
    return submit(patient=identity(used_name="Durand", phone="+33699887766", gp_id=gp.professional_id)).referral


def test_a_submitter_matching_on_traits_does_not_see_the_known_patients_ins_phone_or_commune(
    client, submit, other_gp, known_patient_referral
):
    """Another GP types only the birth name, first names and birth date: their referral is attached to the
    known patient, but their page must not teach them her INS, phone, commune or used name."""
    mine = submit(
        user=other_gp, patient=identity(ins="", phone="", commune_code=None, birth_place_code="", gp_id=None)
    ).referral
    assert mine.patient_id == known_patient_referral.patient_id  # matched on traits
    patient = mine.patient
    client.force_login(other_gp)

    page = client.get(reverse("coordination:referral", args=[mine.reference]))

    assert page.status_code == 200
    body = page.content.decode()
    assert patient.ins not in body
    assert "99 88 77 66" not in body and "699887766" not in body
    assert "Strasbourg" not in body
    assert "DURAND" not in body.upper()


def test_the_coordination_still_sees_the_known_patients_record(
    client, submit, other_gp, coordinator, known_patient_referral
):
    mine = submit(user=other_gp, patient=identity(ins="", phone="", commune_code=None, gp_id=None)).referral
    client.force_login(coordinator)

    body = client.get(reverse("coordination:referral", args=[mine.reference])).content.decode()

    assert Referral.objects.get(pk=mine.pk).patient.ins in body


def test_a_submitter_matching_on_traits_does_not_learn_that_the_patient_has_another_open_referral(
    client, submit, other_gp, known_patient_referral
):
    """The link to the patient's other open referral is for the coordination: the submitter's timeline must
    not say « Demande liée à une autre demande ouverte du même patient » (it tells that someone else
    suspects a cancer in this person)."""
    from jalon.events.kinds import event_label

    mine = submit(user=other_gp, patient=identity(ins="", phone="", commune_code=None, gp_id=None)).referral
    assert mine.related_referrals.exists()
    client.force_login(other_gp)

    body = client.get(reverse("coordination:referral", args=[mine.reference])).content.decode()

    assert str(event_label("referral.duplicate_linked")) not in body
    assert known_patient_referral.reference not in body


def test_the_acknowledgment_names_the_patient_as_the_submitter_sent_them(
    client, submit, other_gp, known_patient_referral
):
    """The known patient's used name (« DURAND ») is not shown to a submitter who sent only the birth name."""
    mine = submit(user=other_gp, patient=identity(ins="", phone="", commune_code=None, gp_id=None)).referral
    client.force_login(other_gp)

    body = client.get(reverse("referrals:acknowledgment", args=[mine.reference])).content.decode()

    assert "LEFÈVRE" in body
    assert "DURAND" not in body.upper()
