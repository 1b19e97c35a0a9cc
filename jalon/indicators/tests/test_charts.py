"""The charts' month axis stays legible over long periods (issue 14, item 7: labels overlapped)."""

import re
from datetime import date
from types import SimpleNamespace

import pytest

from jalon.indicators import charts


def months(count: int) -> list[date]:
    return [date(2024 + m // 12, m % 12 + 1, 1) for m in range(count)]


def axis_month_labels(svg: str) -> list[str]:
    """The month names written under the x axis (not the hidden per-point descriptions)."""
    axis = svg[svg.index('class="axis x') :]
    axis = axis[: axis.index('class="axis y')] if 'class="axis y' in axis else axis
    return [label for label in re.findall(r"<text[^>]*>([^<]+)</text>", axis) if re.search(r"\d{2}$", label)]


@pytest.mark.parametrize(("count", "step"), [(6, 1), (12, 2), (14, 3), (18, 3), (24, 6), (36, 6), (60, 12)])
def test_it_writes_at_most_six_month_labels(count, step):
    assert charts.month_label_step(count) == step
    assert -(-count // step) <= charts.MAX_MONTH_LABELS


def test_a_24_month_chart_labels_one_month_in_six_and_keeps_every_month_in_its_table():
    period = months(24)
    monthly = [(month, SimpleNamespace(median=10.0, p90=20.0, n=3)) for month in period]
    chart = charts.delay_time_series("Délai", period, monthly)
    assert axis_month_labels(str(chart.svg)) == ["janv. 24", "juil. 24", "janv. 25", "juil. 25"]
    assert len(chart.rows) == 24


def test_stacked_volumes_label_the_same_months():
    period = months(24)
    chart = charts.stacked_volumes(
        "Volumes",
        period,
        {m: {"gp": 2, "specialist": 1} for m in period},
        {"gp": "Médecin généraliste", "specialist": "Spécialiste"},
    )
    assert axis_month_labels(str(chart.svg)) == ["janv. 24", "juil. 24", "janv. 25", "juil. 25"]
