"""Exports of the indicators and the yearly report: French headers, CSV for French Excel, XLSX holding
the hand-computed figures, pseudonymised rows audited as exported, aggregates without patient audit."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from jalon.accounts.models import AuditAction, AuditRecord
from jalon.indicators import definitions, exports, selectors
from jalon.indicators.tests.factories import cohort_pathway, cohort_template, paris
from jalon.testing.factories import PatientFactory

PERIOD = {"start": "2026-01-01", "end": "2026-02-28"}


@pytest.fixture
def cohort(entry_point):
    """In 2026: referral_to_first_care of 2, 4 and 10 days; in 2025: one of 6 days."""
    version = cohort_template()
    pathways = [
        cohort_pathway(
            received_at=paris(2026, 1, 5),
            version=version,
            entry_point=entry_point,
            patient=PatientFactory(birth_name="Quillardet"),
            done={"reception": paris(2026, 1, 7), "imaging": paris(2026, 1, 10)},
        ),
        cohort_pathway(
            received_at=paris(2026, 1, 20),
            version=version,
            entry_point=entry_point,
            patient=PatientFactory(birth_name="Vauquelin"),
            done={"reception": paris(2026, 1, 24), "imaging": paris(2026, 1, 25)},
        ),
        cohort_pathway(
            received_at=paris(2026, 2, 3),
            version=version,
            entry_point=entry_point,
            patient=PatientFactory(birth_name="Pontbriand"),
            done={"reception": paris(2026, 2, 13)},
        ),
    ]
    cohort_pathway(
        received_at=paris(2025, 6, 2), version=version, entry_point=entry_point, done={"reception": paris(2025, 6, 8)}
    )
    return pathways


def read_csv(response) -> list[list[str]]:
    content = response.content
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def read_xlsx(response) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(response.content))


def test_it_exports_the_aggregates_as_csv_for_french_excel(client, manager, cohort):
    """UTF-8 with BOM, `;`, French headers, decimal comma; the first delay's overall row."""
    client.force_login(manager)
    response = client.get(reverse("indicators:export_csv"), PERIOD)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="indicateurs-2026-01-01-2026-02-28.csv"' in response["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0][:8] == [
        "Indicateur",
        "Code",
        "Début de la période",
        "Fin de la période",
        "Regroupement",
        "Groupe",
        "n",
        "Médiane",
    ]
    overall = next(row for row in rows if row[1] == "referral_to_first_care" and row[4] == "ensemble")
    assert overall[2:4] == ["2026-01-01", "2026-02-28"]
    assert overall[6:12] == ["3", "4", "10", "5,33", "2", "10"]
    january = next(row for row in rows if row[1] == "referral_to_first_care" and row[5] == "2026-01")
    assert january[6:8] == ["2", "3"]
    assert not AuditRecord.objects.filter(patient__isnull=False).exists()


def test_it_exports_the_aggregates_as_xlsx(client, coordinator, cohort):
    """The workbook holds the same figures as numbers; the cohort counts three pathways."""
    client.force_login(coordinator)
    response = client.get(reverse("indicators:export_xlsx"), PERIOD)
    assert response.status_code == 200
    sheet = read_xlsx(response)["Indicateurs"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Indicateur"
    overall = next(row for row in rows if row[1] == "referral_to_first_care" and row[4] == "ensemble")
    assert overall[6:12] == (3, 4.0, 10.0, 5.33, 2.0, 10.0)
    assert next(row for row in rows if row[1] == "cohort")[6] == 3
    imaging = next(row for row in rows if row[1] == "reception_to_imaging" and row[4] == "ensemble")
    assert imaging[12] == 1  # pending
    care = next(row for row in rows if row[1] == "supportive_care_assessed")
    assert care[15] == 0 and care[5] == "pas encore enregistré"


def test_it_refuses_an_export_of_a_bad_period(client, manager, cohort):
    """End before start: the form with its French message, nothing exported."""
    client.force_login(manager)
    response = client.get(reverse("indicators:export_xlsx"), {"start": "2026-03-01", "end": "2026-01-01"})
    assert response.status_code == 400
    assert "La date de fin précède la date de début." in response.content.decode()


def test_it_exports_the_rows_behind_a_figure_pseudonymised_and_audited(client, manager, cohort):
    """Rows: pseudonym, template, site, month in ISO, delay; no name; one EXPORT audit row per patient."""
    client.force_login(manager)
    response = client.get(reverse("indicators:rows_csv", args=["referral_to_first_care"]), PERIOD)
    assert response.status_code == 200
    rows = read_csv(response)
    assert rows[0] == [
        "Pseudonyme",
        "Modèle de parcours",
        "Site",
        "Mois de réception",
        "Priorité",
        "Statut",
        "Délai (jours)",
    ]
    assert [row[0] for row in rows[1:]] == [selectors.pseudonym(p.pk) for p in cohort]
    assert [row[3] for row in rows[1:]] == ["2026-01", "2026-01", "2026-02"]
    assert [row[6] for row in rows[1:]] == ["2", "4", "10"]
    assert "Quillardet" not in response.content.decode("utf-8-sig")
    records = AuditRecord.objects.filter(object_type="indicators.rows")
    assert sorted(records.values_list("patient_id", flat=True)) == sorted(p.patient_id for p in cohort)
    assert set(records.values_list("action", flat=True)) == {AuditAction.EXPORT}


def test_it_exports_the_rows_of_a_bucket_as_xlsx(client, coordinator, cohort):
    """The 7–14 days bucket: the February pathway alone, its delay a number."""
    client.force_login(coordinator)
    response = client.get(reverse("indicators:rows_xlsx", args=["referral_to_first_care"]), {**PERIOD, "bucket": "3"})
    rows = list(read_xlsx(response).active.iter_rows(values_only=True))
    assert rows[1:] == [
        (
            selectors.pseudonym(cohort[2].pk),
            "Poumon",
            cohort[2].referral.entry_point.organization.name,
            "2026-02",
            "P2 – urgent",
            "En cours",
            10.0,
        )
    ]
    assert AuditRecord.objects.filter(object_type="indicators.rows", action=AuditAction.EXPORT).count() == 1


@pytest.mark.parametrize("code", sorted(selectors.DRILLABLE))
def test_it_exports_the_rows_of_every_drillable_figure_as_xlsx(client, manager, cohort, code):
    """Each figure's rows open in a workbook whose sheet is named after the figure, even when its label
    holds a character Excel refuses in a sheet name (« contact / accompagnés »)."""
    client.force_login(manager)
    response = client.get(reverse("indicators:rows_xlsx", args=[code]), PERIOD)
    assert response.status_code == 200
    sheet = read_xlsx(response).active
    assert sheet.title == exports.sheet_title(definitions.ALL[code].label)
    assert sheet.cell(1, 1).value == "Pseudonyme"


def test_it_names_a_sheet_as_excel_accepts():
    """Forbidden characters replaced, 31 characters at most, never empty."""
    assert (
        exports.sheet_title("Patients ayant pris contact / patients accompagnés") == "Patients ayant pris contact - p"
    )
    assert exports.sheet_title("a\\b*c?d:e[f]g") == "a-b-c-d-e-f-g"
    assert exports.sheet_title("/") == "-"
    assert exports.sheet_title("") == "Feuille"


def test_it_builds_the_yearly_report_beside_the_previous_year(client, manager, cohort):
    """Six sheets; « Synthèse » compares 2026 with 2025; « Délais » and « Délais par mois » hold the figures."""
    client.force_login(manager)
    response = client.get(reverse("indicators:report", args=[2026]))
    assert response.status_code == 200 and 'filename="rapport-activite-2026.xlsx"' in response["Content-Disposition"]
    workbook = read_xlsx(response)
    assert workbook.sheetnames == [
        "Synthèse",
        "Délais",
        "Délais par mois",
        "Volumes par mois",
        "Créneaux",
        "Définitions",
    ]
    synthesis = {row[0]: row[1:3] for row in workbook["Synthèse"].iter_rows(min_row=2, values_only=True)}
    assert synthesis["Parcours ouverts (demandes reçues dans l'année)"] == (3, 1)
    assert synthesis["Demande → première prise en soins : médiane"] == (4.0, 6.0)
    delays = {row[1]: row[2:9] for row in workbook["Délais"].iter_rows(min_row=2, values_only=True)}
    assert delays["referral_to_first_care"] == (3, 4.0, 10.0, 5.33, 2.0, 10.0, 0)
    monthly = {(row[1], row[2]): row[3:5] for row in workbook["Délais par mois"].iter_rows(min_row=2, values_only=True)}
    assert monthly[("referral_to_first_care", "2026-01")] == (2, 3.0) and monthly[
        ("referral_to_first_care", "2026-03")
    ] == (0, None)
    volumes = list(workbook["Volumes par mois"].iter_rows(values_only=True))
    assert volumes[0][0] == "Mois" and volumes[1][0] == "2026-01" and volumes[-1][0] == "Année"
    assert "Demandes : total" in volumes[0] and volumes[-1][volumes[0].index("Demandes : total")] == 3
    definitions = {row[0]: row for row in workbook["Définitions"].iter_rows(min_row=2, values_only=True)}
    assert "seed 001, fiche 5" in definitions["biopsy_to_pathology_final"][4]
    assert not AuditRecord.objects.filter(patient__isnull=False).exists()


def test_it_refuses_a_report_year_out_of_range(client, manager):
    """A year Jalon cannot have figures for: 404."""
    client.force_login(manager)
    assert client.get(reverse("indicators:report", args=[1999])).status_code == 404
    assert client.get("/indicateurs/rapport-annuel/99999999999999999999.xlsx").status_code == 404


def test_it_keeps_a_formula_looking_site_name_as_text(client, manager, entry_point):
    """A site named « =HYPERLINK(…) » is written as text in both formats, never as a formula."""
    entry_point.organization.name = '=HYPERLINK("http://exemple.invalid","x")'
    entry_point.organization.save()
    cohort_pathway(
        received_at=paris(2026, 1, 5),
        version=cohort_template(),
        entry_point=entry_point,
        done={"reception": paris(2026, 1, 7)},
    )
    client.force_login(manager)
    url = reverse("indicators:rows_csv", args=["referral_to_first_care"])
    assert read_csv(client.get(url, PERIOD))[1][2] == "'" + entry_point.organization.name
    sheet = read_xlsx(client.get(reverse("indicators:rows_xlsx", args=["referral_to_first_care"]), PERIOD)).active
    assert sheet["C2"].data_type == "s" and sheet["C2"].value == entry_point.organization.name
