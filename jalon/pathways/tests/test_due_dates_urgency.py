"""Urgency changes dates (issue 14): per-priority targets of the shipped templates (version 2), the
reception counted from the request, nothing due while the entry point is closed, a later step never due
before an earlier one it follows, and no "due soon" alert on a pathway's first minute. The clock is moved."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from jalon.core.actor import Actor
from jalon.core.vocabulary import PathwayKind, Priority
from jalon.core.workcalendar import DEFAULT_CLOSES, DEFAULT_OPENS, delay_never_longer, is_working_day
from jalon.pathways.alerts import alerts_scan
from jalon.pathways.models import Alert, Milestone, PathwayTemplate
from jalon.pathways.services import milestone_record, pathway_record_outcome, pathway_start
from jalon.pathways.tests.factories import pathway_build, referral_build

PARIS = ZoneInfo("Europe/Paris")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def current_versions():
    return {template.kind: template.current_version() for template in PathwayTemplate.objects.all()}


def test_it_ships_per_priority_targets_ordered_and_sourced(db):
    """Every template's current version (3 since issue 16; per-priority targets since 2) has steps with
    P1 ≤ P2 ≤ P3, each sourced, and at least one step strictly shorter in P1 than in P3."""
    for kind, version in current_versions().items():
        assert version.version == 3, kind
        strictly_shorter = False
        for step in version.milestones.all():
            if not step.delay_by_priority:
                continue
            p1, p2, p3 = (step.target_for(priority) for priority in Priority.values)
            assert delay_never_longer(p1, p2) and delay_never_longer(p2, p3), (kind, step.code)
            assert "seed" in step.priority_source or "proposition Jalon, à valider" in step.priority_source, (
                kind,
                step.code,
            )
            strictly_shorter |= not delay_never_longer(p3, p1)
        assert strictly_shorter, kind


def _start_all(submit, coordinator, time_machine, when):
    """One pathway per template and priority, submitted and accepted at `when`."""
    time_machine.move_to(when, tick=False)
    return {
        (kind, priority): pathway_build(submit, user=coordinator, kind=kind, priority=priority)
        for kind in PathwayKind.values
        for priority in Priority.values
    }


@pytest.mark.parametrize("when", [at(2026, 11, 16, 9, 0), at(2026, 11, 20, 16, 30)])
def test_p1_is_due_no_later_than_p3_for_every_template(submit, coordinator, time_machine, when):
    """For every template, every step with a per-priority target is due in P1 no later than in P3, and at
    least one strictly earlier."""
    pathways = _start_all(submit, coordinator, time_machine, when)
    for kind in PathwayKind.values:
        p1 = {m.code: m for m in pathways[kind, "P1"].milestones.select_related("template")}
        p3 = {m.code: m.due_at for m in pathways[kind, "P3"].milestones.all()}
        compared = [(code, m.due_at, p3[code]) for code, m in p1.items() if m.template.delay_by_priority and m.due_at]
        assert all(first <= third for _code, first, third in compared), kind
        assert any(first < third for _code, first, third in compared), kind


def test_no_step_is_due_outside_opening_hours(submit, coordinator, time_machine):
    """Started on a Friday evening before a weekend: every due date of every template and priority falls on a
    working day between 8:00 and 18:00, treatment branch included."""
    pathways = _start_all(submit, coordinator, time_machine, at(2026, 12, 18, 17, 45))
    for pathway in pathways.values():
        pathway_record_outcome(actor=Actor(user=coordinator), pathway=pathway, outcome="malignant")
    dues = Milestone.objects.exclude(due_at=None).values_list("pathway__department", "due_at")
    assert dues
    for department, due_at in dues:
        local = due_at.astimezone(PARIS)
        assert is_working_day(local.date(), department=department), local
        assert DEFAULT_OPENS <= local.time() <= DEFAULT_CLOSES, local


def test_it_counts_the_reception_from_the_request(submit, coordinator, time_machine):
    """A referral received on Monday 9:00 and accepted on Tuesday 9:00: the reception (48 working hours in P2)
    is due on Wednesday 9:00, not Thursday."""
    time_machine.move_to(at(2026, 11, 16, 9, 0), tick=False)
    referral = referral_build(submit)
    time_machine.move_to(at(2026, 11, 17, 9, 0), tick=False)
    pathway = pathway_start(actor=Actor(user=coordinator), referral=referral, priority="P2")
    reception = pathway.milestones.get(code="reception")
    assert reception.due_at == at(2026, 11, 18, 9, 0)
    assert reception.counted_from == referral.received_at


def test_a_later_step_is_never_due_before_an_earlier_one_it_follows(submit, coordinator, time_machine):
    """Liver: a biopsy done late puts the intermediate pathology result (J+4 working days) after the final one
    (7 days after the reception): the final result follows the intermediate one and moves with it."""
    time_machine.move_to(at(2026, 11, 16, 9, 0), tick=False)
    pathway = pathway_build(submit, user=coordinator, kind="liver")
    time_machine.move_to(at(2026, 11, 20, 12, 0), tick=False)
    for code, done in (
        ("first_contact", at(2026, 11, 16, 10)),
        ("reception", at(2026, 11, 16, 14)),
        ("biopsy", at(2026, 11, 20, 11)),
    ):
        milestone_record(actor=Actor(user=coordinator), milestone=pathway.milestones.get(code=code), done_at=done)
    preliminary = pathway.milestones.get(code="pathology_preliminary").due_at
    final = pathway.milestones.get(code="pathology_final").due_at
    assert preliminary == at(2026, 11, 26, 11, 0)  # 4 working days after the Friday biopsy
    assert final >= preliminary  # was 23 November 14:00 (7 days after the reception), before the intermediate result


@pytest.mark.parametrize("priority", Priority.values)
def test_no_alert_at_pathway_start(submit, coordinator, time_machine, priority):
    """Submitted and accepted at once, at any hour of a working week, no template raises any alert on its first
    minute; the first "due soon" comes only once 20 % of a step's window is left."""
    for when in (at(2026, 11, 16, 9, 0), at(2026, 11, 18, 17, 59), at(2026, 11, 20, 23, 0)):
        time_machine.move_to(when, tick=False)
        started = [
            pathway_build(submit, user=coordinator, kind=kind, priority=priority).pk for kind in PathwayKind.values
        ]
        alerts_scan(now=when + timedelta(minutes=1))
        assert not Alert.objects.filter(pathway_id__in=started).exists(), (priority, when)
