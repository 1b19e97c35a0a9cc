"""Indicator pages for managers and coordinators: the dashboard, the definitions, the pathways behind a
figure (pseudonymised; identified only where the access rules reach the referral), the exports and
the yearly report. Figures come from `selectors`; nothing is computed from an input the form refused."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jalon.accounts.access import Capability, capability_required
from jalon.accounts.audit import audit_many
from jalon.accounts.models import AuditAction
from jalon.accounts.reauth import recent_auth_required
from jalon.core.actor import Actor
from jalon.core.workcalendar import PARIS
from jalon.directory.models import Profession
from jalon.indicators import charts, definitions, exports, figures_cache, selectors
from jalon.indicators.access import indicator_rows_for_user, may_read_regional_indicator_rows
from jalon.indicators.definitions import COMMON_RULES, DELAYS
from jalon.indicators.forms import FIRST_YEAR, LAST_YEAR, IndicatorForm, RowsForm
from jalon.indicators.report import yearly_report
from jalon.pathways.models import MilestoneTemplate
from jalon.referrals.access import identified_pathways

ROWS_PER_PAGE = 50
AUDIT_OBJECT = "indicators.rows"


def indicator_view(view):
    """Logged in, and a role that reads the indicators (anyone else: 404, as if the page did not exist); GET only."""
    return login_required(capability_required(Capability.READ_INDICATORS, or_404=True)(require_GET(view)))


def _site_names(form: IndicatorForm) -> dict[int, str]:
    return {int(pk): name for pk, name in form.fields["site"].choices if pk}


def _group_label(by: str, key, site_names: dict[int, str]) -> str:
    """A breakdown group as the page names it (« janvier 2026 »; the exports keep ISO months)."""
    return charts.month_label(key) if by == "month" else exports.group_label(by, key, site_names)


def _milestone_labels(codes) -> dict[str, str]:
    labels = {}
    for code, label in (
        MilestoneTemplate.objects.filter(code__in=list(codes))
        .order_by("code", "-template_version_id")
        .values_list("code", "label")
    ):
        labels.setdefault(code, label)
    return labels


def _dashboard_data(period, comparison_period, filters, detail_code: str, by: str) -> dict:
    """The figures the dashboard shows, computed by the database in a bounded number of queries: every
    delay's summary, the detailed delay's monthly series and chosen breakdown, the shares and volumes."""
    summary = selectors.delay_reports(
        period, filters, breakdowns=tuple(dict.fromkeys(("month", by))), detailed=[detail_code]
    )
    within, within_by_code = selectors.milestones_within_target(period, filters)
    return {
        "summary": summary,
        "comparison": selectors.delay_reports(comparison_period, filters, detailed=()) if comparison_period else None,
        "within": within,
        "within_by_code": within_by_code,
        "milestone_labels": _milestone_labels(code for code, _share in within_by_code),
        "referrals": selectors.referrals_per_month(period, filters),
        "appointments": selectors.appointments_per_month(period, filters),
        "distinct_gps": selectors.distinct_gps(period, filters)[0],
        "cohort": selectors.facts_in(period, filters).count(),
        "comparison_cohort": selectors.facts_in(comparison_period, filters).count() if comparison_period else None,
        "contacted": selectors.patients_contacted_accompanied(period, filters),
        "slots": selectors.reserved_slots(period, filters),
        "supportive_care": selectors.supportive_care_assessed(period, filters),
        "pathology": selectors.pathology_outcomes(period, filters),
        "boards": selectors.board_outcomes(period, filters),
    }


def _dashboard_figures(form: IndicatorForm) -> dict:
    """Everything the dashboard shows: the figures (those of a closed period from the cache, see
    `figures_cache`), their charts and labels."""
    period, filters = form.period(), form.filters()
    detail_code, by = form.cleaned_data["delay"], form.cleaned_data["by"]
    months = period.month_starts()
    comparison_period = form.comparison()
    data = figures_cache.cached_figures(
        ("dashboard", filters, detail_code, by),
        (period, comparison_period),
        lambda: _dashboard_data(period, comparison_period, filters, detail_code, by),
    )
    summary, comparison = data["summary"], data["comparison"]
    detail = summary[detail_code]
    within, within_by_code, milestone_labels = data["within"], data["within_by_code"], data["milestone_labels"]
    referrals, appointments, gps = data["referrals"], data["appointments"], data["distinct_gps"]
    professions = dict(Profession.choices)
    site_names = _site_names(form)
    detail_definition = definitions.ALL[detail_code]
    summary_rows = [
        {
            "delay": delay,
            "stats": summary[delay.code].stats,
            "compared": comparison[delay.code].stats if comparison else None,
        }
        for delay in DELAYS
    ]
    breakdown_rows = [
        {
            "key": key,
            "label": _group_label(by, key, site_names),
            "query_key": key.isoformat() if isinstance(key, date) else key,
            "stats": stats,
        }
        for key, stats in detail.breakdowns[by]
    ]
    return {
        "period": period,
        "comparison_period": comparison_period,
        "cohort": data["cohort"],
        "comparison_cohort": data["comparison_cohort"],
        "summary_rows": summary_rows,
        "detail": detail,
        "detail_definition": detail_definition,
        "by_label": definitions.BREAKDOWNS[by],
        "breakdown_rows": breakdown_rows,
        "series_chart": charts.delay_time_series(
            _("%(delay)s : médiane et 90e centile par mois") % {"delay": detail_definition.label},
            months,
            detail.breakdowns["month"],
        ),
        "distribution_chart": charts.distribution_bars(
            _("%(delay)s : répartition des parcours") % {"delay": detail_definition.label}, detail.distribution
        ),
        "within": within,
        "within_chart": charts.within_target_bars(
            str(definitions.ALL["milestones_within_target"].label),
            [(milestone_labels.get(code, code), share) for code, share in within_by_code],
        ),
        "referrals_chart": charts.stacked_volumes(
            str(definitions.ALL["referrals_per_month"].label), months, referrals, professions
        ),
        "appointments_chart": charts.stacked_volumes(
            str(definitions.ALL["appointments_per_month"].label), months, appointments, professions
        ),
        "distinct_gps": gps,
        "contacted": data["contacted"],
        "slots": data["slots"],
        "supportive_care": data["supportive_care"],
        "pathology": data["pathology"],
        "boards": data["boards"],
        "definitions": definitions.ALL,
        "query": form.query(),
    }


def _report_years() -> list[int]:
    this_year = timezone.localtime(timezone.now(), PARIS).year
    return [this_year - 1, this_year - 2]


@indicator_view
def dashboard(request):
    form = IndicatorForm(request.GET)
    context = {"form": form, "report_years": _report_years()}
    if not form.is_valid():
        return render(request, "indicators/dashboard.html", context, status=400)
    context.update(_dashboard_figures(form))
    return render(request, "indicators/dashboard.html", context)


@indicator_view
def definition_list(request):
    return render(
        request,
        "indicators/definitions.html",
        {"delays": DELAYS, "measures": definitions.MEASURES, "common_rules": COMMON_RULES},
    )


def _drillable(code: str):
    if code not in selectors.DRILLABLE:
        raise Http404
    return definitions.ALL[code]


def _pathway_url(reference: str) -> str | None:
    try:
        return reverse("pathways:detail", args=[reference])
    except NoReverseMatch:  # a reference the pathway page's pattern does not take: shown without a link
        return None


@indicator_view
def rows(request, code: str):
    """The pathways a figure counts, 50 a page, limited to the user's organisations (the regional analyst:
    the region): pseudonyms, and the referral reference only for those the user reaches. Every listed
    pathway's patient is audited as read."""
    definition = _drillable(code)
    form = RowsForm(request.GET)
    context = {"form": form, "definition": definition, "code": code}
    if not form.is_valid():
        return render(request, "indicators/rows.html", context, status=400)
    facts = indicator_rows_for_user(
        request.user, selectors.rows_behind(code, form.period(), form.filters(), **form.group())
    )
    page = Paginator(exports.row_values(facts, code), ROWS_PER_PAGE).get_page(request.GET.get("page"))
    listed = exports.rows_from(page.object_list, code)
    identified = identified_pathways(request.user, [row.pathway_id for row in listed])
    audit_many(
        Actor.from_request(request),
        action=AuditAction.READ,
        patient_ids=[row.patient_id for row in listed],
        object_type=AUDIT_OBJECT,
    )
    context.update(
        {
            "page": page,
            "rows": [
                {
                    "row": row,
                    "reference": identified.get(row.pathway_id),
                    "url": _pathway_url(identified[row.pathway_id]) if row.pathway_id in identified else None,
                }
                for row in listed
            ],
            "is_delay": code in definitions.DELAY_ENDS,
            "is_within_target": code == "milestones_within_target",
            "period": form.period(),
            "query": form.group_query(),
            "dashboard_query": form.query(),
            "group_label": _group_description(form),
            "regional_rows": may_read_regional_indicator_rows(request.user),
        }
    )
    return render(request, "indicators/rows.html", context)


def _group_description(form: RowsForm) -> str:
    group = form.group()
    parts = []
    if group["by"] and group["key"]:
        key = group["key"]
        value = date.fromisoformat(key) if group["by"] == "month" else int(key) if group["by"] == "site" else key
        parts.append(f"{definitions.BREAKDOWNS[group['by']]} : {_group_label(group['by'], value, _site_names(form))}")
    if group["bucket"] is not None:
        parts.append(str(definitions.DISTRIBUTION_BUCKETS[group["bucket"]][1]))
    return " · ".join(parts)


def _filename(stem: str, period: selectors.Period, extension: str) -> str:
    return f"{stem}-{period.start.isoformat()}-{period.end.isoformat()}.{extension}"


def _export_aggregates(request, extension: str):
    form = IndicatorForm(request.GET)
    if not form.is_valid():
        return render(request, "indicators/dashboard.html", {"form": form, "report_years": _report_years()}, status=400)
    period = form.period()
    indicators = selectors.indicator_set(period, form.filters())
    headers, table = exports.aggregate_headers(), exports.aggregate_rows(indicators, site_names=_site_names(form))
    if extension == "csv":
        content = exports.csv_bytes(headers, table)
    else:
        content = exports.xlsx_bytes([exports.Sheet(_("Indicateurs"), headers, table)])
    return exports.download(content, _filename("indicateurs", period, extension))


@indicator_view
def export_csv(request):
    return _export_aggregates(request, "csv")


@indicator_view
def export_xlsx(request):
    return _export_aggregates(request, "xlsx")


def _export_rows(request, code: str, extension: str):
    """Every pathway behind a figure that the user may export (`access.indicator_rows_for_user`: their
    organisations', or the region's for the regional analyst), pseudonymised; each one's patient audited
    as exported (one insert)."""
    definition = _drillable(code)
    form = RowsForm(request.GET)
    if not form.is_valid():
        return render(
            request, "indicators/rows.html", {"form": form, "definition": definition, "code": code}, status=400
        )
    facts = indicator_rows_for_user(
        request.user, selectors.rows_behind(code, form.period(), form.filters(), **form.group())
    )
    listed = exports.rows_from(exports.row_values(facts, code), code)
    audit_many(
        Actor.from_request(request),
        action=AuditAction.EXPORT,
        patient_ids=[row.patient_id for row in listed],
        object_type=AUDIT_OBJECT,
    )
    headers, table = exports.row_headers(code), [exports.row_cells(row, code) for row in listed]
    if extension == "csv":
        content = exports.csv_bytes(headers, table)
    else:
        content = exports.xlsx_bytes([exports.Sheet(str(definition.label), headers, table)])
    return exports.download(content, _filename(f"parcours-{code}", form.period(), extension))


@indicator_view
@recent_auth_required
def rows_csv(request, code: str):
    return _export_rows(request, code, "csv")


@indicator_view
@recent_auth_required
def rows_xlsx(request, code: str):
    return _export_rows(request, code, "xlsx")


@indicator_view
def report(request, year: int):
    """The yearly activity report (XLSX), for the whole of Jalon or the filters given."""
    if not FIRST_YEAR < year <= LAST_YEAR:
        raise Http404
    form = IndicatorForm(request.GET)
    if not form.is_valid():
        return render(request, "indicators/dashboard.html", {"form": form, "report_years": _report_years()}, status=400)
    return exports.download(yearly_report(year, form.filters()), f"rapport-activite-{year}.xlsx")
