"""Indicators in a real browser: a manager opens the dashboard, changes the period and sees the figures
and charts change, is refused an end before the start, opens a definition, drills down to pseudonymised
pathways, and downloads the XLSX export, which openpyxl reads with the expected figures."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse
from playwright.sync_api import expect

from jalon.indicators.selectors import pseudonym
from jalon.indicators.tests.factories import cohort_pathway, cohort_template, paris
from jalon.testing.factories import PatientFactory
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

FIRST_DELAY = "Demande → première prise en soins"


def summary_row(page, label: str):
    table = page.get_by_role(
        "table", name="Délais en jours : nombre de parcours, médiane, 90e centile, moyenne, parcours en attente"
    )
    return table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=label, exact=True))


def show_period(page, start: str, end: str) -> None:
    form = page.get_by_role("form", name="Période et filtres")
    form.get_by_label("Du", exact=True).fill(start)
    form.get_by_label("Au", exact=True).fill(end)
    form.get_by_role("button", name="Afficher").click()


def test_it_lets_a_manager_read_drill_down_and_export_the_indicators(new_page, manager, entry_point):
    """Two periods with hand-computed delays; the figures follow the period; rows are pseudonyms; the XLSX holds the
    figures."""
    version = cohort_template()
    names = ("Quillardet", "Vauquelin", "Pontbriand")
    pathways = [
        cohort_pathway(
            received_at=paris(2026, 1, 5),
            version=version,
            entry_point=entry_point,
            patient=PatientFactory(birth_name=names[0]),
            done={"reception": paris(2026, 1, 7)},
        ),
        cohort_pathway(
            received_at=paris(2026, 1, 20),
            version=version,
            entry_point=entry_point,
            patient=PatientFactory(birth_name=names[1]),
            done={"reception": paris(2026, 1, 24)},
        ),
        cohort_pathway(
            received_at=paris(2026, 2, 3),
            version=version,
            entry_point=entry_point,
            patient=PatientFactory(birth_name=names[2]),
            done={"reception": paris(2026, 2, 13)},
        ),
    ]
    cohort_pathway(
        received_at=paris(2024, 6, 3), version=version, entry_point=entry_point, done={"reception": paris(2024, 6, 9)}
    )

    page = new_page()
    login(page, manager.username)
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Indicateurs").click()
    expect(page.get_by_role("heading", name="Indicateurs", exact=True)).to_be_visible()

    # January–February 2026: 2, 4 and 10 days (n 3, median 4, p90 10).
    show_period(page, "2026-01-01", "2026-02-28")
    row = summary_row(page, FIRST_DELAY)
    expect(row).to_contain_text("3")
    expect(row.get_by_role("cell").nth(1)).to_have_text("4,0")
    expect(row.get_by_role("cell").nth(2)).to_have_text("10,0")
    series = page.get_by_role("img", name=f"{FIRST_DELAY} : médiane et 90e centile par mois")
    expect(series).to_be_visible()
    screenshot(page, "indicators-dashboard")

    # 2024: a single pathway of 6 days; the chart's data table now lists 2024's months.
    show_period(page, "2024-01-01", "2024-12-31")
    expect(page.get_by_text("Période du 01/01/2024 au 31/12/2024 : 1 parcours.")).to_be_visible()
    row = summary_row(page, FIRST_DELAY)
    expect(row.get_by_role("cell").nth(1)).to_have_text("6,0")
    page.get_by_text("Les données du graphique (tableau)").first.click()
    data = page.get_by_role("table", name=f"{FIRST_DELAY} : médiane et 90e centile par mois")
    expect(data.get_by_role("row").filter(has=page.get_by_role("rowheader", name="juin 2024"))).to_contain_text("6,0")
    expect(
        page.locator("svg[aria-label='Demande → première prise en soins : répartition des parcours']")
    ).to_contain_text("2–7 j")

    # An end before the start: the French message, and no figure.
    show_period(page, "2026-03-01", "2026-01-01")
    expect(page.get_by_text("La date de fin précède la date de début.")).to_be_visible()
    expect(page.get_by_role("heading", name="Délais", exact=True)).to_have_count(0)

    # A definition, one click away.
    show_period(page, "2026-01-01", "2026-02-28")
    page.get_by_role("link", name=f"Définition : {FIRST_DELAY}").first.click()
    definition = page.get_by_role("article", name=FIRST_DELAY)
    expect(definition).to_be_visible()
    expect(definition).to_contain_text("seed 001, fiches 2 et 6")
    page.go_back()

    # The pathways behind the figure: pseudonyms, never names.
    page.get_by_role("link", name=f"Voir les 3 parcours : {FIRST_DELAY}").click()
    expect(page.get_by_role("heading", name=f"Parcours : {FIRST_DELAY}")).to_be_visible()
    for pathway in pathways:
        expect(page.get_by_text(pseudonym(pathway.pk))).to_be_visible()
    for name in names:
        expect(page.get_by_text(name)).to_have_count(0)
    screenshot(page, "indicators-drill-down")
    page.get_by_role("link", name="Retour aux indicateurs").click()

    # The XLSX export of the figures on screen.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Exporter les indicateurs (XLSX)").click()
    download = download_info.value
    assert download.suggested_filename == "indicateurs-2026-01-01-2026-02-28.xlsx"
    rows = list(
        openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()))["Indicateurs"].iter_rows(
            values_only=True
        )
    )
    overall = next(row for row in rows if row[1] == "referral_to_first_care" and row[4] == "ensemble")
    assert overall[6:9] == (3, 4.0, 10.0)
    assert next(row for row in rows if row[1] == "cohort")[6] == 3
    assert reverse("indicators:dashboard") in page.url
