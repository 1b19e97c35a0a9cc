"""Identity vigilance: an INS naming a known patient with other traits raises a conflict; the coordination resolves
it."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from conftest import identity
from jalon.accounts.models import AuditRecord
from jalon.core.actor import Actor
from jalon.events.models import Event
from jalon.patients.errors import PatientError, PatientErrorCode
from jalon.patients.identity import differing_traits, submission_status_error
from jalon.patients.models import (
    CareTeamMember,
    CareTeamRole,
    ConflictResolution,
    ConflictStatus,
    IdentityConflict,
    IdentityStatus,
    Patient,
)
from jalon.patients.services import identity_conflict_resolve, patient_identity_status_set
from jalon.referrals.models import Referral
from jalon.referrals.tests.test_api import get, key_for, patient_data, payload, post

PARIS = ZoneInfo("Europe/Paris")
STRANGER = {"birth_name": "Moreau", "first_names": "Paul", "sex": "M", "birth_date": "1971-08-30", "used_name": None}


@pytest.fixture(autouse=True)
def friday_afternoon():
    """Friday 20 November 2026, 15:00 in Paris."""
    with time_machine.travel(datetime(2026, 11, 20, 15, 0, tzinfo=PARIS), tick=False):
        yield


@pytest.fixture
def known(submit):
    """Mme Lefèvre's referral by her GP: the known patient, with her INS."""
    return submit().referral


@pytest.fixture
def conflicting(client, known, other_gp, strasbourg):
    """Another GP's API referral carrying Mme Lefèvre's INS with another name, sex and birth date."""
    response = post(client, payload(patient=patient_data(**STRANGER)), key_for(other_gp))
    assert response.status_code == 201, response.json()
    return Referral.objects.get(reference=response.json()["reference"])


def test_it_raises_a_conflict_and_reaches_no_ones_record(client, known, conflicting, other_gp):
    """The stranger's referral gets a provisional patient of its own, without the INS; the known patient is
    untouched."""
    conflict = IdentityConflict.objects.get()
    assert conflict.existing_patient_id == known.patient_id
    assert conflict.referral_id == conflicting.pk
    assert conflict.status == ConflictStatus.OPEN
    assert conflict.differing_traits == ["birth_name", "first_names", "sex", "birth_date"]
    assert conflict.submitted_traits["ins"] == known.patient.ins
    provisional = conflicting.patient
    assert provisional.pk not in (known.patient_id,) and provisional.pk == conflict.provisional_patient_id
    assert (provisional.ins, provisional.identity_status, provisional.birth_name) == (
        None,
        IdentityStatus.PROVISIONAL,
        "Moreau",
    )
    assert not CareTeamMember.objects.filter(
        patient_id=known.patient_id, professional_id=other_gp.professional_id
    ).exists()
    assert Event.objects.get(kind="patient.identity_conflict_raised").referral_id == conflicting.pk


def test_it_gives_the_submitter_404_on_the_known_patients_referral(client, known, conflicting, other_gp):
    """The submitter reaches their own referral, never the known patient's (page and API)."""
    client.force_login(other_gp)
    assert client.get(reverse("coordination:referral", args=[known.reference])).status_code == 404
    assert client.get(reverse("coordination:referral", args=[conflicting.reference])).status_code == 200
    client.logout()
    key = key_for(other_gp)
    assert get(client, known.reference, key).status_code == 404
    assert get(client, conflicting.reference, key).status_code == 200


def test_it_still_matches_the_same_traits_typed_otherwise(client, known, other_gp):
    """The same INS with the traits in other case, without accents and with hyphens is the known patient."""
    same = patient_data(birth_name="LEFEVRE", first_names="jeanne-marie", used_name=None)
    response = post(client, payload(patient=same), key_for(other_gp))

    assert response.status_code == 201
    assert Referral.objects.get(reference=response.json()["reference"]).patient_id == known.patient_id
    assert not IdentityConflict.objects.exists()


def test_it_never_changes_the_matched_patient(client, known, other_gp):
    """A match by INS leaves the known patient's identity, contact and status as they were."""
    Patient.objects.filter(pk=known.patient_id).update(phone="", commune=None, used_name="", birth_place_code="")
    before = Patient.objects.filter(pk=known.patient_id).values().get()

    response = post(client, payload(patient=patient_data(first_names="Jeanne")), key_for(other_gp))

    referral = Referral.objects.get(reference=response.json()["reference"])
    assert referral.patient_id == known.patient_id
    assert Patient.objects.filter(pk=known.patient_id).values().get() == before
    assert referral.contact_phone == "+33612345678"  # kept on the referral, where completeness reads it
    assert referral.is_complete


@pytest.mark.parametrize(
    ("trait", "value"),
    [
        ("birth_name", "Lefebvre"),
        ("first_names", "Louise"),
        ("sex", "M"),
        ("birth_date", date(1956, 3, 13)),
        ("birth_place_code", "75056"),
    ],
)
def test_it_finds_each_differing_trait(known, trait, value):
    """Each trait compared differs on its own; birth place only when both are known."""
    submitted = {
        "birth_name": "Lefèvre",
        "first_names": "Jeanne Marie",
        "sex": "F",
        "birth_date": date(1956, 3, 12),
        "birth_place_code": "",
    }
    patient = known.patient
    patient.birth_place_code = "67482"
    assert differing_traits(patient, **submitted) == []
    assert differing_traits(patient, **{**submitted, trait: value}) == [trait]


def test_it_refuses_a_qualified_status_at_submission():
    """Nobody declares « qualifiée » when sending; « récupérée » needs an INS."""
    assert "qualifiée" in submission_status_error(IdentityStatus.QUALIFIED, "x")
    assert "INSi" in submission_status_error(IdentityStatus.RECOVERED, "")
    assert submission_status_error(IdentityStatus.RECOVERED, "255036748212345") is None
    assert submission_status_error(IdentityStatus.PROVISIONAL, "") is None


def test_the_service_refuses_a_qualified_status(submit, gp):
    """referral_submit refuses a claimed « qualifiée » whatever the channel, and saves nothing."""
    with pytest.raises(ValidationError):
        submit(patient=identity(identity_status=IdentityStatus.QUALIFIED, gp_id=gp.professional_id))
    assert not Patient.objects.exists()


# --- Resolution ---------------------------------------------------------------------------------


def resolve(coordinator, conflict, **overrides):
    values = {"resolution": ConflictResolution.SAME_PERSON, "reason": "Carte d'identité vue, appel du Dr Autre."}
    values.update(overrides)
    return identity_conflict_resolve(actor=Actor(user=coordinator), conflict=conflict, **values)


def test_same_person_moves_the_referral_and_corrects_traits_with_a_trace(known, conflicting, coordinator):
    """Same person: the referral joins the known patient, the chosen trait takes the submitted value (old/new in the
    event, audited), the qualified status drops, the duplicate is retired and its team ended."""
    Patient.objects.filter(pk=known.patient_id).update(identity_status=IdentityStatus.QUALIFIED)
    conflict = IdentityConflict.objects.get()

    resolve(coordinator, conflict, keep_submitted=["first_names"])

    conflict.refresh_from_db()
    assert (conflict.status, conflict.resolution, conflict.resolved_by_id) == (
        ConflictStatus.RESOLVED,
        ConflictResolution.SAME_PERSON,
        coordinator.pk,
    )
    conflicting.refresh_from_db()
    assert conflicting.patient_id == known.patient_id
    patient = Patient.objects.get(pk=known.patient_id)
    assert (patient.first_names, patient.birth_name, patient.sex) == ("Paul", "Lefèvre", "F")
    assert patient.identity_status == IdentityStatus.PROVISIONAL
    corrected = Event.objects.get(kind="patient.identity_corrected")
    assert corrected.payload["changes"] == {
        "first_names": {"old": "Jeanne Marie", "new": "Paul"},
        "identity_status": {"old": "qual", "new": "prov"},
    }
    assert corrected.referral_id == conflicting.pk and corrected.actor_id == coordinator.pk
    provisional = Patient.objects.get(pk=conflict.provisional_patient_id)
    assert provisional.merged_into_id == known.patient_id and provisional.retired_at is not None
    assert not CareTeamMember.objects.active().filter(patient=provisional).exists()
    assert CareTeamMember.objects.active().filter(patient_id=known.patient_id, role=CareTeamRole.COORDINATOR).exists()
    assert not CareTeamMember.objects.filter(
        patient_id=known.patient_id, professional_id=conflicting.referrer_id
    ).exists()
    assert AuditRecord.objects.filter(
        patient_id=known.patient_id, object_type="patient.identity", action="update"
    ).exists()
    assert Event.objects.get(kind="patient.identity_conflict_resolved").payload["moved_referrals"] == [
        conflicting.reference
    ]
    assert list(conflicting.related_referrals.values_list("pk", flat=True)) == [known.pk]
    assert Event.objects.get(kind="referral.duplicate_linked", referral=conflicting).payload == {
        "linked": [known.reference]
    }


def test_same_person_without_correction_keeps_the_known_traits(known, conflicting, coordinator):
    """Same person with nothing ticked: the known identity stays as it was, no correction event."""
    before = (
        Patient.objects.filter(pk=known.patient_id)
        .values("birth_name", "first_names", "sex", "birth_date", "identity_status")
        .get()
    )

    resolve(coordinator, IdentityConflict.objects.get())

    assert (
        Patient.objects.filter(pk=known.patient_id)
        .values("birth_name", "first_names", "sex", "birth_date", "identity_status")
        .get()
        == before
    )
    assert not Event.objects.filter(kind="patient.identity_corrected").exists()


def test_different_people_keep_the_referral_on_its_own_provisional_patient(known, conflicting, coordinator):
    """Different people: the INS was mistyped; the referral keeps its own patient, no INS, provisional."""
    conflict = IdentityConflict.objects.get()

    resolve(coordinator, conflict, resolution=ConflictResolution.DIFFERENT_PEOPLE)

    conflicting.refresh_from_db()
    assert conflicting.patient_id == conflict.provisional_patient_id != known.patient_id
    assert (conflicting.patient.ins, conflicting.patient.identity_status, conflicting.patient.merged_into_id) == (
        None,
        IdentityStatus.PROVISIONAL,
        None,
    )
    event = Event.objects.get(kind="patient.identity_conflict_resolved")
    assert (event.patient_id, event.payload["resolution"]) == (conflict.provisional_patient_id, "different_people")


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"reason": "  "}, PatientErrorCode.REASON_REQUIRED),
        ({"resolution": "merge"}, PatientErrorCode.INVALID_INPUT),
        ({"keep_submitted": ["used_name"]}, PatientErrorCode.INVALID_INPUT),
        (
            {"resolution": ConflictResolution.DIFFERENT_PEOPLE, "keep_submitted": ["sex"]},
            PatientErrorCode.INVALID_INPUT,
        ),
    ],
    ids=["no-reason", "unknown-resolution", "trait-not-differing", "correction-for-different-people"],
)
def test_it_refuses_bad_input_and_changes_nothing(known, conflicting, coordinator, overrides, code):
    """A bad resolution is refused with its code; the conflict stays open and the referral where it was."""
    with pytest.raises(PatientError) as error:
        resolve(coordinator, IdentityConflict.objects.get(), **overrides)

    assert error.value.code == code
    assert IdentityConflict.objects.get().status == ConflictStatus.OPEN
    assert Referral.objects.get(pk=conflicting.pk).patient_id == conflicting.patient_id


def test_only_the_entry_points_coordination_resolves(known, conflicting, coordinator_elsewhere, other_gp):
    """A coordinator of another organisation, or the submitter, may not resolve."""
    for user in (coordinator_elsewhere, other_gp):
        with pytest.raises(PatientError) as error:
            resolve(user, IdentityConflict.objects.get())
        assert error.value.code == PatientErrorCode.NOT_ALLOWED
    assert IdentityConflict.objects.get().status == ConflictStatus.OPEN


def test_a_resolved_conflict_is_not_resolved_again(known, conflicting, coordinator):
    """The second decision is refused: the first one stands."""
    conflict = IdentityConflict.objects.get()
    resolve(coordinator, conflict, resolution=ConflictResolution.DIFFERENT_PEOPLE)

    with pytest.raises(PatientError) as error:
        resolve(coordinator, conflict)

    assert error.value.code == PatientErrorCode.ALREADY_RESOLVED
    assert IdentityConflict.objects.get().resolution == ConflictResolution.DIFFERENT_PEOPLE


def test_a_retired_duplicate_is_never_matched_again(client, known, conflicting, coordinator, other_gp):
    """After a merge, the same stranger's traits typed without INS match no retired duplicate."""
    resolve(coordinator, IdentityConflict.objects.get())

    response = post(client, payload(patient=patient_data(**STRANGER, ins=None)), key_for(other_gp))

    patient = Referral.objects.get(reference=response.json()["reference"]).patient
    assert patient.merged_into_id is None and patient.pk != known.patient_id


# --- Identity status set by the coordination ------------------------------------------------------


def test_the_coordination_qualifies_an_identity_with_a_trace(known, coordinator):
    """The coordination records « qualifiée » for an identity with an INS: event with old and new status."""
    patient_identity_status_set(
        actor=Actor(user=coordinator),
        patient_id=known.patient_id,
        status=IdentityStatus.QUALIFIED,
        reason="INSi et CNI",
    )

    assert Patient.objects.get(pk=known.patient_id).identity_status == IdentityStatus.QUALIFIED
    assert Event.objects.get(kind="patient.identity_status_changed").payload == {
        "old": "prov",
        "new": "qual",
        "reason": "INSi et CNI",
    }


def test_only_a_coordinator_of_the_patient_sets_the_status(known, coordinator, coordinator_elsewhere, gp):
    """The referring GP or another organisation's coordinator may not qualify; no INS, no « qualifiée »."""
    for user in (gp, coordinator_elsewhere):
        with pytest.raises(PatientError):
            patient_identity_status_set(
                actor=Actor(user=user), patient_id=known.patient_id, status=IdentityStatus.QUALIFIED, reason="x"
            )
    Patient.objects.filter(pk=known.patient_id).update(ins=None)
    with pytest.raises(PatientError):
        patient_identity_status_set(
            actor=Actor(user=coordinator), patient_id=known.patient_id, status=IdentityStatus.QUALIFIED, reason="x"
        )
    assert Patient.objects.get(pk=known.patient_id).identity_status == IdentityStatus.PROVISIONAL
