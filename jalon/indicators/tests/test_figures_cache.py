"""The dashboard's figures of a closed period come from the cache until something they count changes:
a correction to a past pathway shows on the next load (the clock frozen after the period)."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from jalon.core.actor import Actor
from jalon.indicators import selectors
from jalon.indicators.tests.factories import paris
from jalon.indicators.tests.test_views import PERIOD, cohort  # noqa: F401 — the hand-made cohort fixture
from jalon.pathways.services import milestone_record

DASHBOARD = reverse("indicators:dashboard")


@pytest.fixture
def computations(monkeypatch):
    """How many times the dashboard asked the database for its delays."""
    calls = []
    original = selectors.delay_reports

    def counting(*args, **kwargs):
        calls.append(args[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(selectors, "delay_reports", counting)
    return calls


def first_delay_row(page: str) -> str:
    row = page[page.index("Demande → première prise en soins</th>") :]
    return row[: row.index("</tr>")]


@time_machine.travel("2026-03-15 10:00 +01:00", tick=False)
def test_a_closed_period_is_served_from_the_cache_until_a_past_pathway_is_corrected(
    client,
    manager,
    coordinator,
    cohort,
    computations,
    django_capture_on_commit_callbacks,  # noqa: F811
):
    client.force_login(manager)
    first = client.get(DASHBOARD, PERIOD).content.decode()
    assert "<td>4,0</td><td>10,0</td><td>5,3</td>" in first_delay_row(first)  # 2, 4 and 10 days
    assert len(computations) == 1

    again = client.get(DASHBOARD, PERIOD).content.decode()

    assert len(computations) == 1  # served from the cache
    assert first_delay_row(again) == first_delay_row(first)

    # The February pathway's reception was on 4 February, not the 13th: 1 day instead of 10.
    february = cohort[2]
    with django_capture_on_commit_callbacks(execute=True):
        milestone_record(
            actor=Actor(user=coordinator),
            milestone=february.milestones.get(code="reception"),
            done_at=paris(2026, 2, 4),
        )

    corrected = client.get(DASHBOARD, PERIOD).content.decode()

    assert len(computations) == 2
    assert "<td>2,0</td><td>4,0</td><td>2,3</td>" in first_delay_row(corrected)  # 2, 4 and 1 days


@time_machine.travel("2026-03-15 10:00 +01:00", tick=False)
def test_a_correction_elsewhere_keeps_the_cached_figures_of_other_months(
    client,
    manager,
    coordinator,
    cohort,
    computations,
    django_capture_on_commit_callbacks,  # noqa: F811
):
    client.force_login(manager)
    january = {"start": "2026-01-01", "end": "2026-01-31"}
    client.get(DASHBOARD, january)
    with django_capture_on_commit_callbacks(execute=True):
        milestone_record(
            actor=Actor(user=coordinator),
            milestone=cohort[2].milestones.get(code="reception"),
            done_at=paris(2026, 2, 4),
        )

    client.get(DASHBOARD, january)

    assert len(computations) == 1  # a February pathway changed: January's figures still hold


@time_machine.travel("2026-02-20 10:00 +01:00", tick=False)
def test_a_period_not_yet_over_is_computed_at_every_load(client, manager, cohort, computations):  # noqa: F811
    client.force_login(manager)
    client.get(DASHBOARD, PERIOD)
    client.get(DASHBOARD, PERIOD)

    assert len(computations) == 2


@time_machine.travel("2026-03-15 10:00 +01:00", tick=False)
def test_a_cache_down_still_gives_the_figures(client, manager, cohort, computations, monkeypatch):  # noqa: F811
    from django.core.cache import cache

    def down(*args, **kwargs):
        raise ConnectionError("Redis down")

    monkeypatch.setattr(cache, "get_many", down)
    client.force_login(manager)
    response = client.get(DASHBOARD, PERIOD)

    assert response.status_code == 200
    assert "<td>4,0</td><td>10,0</td><td>5,3</td>" in first_delay_row(response.content.decode())
    assert len(computations) == 1
