"""The synthetic regional population: what a small run writes, and that the indicators read it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from jalon.demo.synthetic_region import RegionalPopulation
from jalon.events.models import Event
from jalon.indicators.definitions import DELAY_ENDS
from jalon.indicators.models import PathwayFacts
from jalon.indicators.selectors import Period, indicator_set
from jalon.pathways.models import Milestone, MilestoneStatus, Pathway, PathwayStatus
from jalon.patients.models import Patient
from jalon.referrals.models import EntryPoint, Referral
from jalon.scheduling.models import Appointment, AppointmentStatus, Slot, SlotRelease

NOW = datetime(2026, 6, 15, 10, 0, tzinfo=UTC)
PREFIX = "SYN-7-1-"


@pytest.fixture
def population(db):
    """200 pathways over 2 years at 2 sites, generated at a frozen moment."""
    with time_machine.travel(NOW, tick=False):
        return RegionalPopulation(pathways=200, years=2, sites=2, seed=7, batch=70, log=lambda line: None).run()


def test_it_writes_the_pathways_asked_and_referrals_without_pathway(population):
    """Exactly the pathways asked, every one with its referral; other referrals were declined, redirected or wait."""
    referrals = Referral.objects.filter(reference__startswith=PREFIX)
    assert Pathway.objects.filter(referral__reference__startswith=PREFIX).count() == 200 == population["pathways"]
    assert referrals.count() == population["referrals"] > 200
    without = referrals.filter(pathway__isnull=True)
    assert without.count() == population["referrals_without_pathway"] > 0
    assert set(without.values_list("status", flat=True)) <= {
        "declined",
        "redirected",
        "awaiting_complement",
        "received",
    }
    assert Patient.objects.count() == population["patients"]


def test_it_spreads_referrals_over_the_years_asked(population):
    """Referrals were received in the 24 months up to now, never in the future."""
    received = Referral.objects.filter(reference__startswith=PREFIX).values_list("received_at", flat=True)
    assert min(received) >= datetime(2024, 6, 30, 22, 0, tzinfo=UTC)  # 1 July 2024, Paris time
    assert max(received) <= NOW


def test_it_builds_facts_for_every_pathway(population):
    """One facts row per generated pathway, with non-negative delays."""
    assert PathwayFacts.objects.count() == 200 == population["facts"]
    for code in DELAY_ENDS:
        assert not PathwayFacts.objects.filter(**{f"{code}__lt": 0}).exists(), code
    assert PathwayFacts.objects.filter(referral_to_first_care__isnull=False).count() > 150


def test_it_records_the_events_of_every_milestone_and_appointment(population):
    """Every done milestone has its milestone.recorded event (a few a correction too), every appointment
    its appointment.booked and every cancelled one its appointment.cancelled; all are counted."""
    done = Milestone.objects.filter(status=MilestoneStatus.DONE).count()
    kinds = dict(Event.objects.values_list("kind").annotate(n=Count("pk")))
    assert done == population["milestones_done"] > 1000
    assert kinds["milestone.recorded"] == done
    assert 0 < kinds["milestone.corrected"] < done * 0.1
    assert kinds["pathway.started"] == 200
    assert Event.objects.count() == population["events"]
    assert (
        kinds["milestone.recorded"] + kinds["milestone.corrected"] + kinds.get("milestone.skipped", 0)
        == population["milestone_events"]
    )
    assert kinds["appointment.booked"] == Appointment.objects.count() == population["appointments"]
    assert (
        kinds.get("appointment.cancelled", 0) == Appointment.objects.filter(status=AppointmentStatus.CANCELLED).count()
    )
    assert kinds["appointment.booked"] + kinds.get("appointment.cancelled", 0) == population["appointment_events"]


def test_it_dates_a_correction_at_the_right_time_after_the_mistaken_entry(population):
    """A corrected milestone: the first entry's date is earlier than the done time, the correction's is it."""
    corrected = Event.objects.filter(kind="milestone.corrected").first()
    recorded = Event.objects.get(
        kind="milestone.recorded", referral_id=corrected.referral_id, payload__milestone=corrected.payload["milestone"]
    )
    milestone = Milestone.objects.get(pathway__referral_id=corrected.referral_id, code=corrected.payload["milestone"])
    assert corrected.occurred_at == milestone.done_at == datetime.fromisoformat(corrected.payload["done_at"])
    assert recorded.occurred_at < milestone.done_at < corrected.recorded_at


def test_it_leaves_recent_pathways_open_with_pending_milestones(population):
    """Some pathways are still open, with pending steps; done steps are in the past."""
    open_pathways = Pathway.objects.filter(status=PathwayStatus.ACTIVE)
    assert open_pathways.count() == population["open_pathways"] > 0
    assert Milestone.objects.filter(pathway__in=open_pathways, status=MilestoneStatus.PENDING).exists()
    assert not Milestone.objects.filter(done_at__gt=NOW).exists()
    assert Pathway.objects.filter(status=PathwayStatus.CLOSED, outcome="").count() == 0


def test_it_books_appointments_and_releases_reserved_slots(population):
    """Bookings sit on the sites' slots, some reserved ones used before release, others released unused."""
    assert Appointment.objects.count() == population["appointments"] > 0
    assert Slot.objects.count() == population["slots"]
    assert Appointment.objects.filter(used_reserved=True).exists()
    assert SlotRelease.objects.count() == population["slot_releases"] > 0
    assert not SlotRelease.objects.filter(slot__appointments__isnull=False).exists()


def test_the_indicators_read_the_population(population):
    """The full indicator set of the last full year is not empty."""
    with time_machine.travel(NOW, tick=False):
        figures = indicator_set(Period.year(2025))
    assert figures.cohort > 50
    assert figures.delays["referral_to_first_care"].stats.n > 50
    assert figures.delays["reception_to_tumour_board"].stats.median > 0
    assert figures.within_target.denominator > 0
    assert sum(sum(row.values()) for row in figures.referrals_per_month.values()) > figures.cohort
    assert sum(sum(row.values()) for row in figures.appointments_per_month.values()) > 0
    assert figures.distinct_gps > 0
    assert figures.contacted_accompanied.contacted > figures.contacted_accompanied.accompanied > 0
    assert figures.reserved_slots.used > 0 and figures.reserved_slots.released > 0


def test_a_second_run_adds_a_second_population(population):
    """Running again with the same seed does not clash: new sites, references and patients."""
    with time_machine.travel(NOW, tick=False):
        again = RegionalPopulation(pathways=30, years=1, sites=1, seed=7, log=lambda line: None).run()
    assert again["pathways"] == 30
    assert Referral.objects.filter(reference__startswith="SYN-7-2-").count() == again["referrals"]
    assert EntryPoint.objects.filter(slug__startswith="synthetique-7-").count() == 3
    assert PathwayFacts.objects.count() == 230


def test_the_command_reports_counts_and_refuses_bad_arguments(db, capsys):
    """The command prints what it wrote; a bad argument is a clear French error."""
    with time_machine.travel(NOW, tick=False):
        call_command("generate_regional_population", pathways=20, years=1, sites=1, seed=3)
    out = capsys.readouterr().out
    assert "pathways" in out and "milestone_events" in out and "total:" in out
    with pytest.raises(CommandError, match="Paramètre invalide"):
        call_command("generate_regional_population", pathways=0)


def test_the_demo_adds_a_synthetic_region_its_coordinators_do_not_see(db):
    """load_demo with a synthetic region: the demo keeps its fifty referrals in the coordinators' reach."""
    from io import StringIO

    from jalon.accounts.models import User
    from jalon.referrals.access import referrals_visible_to

    out = StringIO()
    call_command("load_demo", "--if-empty", "--only-territory-communes", "--synthetic-pathways", "40", stdout=out)
    assert "Région synthétique" in out.getvalue()
    synthetic = Referral.objects.filter(reference__startswith="SYN-2026-1-")
    assert Pathway.objects.filter(referral__in=synthetic).count() == 40
    assert Referral.objects.exclude(pk__in=synthetic).count() == 50
    for username in ("coordination", "coordination.hopital"):
        visible = referrals_visible_to(User.objects.get(username=username))
        assert visible.exists() and not visible.filter(pk__in=synthetic).exists()
    assert PathwayFacts.objects.filter(pathway__referral__in=synthetic).count() == 40
    # Nobody coordinates the synthetic sites: the GP's form offers none of their entry points (issue 14, item 7).
    from jalon.referrals.access import entry_points_open_to

    offered = entry_points_open_to(User.objects.get(username="medecin"))
    assert offered.exists() and not offered.filter(slug__startswith="synthetique-").exists()
    assert not offered.filter(organization__name__contains="synthétique").exists()
    with pytest.raises(CommandError, match="négatif"):
        call_command("load_demo", "--synthetic-pathways", "-1", stdout=StringIO())


def test_its_entry_points_take_no_referral(population):
    """The synthetic sites are for measuring: their entry points are inactive, so no form offers them and
    referral_submit refuses them (the rule of real data: an inactive entry point takes no referral)."""
    synthetic = EntryPoint.objects.filter(slug__startswith="synthetique-7-1-")
    assert synthetic.count() == 2 and not synthetic.filter(is_active=True).exists()
