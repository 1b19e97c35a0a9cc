"""The pathology indicators on hand-computed data: share of non-contributive specimens, late notices (> 10 days),
time to re-biopsy (median), read from the pathology requests (issue 16, item 5)."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse

from jalon.diagnostics.models import PathologyRequest
from jalon.diagnostics.tests.conftest import MONDAY_9H
from jalon.diagnostics.tests.test_pathology_services import _result
from jalon.indicators.definitions import ALL
from jalon.indicators.selectors import Filters, Period, pathology_outcomes

NOVEMBER = Period.months(MONDAY_9H.date(), MONDAY_9H.date())


def test_the_pathology_indicators_on_hand_computed_data(make_pathway, send_specimen, pathologist, clock):
    """Four pathways received in November 2026, every specimen taken on Monday 16 (day 0):
    A: contributive final result on day 2
    B: non-contributive on day 2, re-biopsy on day 3 (its result contributive) → 1.0 day to re-biopsy
    C: non-contributive on day 12 (a late notice, > 10 days), re-biopsy on day 15 (no result yet) → 3.0 days
    D: sent, no result yet
    With a result: A, B, C and B's re-biopsy = 4; non-contributive: B and C = 2 → 50 %;
    re-biopsy days [1.0, 3.0] → median 2.0; one late notice; none waits for its re-biopsy."""
    a, b, c, d = (make_pathway() for _ in range(4))
    requests = {
        name: send_specimen(pathway, taken_at=MONDAY_9H) for name, pathway in zip("abcd", (a, b, c, d), strict=True)
    }
    clock.move_to(MONDAY_9H + timedelta(days=2))
    _result(requests["a"], pathologist, stage="final")
    _result(requests["b"], pathologist, contributive=False)
    clock.move_to(MONDAY_9H + timedelta(days=3))
    rebiopsy_b = send_specimen(b, taken_at=MONDAY_9H + timedelta(days=3))
    _result(rebiopsy_b, pathologist)
    clock.move_to(MONDAY_9H + timedelta(days=12))
    _result(requests["c"], pathologist, contributive=False)
    clock.move_to(MONDAY_9H + timedelta(days=15))
    send_specimen(c, taken_at=MONDAY_9H + timedelta(days=15))
    assert PathologyRequest.objects.count() == 6

    outcomes = pathology_outcomes(NOVEMBER)

    assert (outcomes.with_result, outcomes.non_contributive) == (4, 2)
    assert outcomes.share.percent == 50.0
    assert outcomes.late_notices == 1
    assert outcomes.rebiopsy_days == [1.0, 3.0] and outcomes.rebiopsy_median == 2.0
    assert outcomes.waiting_rebiopsy == 0
    assert pathology_outcomes(NOVEMBER, Filters(template_kind="breast")).with_result == 0
    assert ALL["non_contributive_biopsies"].source and ALL["time_to_rebiopsy"].formula


def test_the_dashboard_shows_the_pathology_cards(client, manager, pathway, send_specimen, pathologist, clock):
    _result(send_specimen(pathway), pathologist, contributive=False)
    client.force_login(manager)
    page = client.get(reverse("indicators:dashboard"), {"start": "2026-11-01", "end": "2026-11-30"}).content.decode()
    assert "Prélèvements non contributifs" in page and "Délai avant la nouvelle biopsie" in page


def test_the_export_carries_the_pathology_measures(pathway, send_specimen, pathologist, clock):
    """The CSV/XLSX rows of the period hold the share of non-contributive specimens and the time to re-biopsy."""
    from jalon.indicators.exports import aggregate_rows
    from jalon.indicators.selectors import indicator_set

    _result(send_specimen(pathway), pathologist, contributive=False)
    rows = aggregate_rows(indicator_set(NOVEMBER), site_names={})
    share = next(row for row in rows if row[1] == "non_contributive_biopsies" and row[5] == "part (%)")
    assert (share[13], share[14], share[15]) == (1, 1, 100.0)
    waiting = next(row for row in rows if row[1] == "time_to_rebiopsy" and row[5] == "en attente")
    assert waiting[15] == 1
