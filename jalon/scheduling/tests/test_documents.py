"""The patient's appointment letter (PDF: date in words, place, preparation, contact; INS only when the
identity is qualified) and the professionals' calendar (ICS: stable UIDs, UTC times across a DST change,
no patient name), and their downloads from the pathway page (audited, 404 for outsiders)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from jalon.accounts.models import AuditAction, AuditRecord
from jalon.core.actor import Actor
from jalon.core.formatting import when_in_words
from jalon.patients.models import IdentityStatus, Patient
from jalon.scheduling.documents import appointment_letter_pdf, appointments_ics
from jalon.scheduling.models import Slot
from jalon.scheduling.selectors import booked_appointments_of, booking_group_of
from jalon.scheduling.services import BookingRequest, appointments_book
from jalon.scheduling.tests.test_scheduling_pages import CONSULTATION, CT, lung_pathway, lung_resources
from jalon.testing.pdf import pdf_text  # noqa: F401 - imported from here by other tests

PARIS = ZoneInfo("Europe/Paris")


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(autouse=True)
def uncompressed_pdf(monkeypatch):
    """reportlab writes plain, reproducible content streams in these tests (text readable without a PDF library)."""
    from reportlab import rl_config

    monkeypatch.setattr(rl_config, "pageCompression", 0)
    monkeypatch.setattr(rl_config, "invariant", 1)


def book_at(pathway, coordinator, *moments: tuple[str, datetime]):
    """Book the steps (by code) on the slots starting at these moments, in one group."""
    requests = [
        BookingRequest(
            milestone=pathway.milestones.get(code=code), slot=Slot.objects.select_related("resource").get(start=moment)
        )
        for code, moment in moments
    ]
    return appointments_book(actor=Actor(user=coordinator), pathway=pathway, requests=requests)


@pytest.fixture
def diagnostic_day(submit, coordinator, hospital):
    """A lung pathway with its diagnostic day booked on Tuesday 1 December 2026: consultation at 9 h, CT at 14 h."""
    with time_machine.travel(datetime(2026, 11, 30, 10, 0, tzinfo=PARIS), tick=False):
        lung_resources(hospital, days=7)
        pathway = lung_pathway(submit, coordinator)
        appointments = book_at(
            pathway,
            coordinator,
            ("reception", datetime(2026, 12, 1, 9, 0, tzinfo=PARIS)),
            ("imaging", datetime(2026, 12, 1, 14, 0, tzinfo=PARIS)),
        )
    return pathway, appointments


def letter_of(pathway, group) -> str:
    pathway.referral.refresh_from_db()
    pathway.patient.refresh_from_db()
    content = appointment_letter_pdf(pathway=pathway, appointments=booking_group_of(pathway, group))
    assert content.startswith(b"%PDF")
    return pdf_text(content)


def test_it_writes_the_date_in_words():
    assert when_in_words(datetime(2026, 12, 1, 13, 0, tzinfo=UTC)) == "mardi 1 décembre 2026 à 14 h 00"
    assert when_in_words(datetime(2026, 7, 14, 7, 5, tzinfo=UTC)) == "mardi 14 juillet 2026 à 9 h 05"


def test_it_writes_a_real_pdf_letter_with_date_place_preparation_and_contact(diagnostic_day):
    """Every appointment of the group: its date in words, its place with the organisation, its preparation and phone."""
    pathway, appointments = diagnostic_day
    text = letter_of(pathway, appointments[0].group)
    assert "Jalon" in text and pathway.patient.display_name in text and pathway.referral.reference in text
    assert "Mardi 1 décembre 2026 à 9 h 00" in text
    assert "Mardi 1 décembre 2026 à 14 h 00" in text
    for resource in (CONSULTATION, CT):
        assert squeeze(f"{resource['location']}, Hôpital de Hautepierre") in text
        assert squeeze(resource["preparation"]) in text
        assert resource["contact_phone"] in text


def test_it_gives_the_entry_points_phone_when_the_resource_has_none(diagnostic_day):
    pathway, appointments = diagnostic_day
    entry_point = pathway.referral.entry_point
    type(entry_point).objects.filter(pk=entry_point.pk).update(phone="03 88 99 99 99")
    appointments[0].slot.resource.__class__.objects.filter(kind="ct").update(contact_phone="")
    text = letter_of(pathway, appointments[0].group)
    assert "03 88 99 99 99" in text and CONSULTATION["contact_phone"] in text


def test_it_hides_the_ins_unless_the_identity_is_qualified(diagnostic_day):
    """A provisional identity keeps its INS inside Jalon; a qualified one may print it."""
    pathway, appointments = diagnostic_day
    patient = Patient.objects.get(pk=pathway.patient_id)
    assert patient.ins and patient.identity_status != IdentityStatus.QUALIFIED
    text = letter_of(pathway, appointments[0].group)
    assert patient.ins not in text and "INS" not in text

    Patient.objects.filter(pk=patient.pk).update(identity_status=IdentityStatus.QUALIFIED)
    text = letter_of(pathway, appointments[0].group)
    assert f"INS : {patient.ins}" in text


def test_it_writes_an_ics_in_utc_across_a_dst_change(submit, coordinator, hospital):
    """Friday 23 October 2026 9 h in Paris is 7 h UTC (summer time); Monday 26 October 14 h is 13 h UTC
    (winter time). The summary is the reference and the exam, never the patient; UIDs are stable."""
    with time_machine.travel(datetime(2026, 10, 19, 10, 0, tzinfo=PARIS), tick=False):
        lung_resources(hospital, days=10)
        pathway = lung_pathway(submit, coordinator)
        book_at(pathway, coordinator, ("reception", datetime(2026, 10, 23, 9, 0, tzinfo=PARIS)))
        book_at(pathway, coordinator, ("imaging", datetime(2026, 10, 26, 14, 0, tzinfo=PARIS)))
    pathway.referral.refresh_from_db()
    content = appointments_ics(pathway=pathway, appointments=booked_appointments_of(pathway))
    assert b"DTSTART:20261023T070000Z" in content and b"DTSTART:20261026T130000Z" in content

    events = Calendar.from_ical(content).walk("VEVENT")
    assert [(e.decoded("dtstart"), e.decoded("dtend")) for e in events] == [
        (datetime(2026, 10, 23, 7, 0, tzinfo=UTC), datetime(2026, 10, 23, 7, 30, tzinfo=UTC)),
        (datetime(2026, 10, 26, 13, 0, tzinfo=UTC), datetime(2026, 10, 26, 13, 30, tzinfo=UTC)),
    ]
    reference = pathway.referral.reference
    assert [str(e["summary"]) for e in events] == [f"{reference} – Consultation", f"{reference} – Scanner (TDM)"]
    assert str(events[1]["location"]).startswith(CT["location"])
    patient = pathway.patient
    text = content.decode()
    assert patient.birth_name.upper() not in text.upper() and patient.first_names.split()[0] not in text
    again = Calendar.from_ical(appointments_ics(pathway=pathway, appointments=booked_appointments_of(pathway))).walk(
        "VEVENT"
    )
    assert [str(e["uid"]) for e in again] == [str(e["uid"]) for e in events]
    assert len({str(e["uid"]) for e in events}) == 2


# --- downloads from the pathway page ---------------------------------------------------------------


def test_it_downloads_the_letter_and_the_calendar_from_the_pathway_page(client, coordinator, diagnostic_day):
    """The pathway page links both documents; each download is audited."""
    pathway, appointments = diagnostic_day
    client.force_login(coordinator)
    reference = pathway.referral.reference
    page = client.get(reverse("pathways:detail", args=[reference])).content.decode()
    letter_url = reverse("scheduling:letter", args=[reference, appointments[0].group])
    calendar_url = reverse("scheduling:calendar", args=[reference])
    assert letter_url in page and calendar_url in page

    response = client.get(letter_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and "attachment" in response["Content-Disposition"]
    response = client.get(calendar_url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    assert len(Calendar.from_ical(response.content).walk("VEVENT")) == 2
    downloads = AuditRecord.objects.filter(patient_id=pathway.patient_id, action=AuditAction.DOWNLOAD)
    assert set(downloads.values_list("object_type", flat=True)) == {"appointment.letter", "appointment.calendar"}


def test_it_hides_the_documents_from_outsiders(client, diagnostic_day, other_gp, coordinator_elsewhere):
    pathway, appointments = diagnostic_day
    reference = pathway.referral.reference
    for outsider in (other_gp, coordinator_elsewhere):
        client.force_login(outsider)
        assert client.get(reverse("scheduling:letter", args=[reference, appointments[0].group])).status_code == 404
        assert client.get(reverse("scheduling:calendar", args=[reference])).status_code == 404


def test_it_answers_404_for_an_unknown_or_cancelled_group(client, coordinator, diagnostic_day):
    pathway, appointments = diagnostic_day
    client.force_login(coordinator)
    reference = pathway.referral.reference
    assert (
        client.get(reverse("scheduling:letter", args=[reference, "00000000-0000-0000-0000-000000000000"])).status_code
        == 404
    )
    assert client.get(f"/planification/{reference}/lettre/{'z' * 36}/").status_code == 404
    assert client.get(f"/planification/{reference}/lettre/{'-' * 36}/").status_code == 404
