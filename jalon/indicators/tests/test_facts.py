"""The facts read model: kept true by the pathway services in their transaction, and rebuilt identically."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from jalon.core.actor import Actor
from jalon.indicators.definitions import DELAY_IDS
from jalon.indicators.facts import facts_for, pathway_facts_rebuild, pathway_facts_refresh
from jalon.indicators.models import MilestoneTiming, PathwayDelay, PathwayFacts
from jalon.indicators.tests.factories import cohort_pathway, cohort_template
from jalon.pathways.services import milestone_record, milestone_skip, pathway_close, pathway_record_outcome
from jalon.pathways.tests.factories import pathway_build

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=PARIS)
pytestmark = pytest.mark.django_db


def at(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def record(pathway, code: str, done_at: datetime, user):
    return milestone_record(actor=Actor(user=user), milestone=pathway.milestones.get(code=code), done_at=done_at)


@pytest.fixture
def pathway(submit, coordinator, time_machine):
    """A lung pathway (shipped template) whose referral came on Monday 16 November 2026 at 9:00 in Strasbourg,
    with a scanner done a week before, on 9 November (`pathway_build`'s exam)."""
    time_machine.move_to(at(2026, 11, 16, 9, 0), tick=False)
    return pathway_build(submit, user=coordinator)


def facts(pathway) -> PathwayFacts:
    return PathwayFacts.objects.get(pathway=pathway)


def test_it_writes_the_facts_row_when_the_pathway_starts(pathway, entry_point):
    """The cohort month, template, site, referrer profession and the city imaging date are there from the start."""
    row = facts(pathway)
    assert (row.received_month, row.template_kind, row.site_id, row.referrer_profession, row.status) == (
        date(2026, 11, 1),
        "lung",
        entry_point.organization_id,
        "physician",
        "active",
    )
    assert row.imaging_before_at == at(2026, 11, 9, 0, 0)
    assert row.reception_at is None and row.referral_to_first_care is None


def test_it_refreshes_the_facts_as_milestones_are_recorded_and_corrected(pathway, coordinator, time_machine):
    """Reception on the 17th at 9:00: 1 day after the referral, 8 days and 9 hours after the city scanner; a correction
    to the 18th at 9:00 makes it 2 days."""
    time_machine.move_to(at(2026, 11, 18, 12, 0), tick=False)
    record(pathway, "first_contact", at(2026, 11, 16, 14), coordinator)
    record(pathway, "reception", at(2026, 11, 17, 9), coordinator)
    row = facts(pathway)
    assert (row.referral_to_first_care, row.imaging_to_hospital_care) == (1.0, 8.375)
    assert row.milestones_with_target == 2 and row.milestones_within_target == 2
    record(pathway, "reception", at(2026, 11, 18, 9), coordinator)
    assert facts(pathway).referral_to_first_care == 2.0


def test_it_refreshes_the_facts_on_a_skip_an_outcome_and_a_closing(pathway, coordinator, time_machine):
    """Each pathway write leaves the row matching the pathway: a skip refreshes it, then the outcome, then the
    status."""
    time_machine.move_to(at(2026, 11, 18, 12, 0), tick=False)
    record(pathway, "first_contact", at(2026, 11, 16, 14), coordinator)
    record(pathway, "reception", at(2026, 11, 17, 9), coordinator)
    before = facts(pathway).refreshed_at
    time_machine.move_to(at(2026, 11, 18, 13, 0), tick=False)
    milestone_skip(actor=Actor(user=coordinator), milestone=pathway.milestones.get(code="pet_ct"), reason="Non indiqué")
    assert facts(pathway).refreshed_at > before
    pathway_record_outcome(actor=Actor(user=coordinator), pathway=pathway, outcome="malignant")
    assert facts(pathway).outcome == "malignant"
    pathway_close(actor=Actor(user=coordinator), pathway=pathway, reason="Prise en charge hors territoire")
    assert facts(pathway).status == "closed"


def test_it_rebuilds_every_row_identically_to_the_incremental_refresh(pathway, coordinator, time_machine):
    """Rebuilding from the milestones gives back the rows the services wrote, and restores a lost row."""
    time_machine.move_to(at(2026, 11, 18, 12, 0), tick=False)
    record(pathway, "first_contact", at(2026, 11, 16, 14), coordinator)
    record(pathway, "reception", at(2026, 11, 17, 9), coordinator)
    version = cohort_template()
    other = cohort_pathway(
        received_at=at(2026, 3, 2), version=version, done={"reception": at(2026, 3, 3), "imaging": at(2026, 3, 4)}
    )
    fields = [field.name for field in PathwayFacts._meta.fields if field.name != "refreshed_at"]
    before = list(PathwayFacts.objects.order_by("pk").values_list(*fields))
    PathwayFacts.objects.filter(pathway=other).delete()
    assert pathway_facts_rebuild(batch_size=1) == 2
    assert list(PathwayFacts.objects.order_by("pk").values_list(*fields)) == before


def test_it_rebuilds_from_the_command_line(capsys):
    """`manage.py indicators_rebuild` rebuilds and says how many rows."""
    version = cohort_template()
    cohort_pathway(received_at=at(2026, 3, 2), version=version, done={"reception": at(2026, 3, 3)})
    PathwayFacts.objects.all().delete()
    call_command("indicators_rebuild")
    assert PathwayFacts.objects.count() == 1
    assert "1" in capsys.readouterr().out


def _row(**overrides):
    values = dict(
        pathway_id=1,
        received_at=at(2026, 3, 2, 9),
        template_kind="lung",
        site_id=1,
        referrer_profession="physician",
        priority="P2",
        status="active",
        outcome="",
        milestones=[],
        imaging_days=[],
        now=NOW,
    )
    values.update(overrides)
    return facts_for(**values)


def test_it_takes_the_first_care_milestone_and_ignores_the_contact_call_and_pending_steps():
    """The call (done first) is not care; a pending reception with a date of its own is not done."""
    row = _row(
        milestones=[
            ("first_contact", "done", at(2026, 3, 2, 10), None),
            ("imaging", "done", at(2026, 3, 4, 9), None),
            ("reception", "pending", None, at(2026, 3, 3, 9)),
        ]
    )
    assert (row.first_care_at, row.referral_to_first_care, row.reception_at) == (at(2026, 3, 4, 9), 2.0, None)


def test_it_keeps_the_latest_city_imaging_dated_no_later_than_the_referral():
    """Scanners on 20 and 27 February and one dated after the referral: the 27th counts."""
    row = _row(imaging_days=[date(2026, 2, 20), date(2026, 3, 5), None, date(2026, 2, 27)])
    assert row.imaging_before_at == at(2026, 2, 27, 0, 0)


def test_it_leaves_a_delay_empty_when_its_end_precedes_its_start():
    """Imaging a day before the reception: no reception-to-imaging delay."""
    row = _row(
        milestones=[("reception", "done", at(2026, 3, 5, 9), None), ("imaging", "done", at(2026, 3, 4, 9), None)]
    )
    assert row.reception_to_imaging is None and row.referral_to_first_care == 2.0


def test_it_counts_elapsed_time_across_the_summer_time_change():
    """Reception on Saturday 28 March at 9:00 (UTC+1), imaging on Sunday 29 March at 9:00 (UTC+2): 23 hours."""
    row = _row(
        milestones=[("reception", "done", at(2026, 3, 28, 9), None), ("imaging", "done", at(2026, 3, 29, 9), None)]
    )
    assert row.reception_to_imaging == round(23 / 24, 4)


def test_it_counts_milestones_done_by_their_due_date():
    """Done on time, done late, done with no target, skipped with a target: 1 of 2 within target."""
    row = _row(
        milestones=[
            ("reception", "done", at(2026, 3, 3, 9), at(2026, 3, 3, 9)),
            ("imaging", "done", at(2026, 3, 4, 9), at(2026, 3, 3, 21)),
            ("tumour_board", "done", at(2026, 3, 9, 9), None),
            ("biopsy", "skipped", None, at(2026, 3, 4, 9)),
        ]
    )
    assert (row.milestones_with_target, row.milestones_within_target) == (2, 1)


def test_it_writes_one_delay_value_per_delay_known_and_one_timing_per_milestone_with_a_target():
    """Reception and imaging done (with due dates): two delay values (referral → first care, reception →
    imaging) and two timings; a correction rewrites them rather than adding any."""
    version = cohort_template()
    pathway = cohort_pathway(
        received_at=at(2026, 3, 2),
        version=version,
        done={"reception": at(2026, 3, 3), "imaging": at(2026, 3, 4)},
        due={"reception": at(2026, 3, 4), "imaging": at(2026, 3, 3, 21)},
    )
    delays = dict(PathwayDelay.objects.filter(pathway=pathway).values_list("delay", "value"))
    assert delays == {DELAY_IDS["referral_to_first_care"]: 1.0, DELAY_IDS["reception_to_imaging"]: 1.0}
    timings = dict(MilestoneTiming.objects.filter(pathway=pathway).values_list("code", "within_target"))
    assert timings == {"reception": True, "imaging": False}
    pathway_facts_refresh(pathway_id=pathway.pk)
    assert (
        PathwayDelay.objects.filter(pathway=pathway).count() == 2
        and MilestoneTiming.objects.filter(pathway=pathway).count() == 2
    )


def test_it_rebuilds_the_delay_values_and_timings_with_the_facts():
    """Lost delay values and timings come back from the rebuild, the same as before."""
    version = cohort_template()
    pathway = cohort_pathway(
        received_at=at(2026, 3, 2),
        version=version,
        done={"reception": at(2026, 3, 3)},
        due={"reception": at(2026, 3, 4)},
    )
    before = (
        list(PathwayDelay.objects.values_list("delay", "value", "received_month")),
        list(MilestoneTiming.objects.values_list("code", "within_target")),
    )
    PathwayDelay.objects.all().delete()
    MilestoneTiming.objects.all().delete()
    pathway_facts_rebuild(pathway_ids=[pathway.pk])
    after = (
        list(PathwayDelay.objects.values_list("delay", "value", "received_month")),
        list(MilestoneTiming.objects.values_list("code", "within_target")),
    )
    assert after == before and before[0] and before[1]
