"""A tele-expertise request carrying a known patient's INS with other traits: a conflict for the offer's entry point,
following the request into the referral it becomes."""

from __future__ import annotations

from datetime import date

from conftest import identity
from jalon.core.actor import Actor
from jalon.events.models import Event
from jalon.patients.models import ConflictStatus, IdentityConflict
from jalon.teleexpertise.services import teleexpertise_answer


def test_it_raises_a_conflict_that_follows_the_request_into_its_referral(submit, ask, offer, other_gp, pneumologist):
    """The request gets a provisional patient; the conflict goes to the offer's entry point, then names the referral."""
    known = submit().referral
    stranger = identity(birth_name="Moreau", first_names="Paul", sex="M", birth_date=date(1971, 8, 30))

    request = ask(user=other_gp, patient=stranger)

    conflict = IdentityConflict.objects.get()
    assert (conflict.existing_patient_id, conflict.provisional_patient_id) == (known.patient_id, request.patient_id)
    assert (conflict.entry_point_id, conflict.referral_id, conflict.status) == (
        offer.entry_point_id,
        None,
        ConflictStatus.OPEN,
    )
    assert request.patient.ins is None
    assert Event.objects.filter(kind="patient.identity_conflict_raised", patient_id=request.patient_id).exists()

    answered = teleexpertise_answer(
        actor=Actor(user=pneumologist), request=request, answer="Faire un TEP-TDM.", convert_to_referral=True
    )

    conflict.refresh_from_db()
    referral = answered.converted_referral
    assert referral.patient_id == request.patient_id != known.patient_id
    assert conflict.referral_id == referral.pk
    assert IdentityConflict.objects.count() == 1
