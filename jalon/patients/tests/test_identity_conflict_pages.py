"""The coordination's identity conflict pages: list, detail, resolving; the worklist section and the referral banner."""

from __future__ import annotations

import pytest
from django.urls import reverse

from jalon.accounts.models import AuditRecord
from jalon.patients.models import ConflictResolution, ConflictStatus, IdentityConflict
from jalon.patients.tests.test_identity_conflicts import STRANGER, conflicting, friday_afternoon, known  # noqa: F401
from jalon.referrals.models import Referral
from jalon.testing.factories import UserFactory


@pytest.fixture
def conflict(conflicting):  # noqa: F811
    return IdentityConflict.objects.get(referral=conflicting)


def detail_url(conflict) -> str:
    return reverse("patients:identity_conflict", args=[conflict.pk])


def test_it_lists_open_conflicts_for_the_coordination(client, coordinator, conflict):
    """The entry point's coordinator sees the conflict listed, with both patients' reads audited."""
    client.force_login(coordinator)

    response = client.get(reverse("patients:identity_conflicts"))

    assert response.status_code == 200
    assert detail_url(conflict) in response.content.decode()
    audited = set(AuditRecord.objects.filter(object_type="identity_conflict.list").values_list("patient_id", flat=True))
    assert audited == {conflict.existing_patient_id, conflict.provisional_patient_id}


def test_it_shows_both_identities_side_by_side(client, coordinator, conflict):
    """The page shows the known and the submitted traits, marks what differs, and audits both patients."""
    client.force_login(coordinator)

    page = client.get(detail_url(conflict)).content.decode()

    assert "Lefèvre" in page and "Moreau" in page and "30/08/1971" in page
    assert page.count("diffère") == 4
    assert AuditRecord.objects.filter(object_type="identity_conflict", action="read").count() == 2


def test_it_shows_the_section_in_the_worklist_and_the_banner_on_the_referral(client, coordinator, conflict):
    """The worklist counts open conflicts; the referral page links to its conflict."""
    client.force_login(coordinator)

    worklist = client.get(reverse("coordination:worklist")).content.decode()
    referral_page = client.get(reverse("coordination:referral", args=[conflict.referral.reference])).content.decode()

    assert "Conflits d'identité" in worklist and 'data-testid="identity-conflict-count">1<' in worklist
    assert detail_url(conflict) in referral_page


def test_same_person_resolution_moves_the_referral(client, coordinator, conflict, known):  # noqa: F811
    """Posting « same person » with a trait to correct resolves it and goes back to the referral."""
    client.force_login(coordinator)

    response = client.post(
        detail_url(conflict),
        {"resolution": ConflictResolution.SAME_PERSON, "keep_submitted": ["first_names"], "reason": "CNI vue"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("coordination:referral", args=[conflict.referral.reference])
    conflict.refresh_from_db()
    assert conflict.status == ConflictStatus.RESOLVED
    assert Referral.objects.get(pk=conflict.referral_id).patient_id == known.patient_id
    worklist = client.get(reverse("coordination:worklist")).content.decode()
    assert 'data-testid="identity-conflict-count"' not in worklist
    assert "Aucun conflit d&#x27;identité à résoudre." in worklist or "Aucun conflit d'identité à résoudre." in worklist


def test_different_people_resolution_keeps_the_referral(client, coordinator, conflict):
    """Posting « different people » keeps the referral on its provisional patient."""
    client.force_login(coordinator)

    client.post(
        detail_url(conflict), {"resolution": ConflictResolution.DIFFERENT_PEOPLE, "reason": "Erreur de saisie de l'INS"}
    )

    conflict.refresh_from_db()
    assert conflict.resolution == ConflictResolution.DIFFERENT_PEOPLE
    assert Referral.objects.get(pk=conflict.referral_id).patient_id == conflict.provisional_patient_id


@pytest.mark.parametrize(
    "data",
    [
        {"resolution": ConflictResolution.SAME_PERSON, "reason": ""},
        {"resolution": "fusion", "reason": "x"},
        {"resolution": ConflictResolution.SAME_PERSON, "keep_submitted": ["ins"], "reason": "x"},
        {"resolution": ConflictResolution.DIFFERENT_PEOPLE, "keep_submitted": ["sex"], "reason": "x"},
    ],
    ids=["no-reason", "unknown-resolution", "unknown-trait", "correction-for-different-people"],
)
def test_it_refuses_bad_input_with_a_message(client, coordinator, conflict, data):
    """Bad input answers 400 with the form again and changes nothing."""
    client.force_login(coordinator)

    response = client.post(detail_url(conflict), data)

    assert response.status_code == 400
    assert 'class="errors-summary"' in response.content.decode()
    conflict.refresh_from_db()
    assert conflict.status == ConflictStatus.OPEN
    assert Referral.objects.get(pk=conflict.referral_id).patient_id == conflict.provisional_patient_id


@pytest.mark.parametrize("persona", ["coordinator_elsewhere", "other_gp", "gp", "manager"])
def test_it_answers_404_to_anyone_else(client, conflict, persona, request):
    """Another organisation's coordinator, the submitter, the known patient's GP, a manager: 404, nothing changed."""
    client.force_login(request.getfixturevalue(persona))

    assert client.get(detail_url(conflict)).status_code == 404
    assert (
        client.post(detail_url(conflict), {"resolution": ConflictResolution.SAME_PERSON, "reason": "x"}).status_code
        == 404
    )
    listing = client.get(reverse("patients:identity_conflicts"))
    if persona == "coordinator_elsewhere":  # a coordinator has the page, with their own conflicts only
        assert listing.status_code == 200 and detail_url(conflict) not in listing.content.decode()
    else:
        assert listing.status_code == 404
    assert IdentityConflict.objects.get(pk=conflict.pk).status == ConflictStatus.OPEN


def test_it_answers_404_to_an_unknown_or_huge_id(client, coordinator, conflict):
    """An id of no conflict, even beyond any row, is a 404, not a 500."""
    client.force_login(coordinator)
    assert client.get(reverse("patients:identity_conflict", args=[conflict.pk + 1000])).status_code == 404
    assert client.get(f"/patients/conflits-identite/{2**70}/").status_code == 404


def test_it_sends_anonymous_visitors_to_the_login(client, conflict):
    """Not logged in: redirected to the login page."""
    assert client.get(detail_url(conflict)).status_code == 302


def test_a_coordinator_without_organisation_sees_nothing(client, conflict, db):
    """A coordinator with no organisation gets 404."""
    client.force_login(UserFactory(username="idec.seule", role="coordinator"))
    assert client.get(detail_url(conflict)).status_code == 404


def test_the_worklist_leads_to_the_conflicts_page_even_when_none_is_open(client, coordinator):
    """With no open conflict the worklist shows no count, but one line still links to the page (resolved ones)."""
    client.force_login(coordinator)

    worklist = client.get(reverse("coordination:worklist")).content.decode()

    assert 'data-testid="identity-conflict-count"' not in worklist
    assert reverse("patients:identity_conflicts") in worklist


def test_the_conflict_page_links_to_the_known_patients_page(client, coordinator, conflict):
    """The coordination, in the known patient's care team, goes from the conflict to that patient's page."""
    client.force_login(coordinator)

    page = client.get(detail_url(conflict)).content.decode()

    assert reverse("patients:detail", args=[conflict.existing_patient_id]) in page
