"""Pathology in a real browser: the coordinator asks for an analysis from the pathway page (the prescription
without « fumeur » is refused in French, nothing sent), the pathologist finds it on their screen and says the
specimen is not contributive, the coordinator sees the re-biopsy task on the pathway page at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jalon.core.actor import Actor
from jalon.diagnostics.models import PathologyRequest, PathologyStatus
from jalon.pathways.services import milestone_record
from jalon.pathways.tests.factories import pathway_build, template_version_build
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SPECIMEN = "Biopsie bronchique, lobe supérieur droit"
STEPS = [
    dict(code="reception", label="Accueil"),
    dict(code="biopsy", label="Biopsie", depends_on=["reception"], reference_code="reception", target_amount=1,
         target_unit="working_days"),
    dict(code="pathology_preliminary", label="Résultat anatomopathologique intermédiaire", required=False,
         depends_on=["biopsy"], reference_code="biopsy", target_amount=4, target_unit="working_days"),
    dict(code="pathology_final", label="Résultat anatomopathologique définitif", depends_on=["biopsy"],
         reference_code="biopsy", target_amount=7, target_unit="days", follows=["pathology_preliminary"]),
]  # fmt: skip


@pytest.fixture
def pathway(submit, coordinator):
    """A lung pathway whose reception is done, on a small published template (a flushed database has none)."""
    template_version_build(STEPS, kind="lung")
    pathway = pathway_build(submit, user=coordinator, kind="lung")
    milestone_record(
        actor=Actor(user=coordinator),
        milestone=pathway.milestones.get(code="reception"),
        done_at=timezone.now() - timedelta(hours=2),
    )
    return pathway


def test_a_non_contributive_specimen_reaches_the_coordination_as_a_rebiopsy_task(
    new_page, coordinator, pathologist, pathway
):
    reference = pathway.referral.reference
    page = new_page()
    login(page, coordinator.username)
    page.goto(f"/parcours/{reference}/")
    expect(page.get_by_role("heading", name="Examens et anatomopathologie")).to_be_visible()
    page.get_by_role("link", name="Demander une analyse anatomopathologique").click()
    expect(page.get_by_role("heading", name="Demander une analyse anatomopathologique")).to_be_visible()
    page.get_by_label("Prélèvement (site, nature)").fill(SPECIMEN)
    page.get_by_label("Anatomopathologiste").select_option(label=str(pathologist.professional))
    page.get_by_label("Tumeur métastatique").select_option(label="Non")
    page.get_by_label("Premier diagnostic ou récurrence").select_option(label="Premier diagnostic")
    page.get_by_label("EGFR").check()
    page.get_by_label("Renseignements cliniques (compte rendu de consultation)").fill("Nodule de 25 mm.")
    page.get_by_role("button", name="Envoyer la demande").click()

    expect(page.get_by_text("Renseignez « Patient fumeur ».")).to_be_visible()
    assert not PathologyRequest.objects.exists()
    screenshot(page, "pathology-refused")
    page.get_by_label("Patient fumeur").select_option(label="Oui")
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page.get_by_text("Demande d'anatomopathologie envoyée.")).to_be_visible()
    expect(page.get_by_role("link", name=SPECIMEN)).to_be_visible()

    lab = new_page()
    login(lab, pathologist.username)
    expect(lab.get_by_role("heading", name="Anatomopathologie : mes demandes")).to_be_visible()
    lab.get_by_role("link", name=SPECIMEN).click()
    expect(lab.get_by_text("Patient fumeur")).to_be_visible()
    lab.get_by_label("Résultat intermédiaire", exact=True).check()
    lab.get_by_label("Non contributif : nouvelle biopsie nécessaire").check()
    lab.get_by_label("Conclusion").fill("Matériel insuffisant : nécrose, pas de cellule tumorale analysable.")
    lab.get_by_role("button", name="Enregistrer le résultat").click()
    expect(lab.get_by_text("Prélèvement non contributif enregistré")).to_be_visible()
    screenshot(lab, "pathology-non-contributive")
    assert PathologyRequest.objects.get().status == PathologyStatus.NON_CONTRIBUTIVE

    page.goto(f"/parcours/{reference}/")
    expect(
        page.get_by_text(f"Programmer une nouvelle biopsie : prélèvement « {SPECIMEN} » non contributif")
    ).to_be_visible()
    expect(page.get_by_text("nouvelle biopsie à programmer", exact=True)).to_be_visible()
    screenshot(page, "pathology-rebiopsy-task")
