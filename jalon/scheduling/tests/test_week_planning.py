"""The batch mode on the database: pending steps of real pathways planned together and booked."""

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from jalon.scheduling.models import Appointment, AppointmentStatus
from jalon.scheduling.tests.test_scheduling_pages import MONDAY_10H, lung_pathway, lung_resources


@time_machine.travel(MONDAY_10H, tick=False)
def test_it_plans_and_books_the_week(submit, coordinator, hospital, capsys):
    """plan_week prints both plans and, with --book, books the batch plan through the booking service."""
    lung_resources(hospital)
    pathway = lung_pathway(submit, coordinator)
    call_command("plan_week", "--time-limit", "2", "--book", coordinator.username)
    output = capsys.readouterr().out
    assert "greedy" in output and "cp-sat" in output
    booked = Appointment.objects.filter(pathway=pathway, status=AppointmentStatus.BOOKED)
    assert booked.count() >= 2  # the diagnostic day: consultation and CT
    assert f"{booked.count()} rendez-vous réservés." in output


def test_it_refuses_an_unknown_coordinator(db):
    """--book needs an active coordinator: a clear error, nothing booked."""
    with pytest.raises(CommandError):
        call_command("plan_week", "--book", "personne")
    assert not Appointment.objects.exists()
