"""Issue 14, item 4: a pathway's first tasks (the triage rule's, and the complement asked at acceptance) follow the
entry point's opening hours like its milestones: accepted on a Friday evening, nothing is due that night nor
on the weekend, but at Monday's opening. The clock is moved, never slept."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from jalon.core.actor import Actor
from jalon.core.workcalendar import next_opening
from jalon.pathways.models import Task
from jalon.referrals.services import opening_calendar
from jalon.triage.services import referral_accept_into_pathway, triage_propose

PARIS = ZoneInfo("Europe/Paris")
FRIDAY_EVENING = datetime(2026, 11, 20, 18, 30, tzinfo=PARIS)
MONDAY_OPENING = datetime(2026, 11, 23, 8, 0, tzinfo=PARIS)


def _accept(referral, coordinator):
    proposal = triage_propose(referral)
    return referral_accept_into_pathway(
        actor=Actor(user=coordinator),
        referral=referral,
        pathway_kind=proposal.pathway_kind,
        priority=proposal.priority,
    )


@pytest.fixture
def friday_evening(time_machine):
    time_machine.move_to(FRIDAY_EVENING, tick=False)


def test_a_rule_task_due_in_hours_after_closing_is_due_at_the_next_opening(submit, coordinator, friday_evening):
    """« Appeler le patient sous 4 h » accepted at 18:30 on Friday: due on Monday at 8:00, not at 22:30."""
    referral = submit(clinical_reason="Hémoptysie inexpliquée", alarm_signs=["haemoptysis"]).referral
    pathway = _accept(referral, coordinator)

    call = Task.objects.get(pathway=pathway, label__startswith="Appeler le patient sous 4 h")
    assert call.due_at == MONDAY_OPENING


def test_no_first_task_is_due_while_the_entry_point_is_closed(submit, coordinator, friday_evening):
    """Every task of the new pathway, the rule's and the complement's, falls within the opening hours."""
    referral = submit(exams=[], documents=[]).referral
    assert referral.missing_items
    pathway = _accept(referral, coordinator)

    tasks = list(Task.objects.filter(pathway=pathway, due_at__isnull=False))
    assert {task.complement_item for task in tasks} > {""}  # complement tasks and the rule's tasks both
    assert any(task.complement_item == "" for task in tasks)
    calendar = opening_calendar(referral.entry_point)
    for task in tasks:
        assert task.due_at == next_opening(task.due_at, **calendar), task.label
        assert task.due_at >= MONDAY_OPENING, task.label
