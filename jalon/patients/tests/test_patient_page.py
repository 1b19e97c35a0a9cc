"""The patient's page: the care team (member, role, since, granted by, why) for those who reach the file,
the grant and end forms for the coordination; 404 for everyone else, a French message for bad input."""

from __future__ import annotations

import pytest
from django.urls import reverse

from jalon.accounts.models import AuditRecord
from jalon.core.actor import Actor
from jalon.patients.models import CareTeamMember, CareTeamRole
from jalon.referrals.services import referral_confirm_gp


@pytest.fixture
def referral(submit):
    return submit().referral


def page(referral) -> str:
    return reverse("patients:detail", args=[referral.patient_id])


def test_it_shows_the_care_team_to_the_coordination_with_who_granted_and_why(client, referral, coordinator, gp):
    """The coordinator sees each member with role and reason, the GP confirmed by them, and the grant form."""
    referral_confirm_gp(actor=Actor(user=coordinator), referral=referral)
    client.force_login(coordinator)

    response = client.get(page(referral))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Équipe de soins" in body and "Médecin traitant" in body and referral.reference in body
    assert "Accorder l&#x27;accès au dossier" in body or "Accorder l'accès au dossier" in body
    assert AuditRecord.objects.filter(object_type="patient", patient_id=referral.patient_id, actor=coordinator).exists()


@pytest.mark.parametrize("who", ["gp", "other_gp", "coordinator_elsewhere", "manager", "admin_user"])
def test_it_answers_404_to_whoever_does_not_reach_the_file(who, client, referral, request):
    """The referrer (who reaches only their referral), outsiders, another organisation's coordination and managers get
    404."""
    client.force_login(request.getfixturevalue(who))
    assert client.get(page(referral)).status_code == 404


def test_it_answers_404_for_an_unknown_or_absurd_patient_number(client, coordinator):
    """No such patient, or a number beyond any id: 404, never a 500."""
    client.force_login(coordinator)
    assert client.get("/patients/999999/").status_code == 404
    assert client.get(f"/patients/{10**30}/").status_code == 404


def test_it_grants_from_the_page(client, referral, coordinator, home_nurse):
    """The coordinator adds a home nurse with a reason; back to the page, the nurse now reaches the file."""
    client.force_login(coordinator)
    response = client.post(
        reverse("patients:care_team_grant", args=[referral.patient_id]),
        {
            "professional": home_nurse.professional_id,
            "role": CareTeamRole.HOME_NURSE,
            "reason": "Pansements à domicile",
        },
    )

    assert response.status_code == 302 and response.url == page(referral)
    member = CareTeamMember.objects.get(professional_id=home_nurse.professional_id)
    assert (member.granted_by_id, member.reason) == (coordinator.pk, "Pansements à domicile")


def test_it_refuses_a_grant_without_reason_with_a_french_message(client, referral, coordinator, home_nurse):
    """No reason, or an unknown professional: 400, the form says why, nothing is written."""
    client.force_login(coordinator)
    url = reverse("patients:care_team_grant", args=[referral.patient_id])

    response = client.post(
        url, {"professional": home_nurse.professional_id, "role": CareTeamRole.HOME_NURSE, "reason": ""}
    )
    assert response.status_code == 400 and "Ce champ est obligatoire" in response.content.decode()
    response = client.post(url, {"professional": 10**12, "role": CareTeamRole.HOME_NURSE, "reason": "Soins"})
    assert response.status_code == 400 and "n&#x27;existe pas" in response.content.decode()
    assert not CareTeamMember.objects.filter(professional_id=home_nurse.professional_id).exists()


@pytest.mark.parametrize("who", ["gp", "coordinator_elsewhere", "manager"])
def test_it_keeps_the_grant_and_end_forms_from_others(who, client, referral, request, home_nurse, coordinator):
    """Granting or ending from someone who may not manage the team: 404, nothing changes."""
    from jalon.patients.care_team import care_team_grant

    member = care_team_grant(
        actor=Actor(user=coordinator),
        patient=referral.patient,
        professional=home_nurse.professional,
        role=CareTeamRole.HOME_NURSE,
        reason="Soins",
    )
    client.force_login(request.getfixturevalue(who))

    granted = client.post(
        reverse("patients:care_team_grant", args=[referral.patient_id]),
        {"professional": home_nurse.professional_id, "role": CareTeamRole.SUPPORT_PROVIDER, "reason": "x"},
    )
    ended = client.post(reverse("patients:care_team_end", args=[referral.patient_id, member.pk]), {"reason": "x"})

    assert (granted.status_code, ended.status_code) == (404, 404)
    member.refresh_from_db()
    assert (
        member.until is None and CareTeamMember.objects.filter(professional_id=home_nurse.professional_id).count() == 1
    )


def test_it_ends_from_the_page_and_asks_for_a_reason(client, referral, coordinator, home_nurse):
    """Ending without a reason: 400 with the message; with one, the membership ends."""
    from jalon.patients.care_team import care_team_grant

    member = care_team_grant(
        actor=Actor(user=coordinator),
        patient=referral.patient,
        professional=home_nurse.professional,
        role=CareTeamRole.HOME_NURSE,
        reason="Soins",
    )
    client.force_login(coordinator)
    url = reverse("patients:care_team_end", args=[referral.patient_id, member.pk])

    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "Soins terminés"}).status_code == 302
    member.refresh_from_db()
    assert member.until is not None and member.end_reason == "Soins terminés"


def test_it_links_the_patient_page_from_the_referral_page_for_those_who_reach_it(client, referral, coordinator, gp):
    """The coordination sees the link to the patient's page on the referral page; the referrer does not."""
    client.force_login(coordinator)
    assert page(referral) in client.get(reverse("coordination:referral", args=[referral.reference])).content.decode()
    client.force_login(gp)
    assert (
        page(referral) not in client.get(reverse("coordination:referral", args=[referral.reference])).content.decode()
    )


def test_the_grant_form_chooses_no_role_in_advance(client, referral, coordinator):
    """The role starts empty (not « Adresseur », which would open the whole file unnoticed), the GP first;
    posting without a role is refused in French."""
    from jalon.patients.forms import CareTeamGrantForm

    choices = [value for value, _label in CareTeamGrantForm().fields["role"].choices]
    assert choices[0] == "" and choices[1] == CareTeamRole.GP and choices[-1] == CareTeamRole.REFERRER
    client.force_login(coordinator)

    response = client.post(
        reverse("patients:care_team_grant", args=[referral.patient_id]),
        {"professional": coordinator.professional_id, "role": "", "reason": "Essai"},
    )

    assert response.status_code == 400
    assert "Ce champ est obligatoire." in response.content.decode()
