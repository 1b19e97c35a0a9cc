"""Exports of the indicators: the aggregates of a period (one row per indicator and group) and the
pseudonymised pathways behind a figure, as CSV (UTF-8 with BOM, `;`, decimal comma: what French Excel
opens) or XLSX (openpyxl). Never a name, an INS, a birth date or a referral reference: a pathway is
its `selectors.pseudonym`. Dates are ISO 8601.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from jalon.core.vocabulary import PathwayKind, Priority
from jalon.directory.models import Profession
from jalon.indicators import definitions
from jalon.indicators.definitions import DELAY_ENDS, DELAYS
from jalon.indicators.selectors import IndicatorSet, pseudonym
from jalon.pathways.models import PathwayStatus

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Sheet:
    title: str
    headers: list[str]
    rows: list[list]


def iso_month(month: date) -> str:
    return f"{month:%Y-%m}"


def template_label(kind: str) -> str:
    return str(dict(PathwayKind.choices).get(kind, kind))


def profession_label(code: str) -> str:
    return str(dict(Profession.choices).get(code) or code or _("non renseignée"))


# --- Aggregates ------------------------------------------------------------------------------------


def aggregate_headers() -> list[str]:
    return [
        _("Indicateur"),
        _("Code"),
        _("Début de la période"),
        _("Fin de la période"),
        _("Regroupement"),
        _("Groupe"),
        _("n"),
        _("Médiane"),
        _("90e centile"),
        _("Moyenne"),
        _("Minimum"),
        _("Maximum"),
        _("En attente"),
        _("Numérateur"),
        _("Dénominateur"),
        _("Valeur"),
        _("Unité"),
    ]


def group_label(by: str, key, site_names: dict[int, str]) -> str:
    if by == "month":
        return iso_month(key)
    if by == "site":
        return site_names.get(key, str(key))
    if by == "template":
        return template_label(key)
    if by == "profession":
        return profession_label(key)
    return str(key)


def aggregate_rows(indicators: IndicatorSet, *, site_names: dict[int, str]) -> list[list]:
    """One row per indicator (and per group of its breakdowns): what the aggregate exports hold."""
    start, end = indicators.period.start.isoformat(), indicators.period.end.isoformat()
    rows: list[list] = []

    def delay_row(delay, by, group, stats):
        return [
            str(delay.label),
            delay.code,
            start,
            end,
            str(definitions.BREAKDOWNS.get(by, _("ensemble"))) if by else _("ensemble"),
            group,
            stats.n,
            stats.median,
            stats.p90,
            stats.mean,
            stats.minimum,
            stats.maximum,
            stats.pending if not by else None,
            None,
            None,
            stats.median,
            str(delay.unit),
        ]

    def measure_row(code, group, numerator=None, denominator=None, value=None, by_label=""):
        measure = definitions.ALL[code]
        return [
            str(measure.label),
            code,
            start,
            end,
            by_label or _("ensemble"),
            group,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            numerator,
            denominator,
            value,
            str(measure.unit),
        ]

    rows.append(
        [
            _("Parcours de la période"),
            "cohort",
            start,
            end,
            _("ensemble"),
            "",
            indicators.cohort,
            *[None] * 8,
            indicators.cohort,
            _("nombre"),
        ]
    )
    for delay in DELAYS:
        report = indicators.delays[delay.code]
        rows.append(delay_row(delay, "", "", report.stats))
        for by, groups in report.breakdowns.items():
            for key, stats in groups:
                rows.append(delay_row(delay, by, group_label(by, key, site_names), stats))
        for label, count in report.distribution:
            rows.append(
                [
                    str(delay.label),
                    delay.code,
                    start,
                    end,
                    _("distribution"),
                    label,
                    count,
                    *[None] * 8,
                    count,
                    _("parcours"),
                ]
            )
    within = indicators.within_target
    rows.append(measure_row("milestones_within_target", "", within.numerator, within.denominator, within.percent))
    for code, share in indicators.within_target_by_code:
        rows.append(
            measure_row("milestones_within_target", code, share.numerator, share.denominator, share.percent, _("jalon"))
        )
    for code, table in (
        ("referrals_per_month", indicators.referrals_per_month),
        ("appointments_per_month", indicators.appointments_per_month),
    ):
        rows.append(measure_row(code, "", value=sum(sum(counts.values()) for counts in table.values())))
        for month in sorted(table):
            for profession, count in sorted(table[month].items()):
                rows.append(
                    measure_row(
                        code,
                        f"{iso_month(month)} · {profession_label(profession)}",
                        value=count,
                        by_label=_("mois et profession"),
                    )
                )
    rows.append(measure_row("distinct_gps", "", value=indicators.distinct_gps))
    for month in sorted(indicators.distinct_gps_per_month):
        rows.append(
            measure_row(
                "distinct_gps", iso_month(month), value=indicators.distinct_gps_per_month[month], by_label=_("mois")
            )
        )
    contacted = indicators.contacted_accompanied
    rows.append(measure_row("patients_contacted_accompanied", _("ayant pris contact"), value=contacted.contacted))
    rows.append(measure_row("patients_contacted_accompanied", _("accompagnés"), value=contacted.accompanied))
    slots = indicators.reserved_slots
    rows.append(measure_row("reserved_slots", _("utilisés"), value=slots.used))
    rows.append(measure_row("reserved_slots", _("libérés"), value=slots.released))
    rows.append(
        measure_row(
            "reserved_slots",
            _("part utilisée (%)"),
            slots.share.numerator,
            slots.share.denominator,
            slots.share.percent,
        )
    )
    care = indicators.supportive_care
    rows.append(
        measure_row(
            "supportive_care_assessed", _("pas encore enregistré"), care.numerator, care.denominator, care.percent or 0
        )
    )
    pathology = indicators.pathology
    if pathology is not None:
        share = pathology.share
        rows.append(
            measure_row(
                "non_contributive_biopsies", _("part (%)"), share.numerator, share.denominator, share.percent or 0
            )
        )
        rows.append(
            measure_row("non_contributive_biopsies", _("constatés après 10 jours"), value=pathology.late_notices)
        )
        rows.append(measure_row("time_to_rebiopsy", _("médiane (jours)"), value=pathology.rebiopsy_median))
        rows.append(
            measure_row("time_to_rebiopsy", _("nouvelles biopsies adressées"), value=len(pathology.rebiopsy_days))
        )
        rows.append(measure_row("time_to_rebiopsy", _("en attente"), value=pathology.waiting_rebiopsy))
    boards = indicators.boards
    if boards is not None:
        for code, summary in (
            ("case_ready_to_board", boards.ready_to_board),
            ("board_to_care_plan", boards.board_to_care_plan),
        ):
            row = measure_row(code, "", value=summary.median)
            row[6:9], row[12] = [summary.n, summary.median, summary.p90], summary.pending
            rows.append(row)
        share = boards.listed_only_share
        rows.append(
            measure_row(
                "board_sorting", _("enregistrés sans discussion (%)"), share.numerator, share.denominator, share.percent
            )
        )
        rows.append(measure_row("board_sorting", _("discutés"), value=boards.discussed))
        record = boards.record_share
        rows.append(
            measure_row("record_completeness", _("complets (%)"), record.numerator, record.denominator, record.percent)
        )
        rows.append(measure_row("record_completeness", _("sans décision de RCP"), value=boards.record.without_decision))
        rows.append(measure_row("record_completeness", _("sans PPS remis"), value=boards.record.without_care_plan))
    return rows


# --- The rows behind a figure ----------------------------------------------------------------------

ROW_FIELDS = (
    "pathway_id",
    "pathway__patient_id",
    "template_kind",
    "site__name",
    "received_month",
    "priority",
    "status",
    "milestones_with_target",
    "milestones_within_target",
)


def row_values(facts, code: str):
    """The facts queryset as the few values a pseudonymised row shows (one query, no identity column)."""
    fields = list(ROW_FIELDS)
    if code in DELAY_ENDS:
        fields.append(code)
    return facts.values(*fields)


@dataclass
class Row:
    pathway_id: int
    patient_id: int
    pseudonym: str
    template: str
    site: str
    month: date
    priority: str
    status: str
    value: float | None
    with_target: int
    within_target: int


def rows_from(values: Iterable[dict], code: str) -> list[Row]:
    priorities, statuses = dict(Priority.choices), dict(PathwayStatus.choices)
    return [
        Row(
            pathway_id=item["pathway_id"],
            patient_id=item["pathway__patient_id"],
            pseudonym=pseudonym(item["pathway_id"]),
            template=template_label(item["template_kind"]),
            site=item["site__name"],
            month=item["received_month"],
            priority=str(priorities.get(item["priority"], item["priority"])),
            status=str(statuses.get(item["status"], item["status"])),
            value=item.get(code),
            with_target=item["milestones_with_target"],
            within_target=item["milestones_within_target"],
        )
        for item in values
    ]


def row_headers(code: str) -> list[str]:
    headers = [_("Pseudonyme"), _("Modèle de parcours"), _("Site"), _("Mois de réception"), _("Priorité"), _("Statut")]
    if code in DELAY_ENDS:
        headers.append(_("Délai (jours)"))
    elif code == "milestones_within_target":
        headers += [_("Jalons avec échéance"), _("Jalons dans le délai")]
    return headers


def row_cells(row: Row, code: str) -> list:
    cells = [row.pseudonym, row.template, row.site, iso_month(row.month), row.priority, row.status]
    if code in DELAY_ENDS:
        cells.append(row.value)
    elif code == "milestones_within_target":
        cells += [row.with_target, row.within_target]
    return cells


# --- Writers ---------------------------------------------------------------------------------------


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A text cell starting so would be run as a formula by a spreadsheet (a site named « =HYPERLINK(…) »)."""


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",") if value != int(value) else str(int(value))
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csv_bytes(headers: list[str], rows: Iterable[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx_cell(value):
    if isinstance(value, date):
        return value.isoformat()
    if value is not None and not isinstance(value, int | float):
        return str(value)
    return value


SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")
SHEET_TITLE_LENGTH = 31


def sheet_title(title: str) -> str:
    """`title` as Excel accepts a sheet's name: none of \\ / * ? : [ ] (« contact / accompagnés »
    becomes « contact - accompagnés »), at most 31 characters."""
    return SHEET_TITLE_FORBIDDEN.sub("-", str(title))[:SHEET_TITLE_LENGTH].strip() or _("Feuille")


def xlsx_bytes(sheets: list[Sheet]) -> bytes:
    """A workbook with one sheet per `Sheet`: bold header row, frozen, columns sized to their text."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet in sheets:
        worksheet = workbook.create_sheet(sheet_title(sheet.title))
        worksheet.append(sheet.headers)
        for cell in worksheet[1]:
            cell.font = Font(bold=True)
        for row in sheet.rows:
            worksheet.append([_xlsx_cell(value) for value in row])
            if any(isinstance(value, str) and value.startswith("=") for value in row):
                for cell in worksheet[worksheet.max_row]:
                    if cell.data_type == "f":  # openpyxl takes « =… » for a formula: keep it text
                        cell.data_type = "s"
        worksheet.freeze_panes = "A2"
        for index, header in enumerate(sheet.headers, start=1):
            width = max(
                [len(str(header))]
                + [
                    len(str(row[index - 1]))
                    for row in sheet.rows[:200]
                    if index - 1 < len(row) and row[index - 1] is not None
                ]
            )
            worksheet.column_dimensions[get_column_letter(index)].width = min(60, max(10, width + 2))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def download(content: bytes, filename: str) -> HttpResponse:
    content_type = CSV_TYPE if filename.endswith(".csv") else XLSX_TYPE
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
