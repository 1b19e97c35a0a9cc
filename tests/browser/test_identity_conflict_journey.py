"""Identity vigilance in a real browser: a referral carrying a known patient's INS with other traits shows in the
coordinator's worklist as an identity conflict; the coordinator compares both identities, decides « same person »
with the first names corrected, and lands on the referral, now the known patient's; a missing reason is refused."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from conftest import identity
from jalon.core.actor import Actor
from jalon.patients.models import ConflictResolution, ConflictStatus, IdentityConflict, Patient
from jalon.referrals.models import Referral
from jalon.referrals.services import referral_submit
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def conflicting(submit, other_gp, entry_point):
    """Mme Lefèvre is known; another GP sends a referral with her INS for « Paul Moreau », born 1971."""
    known = submit().referral
    stranger = identity(birth_name="Moreau", first_names="Paul", sex="M", birth_date=date(1971, 8, 30))
    referral = referral_submit(
        actor=Actor(user=other_gp),
        entry_point=entry_point,
        channel="web",
        patient=stranger,
        referrer=other_gp.professional,
        suspected_site="lung",
        clinical_reason="Toux",
    ).referral
    return known, referral


def open_conflict_from_worklist(page):
    panel = page.get_by_role("region", name=re.compile("Conflits d'identité"))
    expect(panel.get_by_test_id("identity-conflict-count")).to_have_text("1")
    panel.get_by_role("link", name="Voir les conflits d'identité").click()
    expect(page.get_by_role("heading", name="Conflits d'identité", exact=True)).to_be_visible()
    page.get_by_role("link", name=re.compile("Résoudre le conflit de MOREAU Paul")).click()
    expect(page.get_by_role("heading", name=re.compile("Conflit d'identité"))).to_be_visible()


def test_a_coordinator_resolves_an_identity_conflict(page, coordinator, conflicting, strasbourg):
    """Worklist → conflicts → both identities → « same person », first names corrected → the referral, moved."""
    known, referral = conflicting
    login(page, coordinator.username)
    open_conflict_from_worklist(page)
    traits = page.get_by_role("table")
    expect(traits.get_by_role("row", name=re.compile("Nom de naissance"))).to_contain_text("Moreau")
    expect(traits.get_by_role("row", name=re.compile("Date de naissance"))).to_contain_text("30/08/1971")
    screenshot(page, "identity-conflict")

    page.get_by_label(re.compile("Même personne")).check()
    page.get_by_label(re.compile("prénoms : « Paul »")).check()
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.get_by_text("Indiquez le motif de votre décision.")).to_be_visible()
    assert IdentityConflict.objects.get().status == ConflictStatus.OPEN

    page.get_by_label(re.compile("Même personne")).check()
    page.get_by_label(re.compile("prénoms : « Paul »")).check()
    page.get_by_label(re.compile("^Motif")).fill("Carte d'identité vue ; le Dr Autre a confirmé la patiente.")
    page.get_by_role("button", name="Enregistrer la décision").click()

    expect(page.get_by_text("Conflit d'identité résolu.")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(f"Demande {referral.reference}"))).to_be_visible()
    expect(page.get_by_role("link", name="Résoudre le conflit d'identité")).to_have_count(0)
    screenshot(page, "identity-conflict-resolved")
    conflict = IdentityConflict.objects.get()
    assert (conflict.status, conflict.resolution) == (ConflictStatus.RESOLVED, ConflictResolution.SAME_PERSON)
    assert Referral.objects.get(pk=referral.pk).patient_id == known.patient_id
    assert Patient.objects.get(pk=known.patient_id).first_names == "Paul"
