"""Scheduling in a real browser: the coordinator opens the planner of a new lung pathway, books the proposed
diagnostic day (consultation in the morning, CT in the afternoon), finds the booked CT slot in the
availability grid, and downloads the patient's letter. The clock is moved, never slept."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from jalon.scheduling.models import Appointment, AppointmentStatus
from jalon.scheduling.tests.test_scheduling_pages import CONSULTATION, CT, lung_pathway, lung_resources
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PARIS = ZoneInfo("Europe/Paris")
# No public holiday in Alsace in the next two weeks; early enough that Monday's first consultation (9 h)
# is beyond the booking lead time (2 h), so the diagnostic day proposed first is today's.
MONDAY_6H30 = datetime(2026, 11, 30, 6, 30, tzinfo=PARIS)


def test_it_books_a_diagnostic_day_and_downloads_the_letter(new_page, coordinator, hospital, submit):
    """Planner → book proposal 1 → the pathway lists both appointments → the grid shows the CT slot booked → the letter
    is a PDF."""
    with time_machine.travel(MONDAY_6H30, tick=True):
        lung_resources(hospital, days=7)
        pathway = lung_pathway(submit, coordinator)
        reference = pathway.referral.reference

        page = new_page()
        login(page, coordinator.username)
        page.goto(reverse("pathways:detail", args=[reference]))
        appointments = page.get_by_role("region", name="Rendez-vous", exact=True)
        expect(appointments.get_by_text("Aucun rendez-vous réservé dans Jalon.")).to_be_visible()
        appointments.get_by_role("link", name="Planifier").click()

        expect(page.get_by_role("heading", name=f"Planifier les rendez-vous – {reference}")).to_be_visible()
        for number in (1, 2, 3):
            expect(page.get_by_role("region", name=f"Proposition {number}")).to_be_visible()
        first = page.get_by_role("region", name="Proposition 1")
        expect(first.get_by_text("Journée diagnostique", exact=True)).to_be_visible()
        expect(first.get_by_role("row").filter(has_text=CONSULTATION["name"])).to_contain_text("journée diagnostique")
        expect(first.get_by_role("row").filter(has_text=CT["name"])).to_contain_text(CT["location"])
        screenshot(page, "scheduling-planner")
        first.get_by_role("button", name="Réserver cette proposition").click()

        expect(page.get_by_text("Rendez-vous réservés.")).to_be_visible()
        expect(page.get_by_role("heading", name=f"Parcours {reference}")).to_be_visible()
        booked = list(
            Appointment.objects.filter(pathway=pathway, status=AppointmentStatus.BOOKED).select_related(
                "slot__resource"
            )
        )
        assert {appointment.slot.resource.name for appointment in booked} == {CONSULTATION["name"], CT["name"]}
        assert len({timezone.localdate(appointment.slot.start) for appointment in booked}) == 1  # one diagnostic day
        for appointment in booked:
            row = appointments.get_by_role("row").filter(has_text=appointment.slot.resource.name)
            expect(row).to_contain_text("Réservé")
            expect(row.get_by_role("link", name="Reprogrammer")).to_be_visible()
        screenshot(page, "scheduling-pathway-booked")

        ct_appointment = next(appointment for appointment in booked if appointment.slot.resource.name == CT["name"])
        page.get_by_role("link", name="Disponibilités").click()
        expect(page.get_by_role("heading", name="Disponibilités", exact=True)).to_be_visible()
        page.get_by_label("Type de ressource", exact=True).select_option(label="Scanner (TDM)")
        page.get_by_label("Semaine du", exact=True).fill(f"{timezone.localdate(ct_appointment.slot.start):%Y-%m-%d}")
        page.get_by_role("button", name="Afficher").click()
        grid = page.get_by_role("table", name="Créneaux Scanner (TDM)")
        expect(
            grid.get_by_role(
                "columnheader", name=f"{timezone.localtime(ct_appointment.slot.start):%d}", exact=False
            ).first
        ).to_be_visible()
        time_row = grid.get_by_role("row").filter(
            has=page.get_by_role("rowheader", name=f"{timezone.localtime(ct_appointment.slot.start):%H:%M}")
        )
        booked_slot = time_row.get_by_role("listitem").filter(has_text=reference)
        expect(booked_slot).to_contain_text(f"{CT['name']} : Réservé")
        expect(grid.get_by_role("listitem").filter(has_text="Libre").first).to_be_visible()
        screenshot(page, "scheduling-availability")

        page.goto(reverse("pathways:detail", args=[reference]))
        with page.expect_download() as download_info:
            page.get_by_role("link", name="Lettre de rendez-vous au patient (PDF)").click()
        download = download_info.value
        assert download.suggested_filename == f"rendez-vous-{reference}.pdf"
        with open(download.path(), "rb") as letter:
            assert letter.read(5) == b"%PDF-"
