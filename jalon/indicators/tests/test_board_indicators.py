"""The tumour-board indicators on hand-computed data (issue 16, items 4 and 5): final pathology result → case
listed, decision → PPS handed, listed only vs discussed, record completeness. A small cohort built with the
services, the clock frozen and moved; the expected medians worked out by hand in the docstring."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from django.urls import reverse

from jalon.boards.care_plans import care_plan_hand
from jalon.boards.models import BoardMeeting, BoardMember, Sorting
from jalon.boards.services import (
    board_attendance_record,
    board_case_create,
    board_case_list,
    board_case_sorting_confirm,
    board_decision_record,
)
from jalon.boards.tests.conftest import (  # noqa: F401 — the thoracic board and its members, as fixtures
    ANSWERS,
    board,
    chair,
    diagnosis_complete,
    oncologist,
    radiotherapist,
)
from jalon.boards.tests.test_record_completeness import another_pathway
from jalon.core.actor import Actor
from jalon.core.workcalendar import PARIS
from jalon.diagnostics.tests.conftest import send_specimen  # noqa: F401 — a fixture
from jalon.indicators import selectors
from jalon.indicators.definitions import ALL
from jalon.indicators.exports import aggregate_rows
from jalon.indicators.selectors import Filters, Period, board_outcomes, indicator_set
from jalon.pathways.models import Outcome
from jalon.pathways.services import milestone_record, pathway_record_outcome

NOVEMBER = Period.months(date(2026, 11, 1), date(2026, 11, 1))
DASHBOARD = reverse("indicators:dashboard")


def paris(day: int, hour: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=PARIS)


@pytest.fixture
def clock():
    """Monday 2 November 2026, 11:00 (Paris), until a test moves it."""
    with time_machine.travel(paris(2, 11), tick=False) as traveller:
        yield traveller


@pytest.fixture
def cohort(clock, board, chair, coordinator, submit, gp):
    """Six lung pathways received on 2 November; the diagnostic steps of A, B, C, D, F done at 10:00 (final
    pathology result 2/11 10:00). One meeting on Thursday 12 November, 14:00.
    A: listed 4/11 10:00 (2.0 d), sorted listed only, decided 12/11 15:00, PPS handed 14/11 (2 d)
    B: listed 5/11 22:00 (3.5 d), listed only, decided 12/11, PPS handed 19/11 (7 d)
    C: listed 9/11 10:00 (7.0 d), discussion, decided 12/11, PPS not handed (waiting)
    D: a case in preparation, never listed (waiting for the board)
    E: diagnosis under way, no case
    F: cancer confirmed, the tumour board recorded as a free-text step (no decision, no PPS)
    Final result → listed: [2.0, 3.5, 7.0] → median 3.5, p90 the 3rd (⌈2.7⌉) = 7.0, 1 waiting.
    Decision → PPS: [2, 7] → median 4.5, p90 the 2nd (⌈1.8⌉) = 7, 1 waiting.
    Sorting of the decided: 2 listed only, 1 discussed → 66.7 % listed only.
    Record: concerned A, B, C, F; complete A, B → 50 %; without decision F; without PPS C, F."""
    coordinator_actor, chair_actor = Actor(user=coordinator), Actor(user=chair)
    a, b, c, d, e, f = (another_pathway(submit, coordinator, gp, seq) for seq in range(10, 16))
    for pathway in (a, b, c, d, f):
        diagnosis_complete(pathway, coordinator)  # an hour ago: 10:00
    meeting = BoardMeeting.objects.create(board=board, starts_at=paris(12, 14))

    def listed(pathway, at, sorting):
        clock.move_to(at)
        case = board_case_create(actor=coordinator_actor, pathway=pathway, meeting=meeting, answers=ANSWERS)
        board_case_list(actor=coordinator_actor, case=case)
        board_case_sorting_confirm(actor=chair_actor, case=case, sorting=sorting)
        return case

    cases = {
        "a": listed(a, paris(4, 10), Sorting.LISTED_ONLY),
        "b": listed(b, paris(5, 22), Sorting.LISTED_ONLY),
        "c": listed(c, paris(9, 10), Sorting.DISCUSSION),
    }
    board_case_create(actor=coordinator_actor, pathway=d, meeting=meeting)  # no answers: stays in preparation
    f = pathway_record_outcome(actor=coordinator_actor, pathway=f, outcome=Outcome.MALIGNANT)
    milestone_record(actor=coordinator_actor, milestone=f.milestones.get(code="tumour_board"), done_at=paris(9, 10))
    clock.move_to(paris(12, 15))
    board_attendance_record(
        actor=chair_actor,
        meeting=meeting,
        member_ids=list(BoardMember.objects.filter(board=board).values_list("pk", flat=True)),
    )
    decisions = {
        name: board_decision_record(
            actor=chair_actor, case=case, treatment_kind="surgery", proposal="Lobectomie", trial_eligibility="to_check"
        )
        for name, case in cases.items()
    }
    clock.move_to(paris(20, 9))
    care_plan_hand(actor=coordinator_actor, care_plan=decisions["a"].care_plan, handed_on=date(2026, 11, 14))
    care_plan_hand(actor=coordinator_actor, care_plan=decisions["b"].care_plan, handed_on=date(2026, 11, 19))
    return {"decisions": decisions, "pathways": (a, b, c, d, e, f)}


def test_the_board_indicators_on_hand_computed_data(cohort, django_assert_num_queries):
    with django_assert_num_queries(2):
        outcomes = board_outcomes(NOVEMBER)

    ready = outcomes.ready_to_board
    assert (ready.days, ready.median, ready.p90, ready.pending) == ([2.0, 3.5, 7.0], 3.5, 7.0, 1)
    to_pps = outcomes.board_to_care_plan
    assert (to_pps.days, to_pps.median, to_pps.p90, to_pps.pending) == ([2.0, 7.0], 4.5, 7.0, 1)
    assert (outcomes.listed_only, outcomes.discussed, outcomes.listed_only_share.percent) == (2, 1, 66.7)
    record = outcomes.record
    assert (record.concerned, record.complete, record.without_decision, record.without_care_plan) == (4, 2, 1, 2)
    assert outcomes.record_share.percent == 50.0
    for code in ("case_ready_to_board", "board_to_care_plan", "board_sorting", "record_completeness"):
        assert ALL[code].formula and ALL[code].source and ALL[code].exclusions
    assert "PPAC" in str(ALL["record_completeness"].exclusions)


def test_the_cohort_is_that_of_the_period_and_the_filters(cohort):
    """Received in November: October counts nothing; another template counts nothing."""
    assert board_outcomes(Period.months(date(2026, 10, 1), date(2026, 10, 1))).record.concerned == 0
    empty = board_outcomes(NOVEMBER, Filters(template_kind="breast"))
    assert (empty.ready_to_board.n, empty.listed_only, empty.record.concerned) == (0, 0, 0)


def test_the_dashboard_and_the_exports_show_them(cohort, client, manager):
    client.force_login(manager)
    page = client.get(DASHBOARD, {"start": "2026-11-01", "end": "2026-11-30"}).content.decode()
    for label in ("Résultat anatomopathologique → dossier inscrit en RCP", "RCP → PPS remis au patient"):
        assert label in page
    assert "Complétude du dossier (RCP, PPS, PPAC)" in page and "2 complets sur 4" in page
    assert "2 enregistrés sans discussion, 1 discutés" in page

    rows = aggregate_rows(indicator_set(NOVEMBER), site_names={})
    ready = next(row for row in rows if row[1] == "case_ready_to_board")
    assert (ready[6], ready[7], ready[8], ready[12]) == (3, 3.5, 7.0, 1)
    complete = next(row for row in rows if row[1] == "record_completeness" and row[5] == "complets (%)")
    assert (complete[13], complete[14], complete[15]) == (2, 4, 50.0)
    sorting = next(row for row in rows if row[1] == "board_sorting" and row[5] == "enregistrés sans discussion (%)")
    assert (sorting[13], sorting[14], sorting[15]) == (2, 3, 66.7)


def test_a_pps_handed_renews_the_cached_figures_of_a_closed_month(
    cohort, clock, client, manager, coordinator, monkeypatch, django_capture_on_commit_callbacks
):
    """November closed (the clock in December): served from the cache until C's PPS is handed, a boards write
    that does not go through the pathways' services."""
    calls = []
    original = selectors.board_outcomes
    monkeypatch.setattr(selectors, "board_outcomes", lambda *a, **k: calls.append(1) or original(*a, **k))
    clock.move_to(paris(2, 9, month=12))
    client.force_login(manager)
    november = {"start": "2026-11-01", "end": "2026-11-30"}
    assert "2 complets sur 4" in client.get(DASHBOARD, november).content.decode()
    client.get(DASHBOARD, november)
    assert len(calls) == 1  # the second load from the cache

    with django_capture_on_commit_callbacks(execute=True):
        care_plan_hand(
            actor=Actor(user=coordinator),
            care_plan=cohort["decisions"]["c"].care_plan,
            handed_on=date(2026, 12, 1),
        )

    assert "3 complets sur 4" in client.get(DASHBOARD, november).content.decode()
    assert len(calls) == 2


def test_a_specimen_sent_renews_the_cached_figures_of_a_closed_month(
    cohort, clock, client, manager, send_specimen, monkeypatch, django_capture_on_commit_callbacks
):
    """A re-biopsy sent for A (its biopsy step already done: no pathway write) changes November's pathology figures:
    the next load computes them again."""
    calls = []
    original = selectors.board_outcomes
    monkeypatch.setattr(selectors, "board_outcomes", lambda *a, **k: calls.append(1) or original(*a, **k))
    clock.move_to(paris(2, 9, month=12))
    client.force_login(manager)
    november = {"start": "2026-11-01", "end": "2026-11-30"}
    client.get(DASHBOARD, november)
    client.get(DASHBOARD, november)
    assert len(calls) == 1

    with django_capture_on_commit_callbacks(execute=True):
        send_specimen(cohort["pathways"][0], taken_at=paris(1, 9, month=12))

    client.get(DASHBOARD, november)
    assert len(calls) == 2
