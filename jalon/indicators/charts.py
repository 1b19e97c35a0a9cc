"""The dashboard's charts: inline SVG drawn on the server by pygal (no script, nothing fetched), each
with its data as a table, so the figure is readable without the picture and without colours.

The Content-Security-Policy allows no inline style: pygal's `<style>` element is taken out of every
SVG, and its rules (the same for every chart, since they all share `STYLE`) live in the static file
static/css/charts.css, written by `stylesheet()` (a test checks the file is up to date).

Every function takes figures the selectors computed and returns a `Chart`: the SVG (with a `<title>`
and an aria-label) and the rows of its text alternative.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date

import pygal
from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pygal.style import Style

from jalon.core.formatting import month_year

# High-contrast colours, distinct in greyscale too (the table always says the same figures).
STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1b1b1b",
    foreground_strong="#1b1b1b",
    foreground_subtle="#767676",
    font_family='system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
    label_font_size=15,
    major_label_font_size=15,
    legend_font_size=16,
    title_font_size=16,
    value_font_size=15,
    value_label_font_size=15,
    no_data_font_size=22,
    colors=("#0b4f8a", "#a4161a", "#1d6b2f", "#7a4b00", "#5b2a86", "#00707a", "#4a4a4a", "#b3541e", "#2f4858"),
)


SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)
STYLE_ELEMENT = re.compile(r"<style\b[^>]*>(.*?)</style>", re.DOTALL)
CHART_ID = re.compile(r'id="(chart-[0-9a-f-]+)"')


@dataclass
class Chart:
    title: str
    svg: SafeString
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)


def decimal(value: float | None, places: int = 1) -> str:
    """A figure in French (« 6,3 »), or « – » when there is none."""
    return "–" if value is None else number_format(value, places)


MONTH_ABBREVIATIONS = (
    gettext_lazy("janv."),
    gettext_lazy("févr."),
    gettext_lazy("mars"),
    gettext_lazy("avr."),
    gettext_lazy("mai"),
    gettext_lazy("juin"),
    gettext_lazy("juil."),
    gettext_lazy("août"),
    gettext_lazy("sept."),
    gettext_lazy("oct."),
    gettext_lazy("nov."),
    gettext_lazy("déc."),
)
"""Short month names that stay distinct (Django's « M » gives « Jui » for both June and July)."""


def month_label(month: date) -> str:
    """« juin 2024 », for the data tables."""
    return month_year(month)


def short_month_label(month: date) -> str:
    """« juin 24 », « juil. 24 », under a chart's axis."""
    return f"{MONTH_ABBREVIATIONS[month.month - 1]} {month:%y}"


def _config(**overrides) -> dict:
    values = dict(
        js=[],
        disable_xml_declaration=True,
        style=STYLE,
        width=640,
        height=320,
        explicit_size=False,
        legend_at_bottom=True,
        legend_at_bottom_columns=2,  # three columns let « Médecin généraliste » run into its neighbour
        print_values=False,
        show_minor_x_labels=True,
        x_label_rotation=0,
        truncate_label=-1,
        truncate_legend=-1,
        margin=16,
        margin_right=44,
        margin_bottom=36,
        no_data_text=_("Aucune donnée"),
        value_formatter=lambda value: decimal(value),
    )
    values.update(overrides)
    return values


def _svg(chart, title: str, css_class: str = "") -> SafeString:
    """The rendered SVG, named for assistive technologies (role img, aria-label and <title>)."""
    # pygal writes its config as an inline script even with js=[]: nothing reads it without pygal's JS.
    svg = SCRIPT.sub("", chart.render(is_unicode=True))
    svg = STYLE_ELEMENT.sub("", svg).replace('style="opacity: 0"', 'opacity="0"')  # static/css/charts.css styles it
    if css_class:
        svg = svg.replace('class="pygal-chart"', f'class="pygal-chart {css_class}"', 1)
    label = escape(title)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)
    head_end = svg.index(">") + 1
    return mark_safe(f"{svg[:head_end]}<title>{label}</title>{svg[head_end:]}")


def _integer_ticks(highest: int) -> list[int]:
    """Whole-number ticks for counts (pygal's own would repeat « 1 » between fractional steps)."""
    if highest <= 0:
        return []
    step = next(
        step
        for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 10**5, 10**6)
        if highest / step <= 8
    )
    return list(range(0, highest + step, step))


# At most this many month labels under an axis: at the chart's width (640) and font (15 px), « janv. 25 »
# takes some 65 px, so more would touch or overlap.
MAX_MONTH_LABELS = 6


def month_label_step(count: int) -> int:
    """Every how many months a label is written: 1, 2, 3, 6 or 12, the smallest giving MAX_MONTH_LABELS or fewer."""
    return next(step for step in (1, 2, 3, 6, 12, 24, 60) if -(-count // step) <= MAX_MONTH_LABELS)


def _month_axis(chart, months: list[date]) -> None:
    """Every month has its tick; only every `month_label_step`-th one its label (pygal's major labels)."""
    labels = [short_month_label(month) for month in months]
    step = month_label_step(len(labels))
    chart.x_labels = labels
    chart.x_labels_major = labels[::step]
    chart.config.show_minor_x_labels = False


def delay_time_series(title: str, months: list[date], monthly: list[tuple[object, object]]) -> Chart:
    """The delay's median and 90th percentile month by month (`monthly`: the month breakdown)."""
    by_month = dict(monthly)
    medians = [getattr(by_month.get(month), "median", None) for month in months]
    p90s = [getattr(by_month.get(month), "p90", None) for month in months]
    chart = pygal.Line(**_config(y_title=_("jours"), allow_interruptions=True, dots_size=4, min_scale=4, max_scale=8))
    _month_axis(chart, months)
    chart.add(_("Médiane"), medians)
    chart.add(_("90e centile"), p90s)  # dashed by charts.css (.chart-delay .serie-1)
    rows = [
        [month_label(month), str(getattr(by_month.get(month), "n", 0)), decimal(median), decimal(p90)]
        for month, median, p90 in zip(months, medians, p90s, strict=True)
    ]
    return Chart(
        title,
        _svg(chart, title, "chart-delay"),
        [_("Mois"), _("n"), _("Médiane (jours)"), _("90e centile (jours)")],
        rows,
    )


def distribution_bars(title: str, distribution: list[tuple[str, int]]) -> Chart:
    """How many pathways in each bucket of the delay (`DISTRIBUTION_BUCKETS`)."""
    counts = [count for _label, count in distribution]
    chart = pygal.Bar(
        **_config(
            y_title=_("parcours"),
            show_legend=False,
            print_values=True,
            print_zeroes=False,
            y_labels=_integer_ticks(max(counts, default=0)) or None,
            value_formatter=lambda value: str(int(value)),
        )
    )
    chart.x_labels = [label for label, _count in distribution]
    chart.add(_("Parcours"), counts)
    return Chart(
        title, _svg(chart, title), [_("Délai"), _("Parcours")], [[label, str(count)] for label, count in distribution]
    )


def within_target_bars(title: str, rows: list[tuple[str, object]]) -> Chart:
    """Per milestone (label, Share): the share done by its target date."""
    chart = pygal.HorizontalBar(
        **_config(
            x_title=_("% dans le délai"),
            show_legend=False,
            print_values=True,
            range=(0, 100),
            height=max(200, 60 + 34 * len(rows)),
        )
    )
    chart.x_labels = [label for label, _share in rows]
    chart.add(_("% dans le délai"), [share.percent for _label, share in rows])
    table = [[label, str(share.numerator), str(share.denominator), decimal(share.percent)] for label, share in rows]
    return Chart(title, _svg(chart, title), [_("Jalon"), _("Dans le délai"), _("Avec échéance"), _("%")], table)


def stacked_volumes(
    title: str, months: list[date], per_month: dict[date, dict[str, int]], labels: dict[str, str]
) -> Chart:
    """Counts per month stacked by referrer profession (`labels`: profession → its French name)."""
    professions = sorted(
        {profession for counts in per_month.values() for profession in counts},
        key=lambda code: str(labels.get(code, code)),
    )
    highest = max((sum(counts.values()) for counts in per_month.values()), default=0)
    chart = pygal.StackedBar(
        **_config(
            y_title=_("nombre"),
            y_labels=_integer_ticks(highest) or None,
            show_y_labels=highest > 0,
            value_formatter=lambda value: str(int(value)),
        )
    )
    _month_axis(chart, months)
    for profession in professions:
        chart.add(
            str(labels.get(profession) or profession or _("non renseignée")),
            [per_month.get(month, {}).get(profession) or None for month in months],
        )
    headers = [_("Mois"), *[str(labels.get(code) or code or _("non renseignée")) for code in professions], _("Total")]
    rows = []
    for month in months:
        counts = per_month.get(month, {})
        rows.append(
            [month_label(month), *[str(counts.get(code, 0)) for code in professions], str(sum(counts.values()))]
        )
    return Chart(title, _svg(chart, title), headers, rows)


def stylesheet() -> str:
    """The CSS of every chart: pygal's rules for `STYLE` (all its colours), scoped to `svg.pygal-chart`.

    Write it to static/css/charts.css after changing `STYLE` or upgrading pygal:
    `python manage.py shell -c "from jalon.indicators.charts import stylesheet; print(stylesheet(), end='')" \\
    > static/css/charts.css`
    """
    chart = pygal.Line(**_config())
    for index in range(len(STYLE.colors)):
        chart.add(str(index), [index])
    svg = chart.render(is_unicode=True)
    chart_id = CHART_ID.search(svg).group(1)
    # The <style> text is XML-escaped in the SVG (« > » written « &gt; »): a stylesheet wants it plain.
    rules = html.unescape("".join(STYLE_ELEMENT.findall(svg))).replace(f"#{chart_id}", "svg.pygal-chart")
    header = "/* Generated by jalon.indicators.charts.stylesheet() from pygal's styles: do not edit by hand. */\n"
    dashed = "svg.pygal-chart.chart-delay .series.serie-1{stroke-dasharray:6,4}\n"
    return header + rules.replace("}", "}\n") + dashed
