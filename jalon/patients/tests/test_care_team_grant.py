"""Granting and ending care-team memberships (`care_team_grant`, `care_team_end`): who may, what is recorded
(granted by, why, ended by), the event and the audit record, and what the membership opens."""

from __future__ import annotations

import pytest

from jalon.accounts.models import AuditRecord
from jalon.core.actor import Actor
from jalon.events.models import Event
from jalon.patients.access import patients_visible_to
from jalon.patients.care_team import CareTeamError, care_team_end, care_team_grant
from jalon.patients.models import CareTeamMember, CareTeamRole
from jalon.referrals.access import referrals_visible_to


@pytest.fixture
def referral(submit):
    """A referral sent by `gp` to the CPTS entry point."""
    return submit().referral


def test_it_grants_the_whole_file_with_who_and_why(referral, coordinator, home_nurse):
    """The entry point's coordinator grants a home nurse; the row says who and why; event and audit written."""
    member = care_team_grant(
        actor=Actor(user=coordinator),
        patient=referral.patient,
        professional=home_nurse.professional,
        role=CareTeamRole.HOME_NURSE,
        reason="Soins à domicile après la biopsie",
    )

    assert (member.granted_by_id, member.reason, member.until) == (
        coordinator.pk,
        "Soins à domicile après la biopsie",
        None,
    )
    assert patients_visible_to(home_nurse).filter(pk=referral.patient_id).exists()
    assert referrals_visible_to(home_nurse).filter(pk=referral.pk).exists()
    assert Event.objects.filter(kind="care_team.granted", patient_id=referral.patient_id).count() == 1
    assert AuditRecord.objects.filter(
        object_type="care_team.grant", object_id=str(member.pk), actor=coordinator
    ).exists()


def test_it_turns_a_referrers_record_into_a_granted_membership(referral, submit, coordinator, gp, other_gp):
    """The referrer's own row opens only their referral; granted as referrer by the coordination, the file opens."""
    other = submit(user=other_gp).referral
    assert not referrals_visible_to(gp).filter(pk=other.pk).exists()

    care_team_grant(
        actor=Actor(user=coordinator),
        patient=referral.patient,
        professional=gp.professional,
        role=CareTeamRole.REFERRER,
        reason="Suit la patiente pour les deux demandes",
    )

    assert referrals_visible_to(gp).filter(pk=other.pk).exists()
    rows = CareTeamMember.objects.filter(
        patient=referral.patient, professional_id=gp.professional_id, role=CareTeamRole.REFERRER
    )
    assert rows.filter(until__isnull=True).get().granted_by_id == coordinator.pk
    assert rows.filter(until__isnull=False).count() == 1


@pytest.mark.parametrize("who", ["gp", "coordinator_elsewhere", "manager", "specialist"])
def test_it_refuses_a_grant_by_someone_without_the_file(who, referral, request, home_nurse):
    """Only the coordination of an entry point the patient came through grants; nothing is written otherwise."""
    with pytest.raises(CareTeamError):
        care_team_grant(
            actor=Actor(user=request.getfixturevalue(who)),
            patient=referral.patient,
            professional=home_nurse.professional,
            role=CareTeamRole.HOME_NURSE,
            reason="Soins",
        )
    assert not CareTeamMember.objects.filter(professional_id=home_nurse.professional_id).exists()


@pytest.mark.parametrize(
    ("role", "reason", "field"),
    [("coordinator", "Soins", "role"), ("home_nurse", "   ", "reason"), ("home_nurse", "x" * 201, "reason")],
)
def test_it_refuses_a_bad_grant_with_a_french_reason(role, reason, field, referral, coordinator, home_nurse):
    """A role not granted here, or no or too long a reason: a French message on the field, nothing written."""
    with pytest.raises(CareTeamError) as refused:
        care_team_grant(
            actor=Actor(user=coordinator),
            patient=referral.patient,
            professional=home_nurse.professional,
            role=role,
            reason=reason,
        )
    assert refused.value.field == field and refused.value.message
    assert not CareTeamMember.objects.filter(professional_id=home_nurse.professional_id).exists()


def test_it_ends_a_membership_with_who_and_why(referral, coordinator, home_nurse):
    """Ending takes the file away from now on, and records who ended it and why."""
    member = care_team_grant(
        actor=Actor(user=coordinator),
        patient=referral.patient,
        professional=home_nurse.professional,
        role=CareTeamRole.HOME_NURSE,
        reason="Soins",
    )

    care_team_end(actor=Actor(user=coordinator), member=member, reason="Soins terminés")

    member.refresh_from_db()
    assert member.until is not None and (member.ended_by_id, member.end_reason) == (coordinator.pk, "Soins terminés")
    assert not patients_visible_to(home_nurse).filter(pk=referral.patient_id).exists()
    assert Event.objects.filter(kind="care_team.ended").count() == 1
    with pytest.raises(CareTeamError):
        care_team_end(actor=Actor(user=coordinator), member=member, reason="encore")


def test_it_keeps_the_coordination_rows_out_of_reach_of_ending(referral, coordinator):
    """The entry point's coordination is not removed from the page (it leaves when its referrals close)."""
    row = CareTeamMember.objects.get(patient=referral.patient, role=CareTeamRole.COORDINATOR)
    with pytest.raises(CareTeamError):
        care_team_end(actor=Actor(user=coordinator), member=row, reason="Départ")
    row.refresh_from_db()
    assert row.until is None
