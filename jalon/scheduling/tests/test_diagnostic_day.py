"""Diagnostic days a patient can attend (issue 14, item 5): one site (or campus) per same-day group, the
resource of the step's specialty, no slot within the lead time, nothing outside the entry point's reach,
and closures added after the slots were generated."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from django.urls import reverse

from jalon.core.actor import Actor
from jalon.directory.models import Service
from jalon.messaging.models import OutboxMessage
from jalon.pathways.tests.factories import pathway_build, template_version_build
from jalon.referrals.models import Referral
from jalon.scheduling.batch import PlanningRequest, assignment_problems, plan_batch, plan_greedy
from jalon.scheduling.errors import SchedulingError, SchedulingErrorCode
from jalon.scheduling.models import Appointment, AppointmentStatus, Campus, CampusSite, Closure, Slot
from jalon.scheduling.planner import SlotFact, propose_plans
from jalon.scheduling.services import closure_add
from jalon.scheduling.tests.factories import book, local, resource_build, slot_build, step
from jalon.testing.factories import OrganizationFactory

MONDAY_10H = local(2026, 11, 16, 10)
TUESDAY = date(2026, 11, 17)

STEPS = [
    dict(
        code="reception",
        label="Première consultation de pneumologie (accueil)",
        responsible_role="specialist",
        resource_kind="consultation",
        same_day_group="diagnostic_day",
        specialty="pneumology",
    ),
    dict(
        code="imaging",
        label="Scanner thoracique",
        responsible_role="radiologist",
        resource_kind="ct",
        same_day_group="diagnostic_day",
    ),
]


@pytest.fixture(autouse=True)
def clock():
    """Monday 16 November 2026, 10 h in Paris; time stands still."""
    with time_machine.travel(MONDAY_10H, tick=False) as traveller:
        yield traveller


@pytest.fixture
def pathway(submit, coordinator):
    """A lung pathway of the CPTS entry point (Bas-Rhin) whose reception needs a pneumologist, with the CT
    on the same diagnostic day."""
    template_version_build([dict(row) for row in STEPS], kind="lung")
    return pathway_build(submit, user=coordinator, kind="lung", priority="P1")


@pytest.fixture
def clinic(strasbourg):
    """A second site of the same city, 70 km of traffic away for all the planner knows."""
    return OrganizationFactory(name="Clinique du Rhin", commune=strasbourg)


def consultation(organization, specialty: str = "Pneumologie"):
    service, _created = Service.objects.get_or_create(
        organization=organization, name=specialty, defaults={"specialty": specialty}
    )
    return resource_build(
        organization,
        kind="consultation",
        name=f"Consultation de {specialty.lower()} – {organization.name}",
        service=service,
    )


def ct(organization, name: str = "Scanner"):
    return resource_build(organization, kind="ct", name=f"{name} – {organization.name}")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return local(day.year, day.month, day.day, hour, minute)


def plan_places(plan) -> list[tuple[str, datetime]]:
    return [(booking.resource_name, booking.start) for booking in plan.bookings]


# --- one site per diagnostic day -----------------------------------------------------------------
def test_the_planner_keeps_the_diagnostic_day_at_one_site(pathway, hospital, clinic):
    """The clinic's earlier CT is not proposed with the hospital's consultation: the day stays at the hospital."""
    slot_build(consultation(hospital), at(TUESDAY, 9))
    slot_build(ct(clinic), at(TUESDAY, 14))
    slot_build(ct(hospital), at(TUESDAY, 16))
    (best, *_others) = propose_plans(pathway=pathway)
    assert plan_places(best) == [
        ("Consultation de pneumologie – Hôpital de Hautepierre", at(TUESDAY, 9)),
        ("Scanner – Hôpital de Hautepierre", at(TUESDAY, 16)),
    ]


def test_the_planner_proposes_no_day_split_between_two_sites(pathway, hospital, clinic):
    """A consultation here and a CT only there the same day is no diagnostic day at all."""
    slot_build(consultation(hospital), at(TUESDAY, 9))
    slot_build(ct(clinic), at(TUESDAY, 14))
    assert propose_plans(pathway=pathway) == []


def test_the_planner_may_use_two_sites_of_one_campus(pathway, hospital, clinic):
    """Sites the manager declares one campus count as one site: the earlier CT of the clinic is proposed."""
    campus = Campus.objects.create(name="Campus de l'Esplanade")
    CampusSite.objects.create(campus=campus, organization=hospital)
    CampusSite.objects.create(campus=campus, organization=clinic)
    slot_build(consultation(hospital), at(TUESDAY, 9))
    slot_build(ct(clinic), at(TUESDAY, 14))
    slot_build(ct(hospital), at(TUESDAY, 16))
    (best, *_others) = propose_plans(pathway=pathway)
    assert plan_places(best)[1] == ("Scanner – Clinique du Rhin", at(TUESDAY, 14))


def test_manual_booking_refuses_a_day_split_between_two_sites(pathway, coordinator, hospital, clinic):
    """Booking by hand a consultation here and a CT there the same day: a French error, nothing booked;
    nor can the CT be added there later to a consultation booked here."""
    visit = slot_build(consultation(hospital), at(TUESDAY, 9))
    scan = slot_build(ct(clinic), at(TUESDAY, 14))
    with pytest.raises(SchedulingError) as refusal:
        book(coordinator, pathway, ("reception", visit), ("imaging", scan))
    assert refusal.value.code == SchedulingErrorCode.SITES_APART
    assert "Clinique du Rhin et Hôpital de Hautepierre" in refusal.value.message and "campus" in refusal.value.message
    assert not Appointment.objects.exists()
    book(coordinator, pathway, ("reception", visit))
    with pytest.raises(SchedulingError) as refusal:
        book(coordinator, pathway, ("imaging", scan))
    assert refusal.value.code == SchedulingErrorCode.SITES_APART
    assert Appointment.objects.filter(status=AppointmentStatus.BOOKED).count() == 1


def test_manual_booking_accepts_two_sites_of_one_campus(pathway, coordinator, hospital, clinic):
    campus = Campus.objects.create(name="Campus de l'Esplanade")
    CampusSite.objects.bulk_create(
        [CampusSite(campus=campus, organization=hospital), CampusSite(campus=campus, organization=clinic)]
    )
    booked = book(
        coordinator,
        pathway,
        ("reception", slot_build(consultation(hospital), at(TUESDAY, 9))),
        ("imaging", slot_build(ct(clinic), at(TUESDAY, 14))),
    )
    assert len(booked) == 2


def test_the_batch_planner_keeps_a_same_day_group_at_one_site():
    """The week's batch plan (CP-SAT and the greedy baseline) never splits a diagnostic day between sites."""
    monday = MONDAY_10H
    slots = [
        SlotFact(
            id=1, resource_kind="consultation", start=at(TUESDAY, 9), end=at(TUESDAY, 9, 30), site="organization-1"
        ),
        SlotFact(id=2, resource_kind="ct", start=at(TUESDAY, 14), end=at(TUESDAY, 14, 30), site="organization-2"),
        SlotFact(id=3, resource_kind="ct", start=at(TUESDAY, 16), end=at(TUESDAY, 16, 30), site="organization-1"),
    ]
    request = PlanningRequest("r", "lung", "P1", monday, [("r-c", "consultation", "day"), ("r-ct", "ct", "day")])
    for result in (
        plan_batch(requests=[request], slots=slots, now=monday, time_limit_seconds=2),
        plan_greedy(requests=[request], slots=slots, now=monday),
    ):
        assert result.assignments["r"] == [("r-c", 1), ("r-ct", 3)]
        assert assignment_problems(requests=[request], slots=slots, assignments=result.assignments, now=monday) == []


# --- the specialty of the booked resource --------------------------------------------------------
def test_the_planner_books_the_reception_on_a_resource_of_its_specialty(pathway, hospital):
    """The oncology clinic's earlier consultation is not proposed for a pneumology reception."""
    slot_build(consultation(hospital, "Oncologie médicale"), at(TUESDAY, 8, 30))
    slot_build(consultation(hospital), at(TUESDAY, 10))
    slot_build(ct(hospital), at(TUESDAY, 14))
    (best, *_others) = propose_plans(pathway=pathway)
    assert plan_places(best)[0] == ("Consultation de pneumologie – Hôpital de Hautepierre", at(TUESDAY, 10))


def test_manual_booking_refuses_a_resource_of_another_specialty(pathway, coordinator, hospital):
    oncology = slot_build(consultation(hospital, "Oncologie médicale"), at(TUESDAY, 8, 30))
    without_service = slot_build(
        resource_build(hospital, kind="consultation", name="Consultation sans service"), at(TUESDAY, 9)
    )
    for slot in (oncology, without_service):
        with pytest.raises(SchedulingError) as refusal:
            book(coordinator, pathway, ("reception", slot))
        assert refusal.value.code == SchedulingErrorCode.WRONG_SPECIALTY
        assert "pneumologie" in refusal.value.message
    assert not Appointment.objects.exists()


# --- the lead time -------------------------------------------------------------------------------
def test_no_slot_within_the_lead_time_is_proposed(pathway, hospital, settings):
    """At 10 h, today's 11 h consultation is too soon (2 h by default): Tuesday is proposed; with a lead
    time of 30 minutes, today is."""
    pneumology, scanner = consultation(hospital), ct(hospital)
    slot_build(pneumology, at(MONDAY_10H.date(), 11))
    slot_build(scanner, at(MONDAY_10H.date(), 14))
    slot_build(pneumology, at(TUESDAY, 9))
    slot_build(scanner, at(TUESDAY, 14))
    assert [plan.day for plan in propose_plans(pathway=pathway)] == [TUESDAY]
    settings.SCHEDULING_LEAD_TIME_MINUTES = 30
    assert [plan.day for plan in propose_plans(pathway=pathway)] == [MONDAY_10H.date(), TUESDAY]


def test_a_slot_within_the_lead_time_cannot_be_booked(pathway, coordinator, hospital, clock):
    slot = slot_build(consultation(hospital), at(TUESDAY, 9))
    clock.move_to(at(TUESDAY, 7, 30))
    with pytest.raises(SchedulingError) as refusal:
        book(coordinator, pathway, ("reception", slot))
    assert refusal.value.code == SchedulingErrorCode.SLOT_TOO_SOON
    assert "120 minutes" in refusal.value.message
    assert not Appointment.objects.exists()


# --- the entry point's reach ---------------------------------------------------------------------
def test_the_planner_proposes_no_site_outside_the_entry_points_departments(pathway, hospital, paris):
    """A Paris site (or a synthetic region's) with earlier slots is never proposed to a Bas-Rhin entry point."""
    far = OrganizationFactory(name="Site synthétique 1", commune=paris)
    slot_build(consultation(far), at(MONDAY_10H.date(), 14))
    slot_build(ct(far), at(MONDAY_10H.date(), 16))
    slot_build(consultation(hospital), at(TUESDAY, 9))
    slot_build(ct(hospital), at(TUESDAY, 14))
    plans = propose_plans(pathway=pathway)
    assert plans and all("Site synthétique" not in name for plan in plans for name, _start in plan_places(plan))


# --- closures added after the slots were generated -----------------------------------------------
@pytest.fixture
def booked_day(pathway, coordinator, hospital):
    """The diagnostic day booked on Tuesday at the hospital: consultation at 9 h, CT at 14 h."""
    scanner = ct(hospital)
    slot_build(scanner, at(TUESDAY, 15))  # another slot of the same day, free
    return book(
        coordinator,
        pathway,
        ("reception", slot_build(consultation(hospital), at(TUESDAY, 9))),
        ("imaging", slot_build(scanner, at(TUESDAY, 14))),
    )


def test_a_closure_blocks_the_days_slots_and_returns_the_appointments_booked_on_them(booked_day, coordinator, pathway):
    _visit, scan = booked_day
    scanner = scan.slot.resource
    affected = closure_add(actor=Actor(user=coordinator), day=TUESDAY, reason="Scanner en panne", resource=scanner)
    assert [appointment.pk for appointment in affected] == [scan.pk]
    assert Closure.objects.filter(resource=scanner, day=TUESDAY).exists()
    assert set(scanner.slots.values_list("blocked", "blocked_reason")) == {(True, "Scanner en panne")}
    assert not Slot.objects.get(pk=_visit.slot_id).blocked  # the consultation is untouched
    assert propose_plans(pathway=pathway, milestones=[step(pathway, "imaging")]) == []  # nothing left that day
    assert (
        closure_add(actor=Actor(user=coordinator), day=TUESDAY, reason="Scanner en panne", resource=scanner) == affected
    )


def test_a_site_closure_blocks_every_resource_of_the_site(booked_day, coordinator, hospital):
    affected = closure_add(
        actor=Actor(user=coordinator), day=TUESDAY, reason="Pont de l'Armistice", organization=hospital
    )
    assert {appointment.pk for appointment in affected} == {appointment.pk for appointment in booked_day}


def test_the_closures_page_lists_the_appointments_to_rebook(
    booked_day, client, coordinator, coordinator_elsewhere, hospital
):
    """The coordination of the pathway's entry point sees them with the reason and a link to reschedule;
    a coordinator of another organisation sees none of them."""
    _visit, scan = booked_day
    closure_add(actor=Actor(user=coordinator), day=TUESDAY, reason="Scanner en panne", resource=scan.slot.resource)
    client.force_login(coordinator)
    page = client.get(reverse("scheduling:closures")).content.decode()
    assert "Rendez-vous à reprogrammer" in page and "Scanner en panne" in page
    assert booked_day[0].pathway.patient.display_name in page
    assert f"?reprogrammer={scan.milestone_id}" in page
    client.force_login(coordinator_elsewhere)
    page = client.get(reverse("scheduling:closures")).content.decode()
    assert "Aucun rendez-vous à reprogrammer." in page and "Scanner en panne" not in page


def test_the_closures_page_records_a_closure_of_the_users_site(client, coordinator_elsewhere, hospital):
    scanner = ct(hospital)
    slot = slot_build(scanner, at(TUESDAY, 14))
    client.force_login(coordinator_elsewhere)
    response = client.post(
        reverse("scheduling:closures"), {"ressource": scanner.pk, "jour": "17/11/2026", "motif": "Scanner en panne"}
    )
    assert response.status_code == 302
    slot.refresh_from_db()
    assert slot.blocked


def test_the_closures_page_refuses_a_form_without_resource_nor_site(client, coordinator_elsewhere, hospital):
    ct(hospital)
    client.force_login(coordinator_elsewhere)
    response = client.post(reverse("scheduling:closures"), {"jour": "17/11/2026", "motif": "Férié"})
    assert response.status_code == 400
    assert "Choisissez une ressource" in response.content.decode()
    assert not Closure.objects.exists()


def test_rebooking_after_a_closure_tells_the_referrer_the_gp_and_the_patient(
    booked_day, coordinator, pathway, hospital
):
    """Moved to another CT of the same site the same day: the city hears it as a rebooking with its
    reason, the patient by SMS without clinical detail; the closure list is empty again."""
    _visit, scan = booked_day
    closure_add(actor=Actor(user=coordinator), day=TUESDAY, reason="Scanner en panne", resource=scan.slot.resource)
    other = slot_build(ct(hospital, "Scanner 2"), at(TUESDAY, 15))
    before = set(OutboxMessage.objects.values_list("pk", flat=True))
    book(coordinator, pathway, ("imaging", other), replace_existing=True)
    sent = OutboxMessage.objects.exclude(pk__in=before)
    city = sent.filter(kind="appointment.rebooked")
    assert city.exists() and all("Scanner en panne" in message.body for message in city.filter(channel="mssante"))
    (sms,) = sent.filter(kind="appointment.rebooked_patient")
    assert sms.channel == "sms" and sms.recipient_address == pathway.patient.phone
    assert "mardi 17 novembre" in sms.body and "Scanner" not in sms.body
    assert not sent.filter(kind="appointment.changed").exists()
    scan.refresh_from_db()
    assert scan.status == AppointmentStatus.CANCELLED


# --- the availability grid of a synthetic site ---------------------------------------------------
def test_the_grid_links_a_synthetic_sites_booking(client, coordinator, pathway, hospital):
    """A booking whose reference is a synthetic population's (SYN-<seed>-<run>-N) no longer breaks the grid."""
    Referral.objects.filter(pk=pathway.referral_id).update(reference="SYN-7-1-000001")
    pathway.referral.refresh_from_db()
    book(coordinator, pathway, ("reception", slot_build(consultation(hospital), at(TUESDAY, 9))))
    client.force_login(coordinator)
    response = client.get(reverse("scheduling:availability") + "?kind=consultation&semaine=2026-11-16")
    assert response.status_code == 200
    assert 'href="/parcours/SYN-7-1-000001/"' in response.content.decode()
    assert client.get(reverse("pathways:detail", args=["SYN-7-1-000001"])).status_code == 200
