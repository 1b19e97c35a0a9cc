"""Duplicate detection: a referral finds the known patient by INS or by normalised traits."""

from datetime import date

import pytest

from conftest import identity
from jalon.accounts.models import AuditRecord
from jalon.core.actor import Actor
from jalon.events.models import Event
from jalon.patients.models import IdentityStatus, Patient
from jalon.patients.services import patient_register
from jalon.referrals.models import Status
from jalon.referrals.services import (
    referral_accept,
    referral_close,
    referral_decline,
    referral_redirect,
    referral_request_complement,
)
from jalon.testing.factories import make_ins


@pytest.fixture
def register(gp, strasbourg, schiltigheim, entry_point):
    """Register an identity as the GP would through a referral to the CPTS entry point (patient, created)."""

    def _register(**overrides):
        registration = patient_register(
            actor=Actor(user=gp), identity=identity(**overrides), entry_point_id=entry_point.pk
        )
        return registration.patient, registration.created

    return _register


def test_it_finds_the_patient_by_ins(register):
    """The same INS with the same traits, typed with other case, accents and hyphens, is the same patient."""
    first, created = register()
    assert created

    again, created = register(birth_name="LEFEVRE", first_names="jeanne-marie")

    assert not created
    assert again.pk == first.pk
    assert Patient.objects.count() == 1


def test_it_finds_the_patient_by_ins_written_with_spaces(register):
    """An INS typed with spaces is the same INS."""
    ins = identity().ins
    first, _ = register()

    again, created = register(ins=f"{ins[0]} {ins[1:3]} {ins[3:5]} {ins[5:7]} {ins[7:10]} {ins[10:13]} {ins[13:]}")

    assert not created
    assert again.pk == first.pk


@pytest.mark.parametrize(
    ("known", "typed"),
    [
        (("LEFEVRE-DUPRE", "JEANNE"), ("Lefèvre Dupré", "Jeanne Marie")),
        (("Lefèvre Dupré", "jeanne"), ("LEFEVRE-DUPRE", "Jeanne")),
        (("Lefèvre", "Jeanne Marie"), ("  lefevre ", "  jeanne  Louise")),
        (("d'Ornano", "Hélène"), ("DORNANO", "HELENE")),
        (("Lœuillet", "Zoé"), ("LOEUILLET", "Zoe")),
    ],
    ids=["upper-hyphen-vs-accents-space", "accents-vs-upper-hyphen", "spaces-and-case", "apostrophe", "ligature"],
)
def test_it_finds_the_patient_by_normalised_traits(known, typed, register):
    """Same birth name, first name and birth date, whatever the case, accents, hyphens and spaces: same patient."""
    first, _ = register(birth_name=known[0], first_names=known[1], ins="")

    again, created = register(birth_name=typed[0], first_names=typed[1], ins="")

    assert not created
    assert again.pk == first.pk
    assert Patient.objects.count() == 1


def test_it_creates_a_new_patient_for_another_birth_date(register):
    """A different birth date is a different person, even with the same names."""
    first, _ = register(ins="")

    other, created = register(ins="", birth_date=date(1956, 3, 13))

    assert created
    assert other.pk != first.pk
    assert Patient.objects.count() == 2


def test_it_creates_a_new_patient_for_another_first_name(register):
    """A different first first name is a different person (twins share the rest)."""
    first, _ = register(ins="")

    other, created = register(ins="", first_names="Louise Marie")

    assert created
    assert other.pk != first.pk


def test_it_does_not_merge_same_traits_with_another_ins(register):
    """Homonyms born the same day with two different INS stay two patients."""
    first, _ = register()
    other_ins = make_ins(sex="F", birth_date=date(1956, 3, 12), seed=2)
    assert other_ins != first.ins

    other, created = register(ins=other_ins)

    assert created
    assert other.pk != first.pk
    assert other.ins == other_ins
    first.refresh_from_db()
    assert first.ins == identity().ins


def test_it_never_fills_nor_changes_a_matched_patient(register, gp):
    """A submitter never writes on a matched patient: not its traits, not its blank INS, contact, GP, used name
    or birth place (changed since issue 12: blanks used to be filled from the submission)."""
    first, _ = register(ins="", phone="+33388000000", commune_code=None, gp_id=None, used_name="", birth_place_code="")
    before = Patient.objects.filter(pk=first.pk).values().get()
    audits_before = AuditRecord.objects.filter(patient=first).count()

    again, created = register(
        birth_name="LEFEVRE",
        first_names="Jeanne Louise",
        sex="M",
        ins=identity().ins,
        identity_status=IdentityStatus.RECOVERED,
        phone="+33612345678",
        commune_code="67447",
        gp_id=gp.professional_id,
        used_name="Martin",
        birth_place_code="67482",
    )

    assert not created
    assert again.pk == first.pk
    assert Patient.objects.filter(pk=first.pk).values().get() == before
    assert AuditRecord.objects.filter(patient=first).count() == audits_before


def test_it_writes_nothing_when_the_known_patient_lacks_nothing(register):
    """A match that brings nothing new leaves the patient and the audit trail untouched."""
    first, _ = register()
    audits_before = AuditRecord.objects.filter(patient=first).count()

    register(phone="+33600000000", commune_code="67447")

    patient = Patient.objects.get(pk=first.pk)
    assert (patient.phone, patient.commune_id) == ("+33612345678", "67482")
    assert AuditRecord.objects.filter(patient=first).count() == audits_before


@pytest.fixture
def bring_to(coordinator):
    """Move a referral to `status` through the coordinator's services."""
    actor = Actor(user=coordinator)
    steps = {
        Status.RECEIVED: [],
        Status.AWAITING_COMPLEMENT: [
            lambda r: referral_request_complement(actor=actor, referral=r, message="Compte rendu ?"),
        ],
        Status.ACCEPTED: [lambda r: referral_accept(actor=actor, referral=r, pathway_kind="lung", priority="P2")],
        Status.DECLINED: [lambda r: referral_decline(actor=actor, referral=r, reason="Hors champ")],
        Status.REDIRECTED: [
            lambda r: referral_redirect(actor=actor, referral=r, redirected_to="Hautepierre", reason="Hôpital"),
        ],
        Status.CLOSED: [
            lambda r: referral_accept(actor=actor, referral=r, pathway_kind="lung", priority="P2"),
            lambda r: referral_close(actor=actor, referral=r, reason="Parcours terminé"),
        ],
    }

    def _bring_to(referral, status):
        for step in steps[status]:
            step(referral)
        referral.refresh_from_db()
        assert referral.status == status
        return referral

    return _bring_to


@pytest.mark.parametrize("status", [Status.RECEIVED, Status.AWAITING_COMPLEMENT, Status.ACCEPTED])
def test_it_links_a_second_referral_to_the_open_one(status, submit, bring_to, gp):
    """A second referral for a patient with an open referral is linked to it both ways, with an event."""
    first = bring_to(submit().referral, status)

    result = submit(patient=identity(birth_name="LEFEVRE", ins="", gp_id=gp.professional_id), suspected_site="liver")
    second = result.referral

    assert not result.patient_created
    assert second.patient_id == first.patient_id
    assert [r.pk for r in result.open_referrals_of_patient] == [first.pk]
    assert list(second.related_referrals.values_list("pk", flat=True)) == [first.pk]
    assert list(first.related_referrals.values_list("pk", flat=True)) == [second.pk]
    event = Event.objects.get(referral=second, kind="referral.duplicate_linked")
    assert event.payload == {"linked": [first.reference]}
    assert event.patient_id == first.patient_id
    assert event.actor_id == gp.pk
    assert not Event.objects.filter(referral=first, kind="referral.duplicate_linked").exists()


def test_it_links_a_third_referral_to_both_open_ones(submit):
    """Every open referral of the patient is linked, oldest first."""
    first = submit().referral
    second = submit().referral

    third = submit().referral

    assert set(third.related_referrals.values_list("pk", flat=True)) == {first.pk, second.pk}
    assert Event.objects.get(referral=third, kind="referral.duplicate_linked").payload == {
        "linked": [first.reference, second.reference]
    }


@pytest.mark.parametrize("status", [Status.DECLINED, Status.REDIRECTED, Status.CLOSED])
def test_it_does_not_link_to_a_finished_referral(status, submit, bring_to):
    """A patient whose only referral is closed, declined or redirected gets a new referral with no link."""
    first = bring_to(submit().referral, status)

    result = submit()

    second = result.referral
    assert second.patient_id == first.patient_id
    assert result.open_referrals_of_patient == []
    assert not second.related_referrals.exists()
    assert not first.related_referrals.exists()
    assert not Event.objects.filter(kind="referral.duplicate_linked").exists()


def test_it_does_not_link_referrals_of_different_patients(submit, gp):
    """Two referrals for two different patients are never linked."""
    submit()

    other = submit(patient=identity(birth_name="Durand", ins="", gp_id=gp.professional_id)).referral

    assert not other.related_referrals.exists()
    assert Patient.objects.count() == 2
