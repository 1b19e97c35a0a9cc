"""Booking pathway steps on slots through `appointments_book`: the step's planned date follows, with an event
and an audit record; the priority rules on urgent and reserved slots; past slots and wrong resources
refused; all or nothing; cancel and reschedule keep the history; a closed pathway is read-only; and the
database itself refuses a second booked appointment on a slot."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction

from jalon.accounts.models import AuditAction, AuditRecord
from jalon.core.actor import Actor
from jalon.directory.models import Service
from jalon.events.models import Event
from jalon.pathways.models import Milestone
from jalon.pathways.services import pathway_close
from jalon.patients.models import CareTeamMember, CareTeamRole
from jalon.scheduling.errors import SchedulingError, SchedulingErrorCode
from jalon.scheduling.models import Appointment, AppointmentStatus
from jalon.scheduling.services import BookingRequest, appointment_cancel, appointments_book
from jalon.scheduling.tests.factories import book, bookable_pathway, local, resource_build, slot_build, step

pytestmark = pytest.mark.django_db

MONDAY_10H = local(2026, 11, 16, 10)
TUESDAY_9H = local(2026, 11, 17, 9)
TUESDAY_14H = local(2026, 11, 17, 14)


@pytest.fixture(autouse=True)
def clock():
    """Monday 16 November 2026, 10:00 in Paris; time stands still unless a test moves it."""
    with time_machine.travel(MONDAY_10H, tick=False) as traveller:
        yield traveller


@pytest.fixture
def consultation(hospital, specialist):
    pneumology = Service.objects.create(organization=hospital, name="Pneumologie", specialty="Pneumologie")
    return resource_build(
        hospital,
        kind="consultation",
        name="Consultation de pneumologie – Dr Pneumo",
        professional=specialist.professional,
        service=pneumology,
    )


@pytest.fixture
def ct(hospital):
    return resource_build(hospital, kind="ct", name="Scanner Nord")


@pytest.fixture
def pathway(submit, coordinator):
    """A P2 lung pathway on the test template (reception: consultation, imaging: CT, biopsy)."""
    return bookable_pathway(submit, coordinator, priority="P2")


@pytest.fixture
def other(submit, coordinator):
    """A second P2 lung pathway (another referral of the same patient)."""
    return bookable_pathway(submit, coordinator, priority="P2")


def refused(code: SchedulingErrorCode, user, pathway, *pairs, **options) -> SchedulingError:
    """Booking raises `code` and creates no appointment at all."""
    before = Appointment.objects.count()
    with pytest.raises(SchedulingError) as error:
        book(user, pathway, *pairs, **options)
    assert error.value.code == code
    assert Appointment.objects.count() == before
    return error.value


def booked_events(pathway):
    return Event.objects.filter(kind="appointment.booked", referral_id=pathway.referral_id)


# --- booking -------------------------------------------------------------------------------------


def test_booking_plans_the_steps_with_an_event_and_an_audit(coordinator, pathway, consultation, ct):
    """The diagnostic day (consultation at 9:00, CT at 14:00) booked in one group: the steps' planned dates
    are the slots' starts, one event per appointment, one audit record for the group, the consultation's
    doctor joins the care team."""
    morning, afternoon = slot_build(consultation, TUESDAY_9H), slot_build(ct, TUESDAY_14H)
    appointments = book(coordinator, pathway, ("reception", morning), ("imaging", afternoon))

    assert [a.slot for a in appointments] == [morning, afternoon]
    assert len({a.group for a in appointments}) == 1
    for appointment in appointments:
        appointment.refresh_from_db()
        assert appointment.status == AppointmentStatus.BOOKED
        assert appointment.pathway == pathway and appointment.booked_by == coordinator
        assert appointment.booked_at == MONDAY_10H and not appointment.used_reserved
    reception, imaging = step(pathway, "reception"), step(pathway, "imaging")
    assert reception.planned_at == TUESDAY_9H and reception.appointment_reference == consultation.name
    assert imaging.planned_at == TUESDAY_14H and imaging.appointment_reference == "Scanner Nord"
    assert step(pathway, "biopsy").planned_at is None

    events = list(booked_events(pathway).order_by("id"))
    assert [e.payload["milestone"] for e in events] == ["reception", "imaging"]
    assert events[1].payload["resource"] == "Scanner Nord" and events[1].payload["start"] == "2026-11-17T13:00:00+00:00"
    assert {e.payload["group"] for e in events} == {str(appointments[0].group)}
    assert all(e.actor == coordinator and e.patient_id == pathway.patient_id for e in events)
    audit = AuditRecord.objects.get(object_type="appointment", action=AuditAction.CREATE)
    assert (
        audit.patient_id == pathway.patient_id
        and audit.object_id == str(appointments[0].group)
        and audit.actor == coordinator
    )
    assert (
        CareTeamMember.objects.active()
        .filter(patient_id=pathway.patient_id, professional=consultation.professional, role=CareTeamRole.SPECIALIST)
        .exists()
    )


# --- priority rules -------------------------------------------------------------------------------


@pytest.fixture
def urgent_slot(ct):
    """An urgent CT slot on Tuesday 14:00, released to everyone 24 hours before (Monday 14:00)."""
    return slot_build(ct, TUESDAY_14H, urgent=True, release_at=TUESDAY_14H - timedelta(hours=24))


def test_an_urgent_slot_is_refused_to_a_p3_patient_before_its_release(coordinator, submit, urgent_slot):
    p3 = bookable_pathway(submit, coordinator, priority="P3")
    error = refused(SchedulingErrorCode.SLOT_NOT_ELIGIBLE, coordinator, p3, ("imaging", urgent_slot))
    assert error.code == "slot_not_eligible" and "urgence P1" in error.message
    assert step(p3, "imaging").planned_at is None


def test_an_urgent_slot_is_for_a_p1_patient_before_its_release(coordinator, submit, urgent_slot):
    p1 = bookable_pathway(submit, coordinator, priority="P1")
    (appointment,) = book(coordinator, p1, ("imaging", urgent_slot))
    assert appointment.used_reserved  # counts as an urgent slot used for the indicators


def test_an_urgent_slot_is_for_anyone_once_its_release_time_has_come(coordinator, submit, urgent_slot, clock):
    """At Monday 14:00 (24 hours before) the P3 patient may take it, even before the release job ran."""
    p3 = bookable_pathway(submit, coordinator, priority="P3")
    clock.move_to(local(2026, 11, 16, 14))
    (appointment,) = book(coordinator, p3, ("imaging", urgent_slot))
    assert not appointment.used_reserved


def test_a_slot_released_by_the_job_is_for_anyone(coordinator, submit, ct):
    slot = slot_build(ct, TUESDAY_14H, urgent=True, release_at=None, released_at=MONDAY_10H)
    p3 = bookable_pathway(submit, coordinator, priority="P3")
    (appointment,) = book(coordinator, p3, ("imaging", slot))
    assert not appointment.used_reserved


def test_an_urgent_slot_without_release_rule_stays_for_p1_patients(coordinator, submit, ct, clock):
    slot = slot_build(ct, TUESDAY_14H, urgent=True)
    p2 = bookable_pathway(submit, coordinator, priority="P2")
    clock.move_to(TUESDAY_14H - timedelta(hours=3))  # still no release, and beyond the lead time (2 h)
    refused(SchedulingErrorCode.SLOT_NOT_ELIGIBLE, coordinator, p2, ("imaging", slot))


@pytest.fixture
def pancreas_slot(ct):
    """A CT slot of the pancreas diagnostic day, Thursday 19 November 14:00, released 48 working hours
    before (Tuesday 17 November 14:00)."""
    start = local(2026, 11, 19, 14)
    return slot_build(ct, start, reserved_for=["pancreas_biliary"], release_at=local(2026, 11, 17, 14))


def test_a_reserved_slot_is_refused_to_another_pathway_kind_before_its_release(coordinator, pathway, pancreas_slot):
    refused(SchedulingErrorCode.SLOT_NOT_ELIGIBLE, coordinator, pathway, ("imaging", pancreas_slot))


def test_a_reserved_slot_is_for_its_pathway_kind(coordinator, submit, pancreas_slot):
    pancreas = bookable_pathway(submit, coordinator, kind="pancreas_biliary", priority="P3")
    (appointment,) = book(coordinator, pancreas, ("imaging", pancreas_slot))
    assert appointment.used_reserved


def test_a_reserved_slot_is_for_anyone_after_its_release(coordinator, pathway, pancreas_slot, clock):
    clock.move_to(local(2026, 11, 17, 14))
    (appointment,) = book(coordinator, pathway, ("imaging", pancreas_slot))
    assert not appointment.used_reserved


def test_a_blocked_slot_is_for_nobody(coordinator, submit, ct):
    slot = slot_build(ct, TUESDAY_14H, blocked=True, blocked_reason="Panne du scanner")
    p1 = bookable_pathway(submit, coordinator, priority="P1")
    refused(SchedulingErrorCode.SLOT_NOT_ELIGIBLE, coordinator, p1, ("imaging", slot))


# --- what is refused -----------------------------------------------------------------------------


def test_a_past_slot_is_refused(coordinator, pathway, ct):
    earlier = slot_build(ct, MONDAY_10H - timedelta(hours=2))
    starting_now = slot_build(ct, MONDAY_10H)
    error = refused(SchedulingErrorCode.SLOT_IN_PAST, coordinator, pathway, ("imaging", earlier))
    assert error.message == "Ce créneau est déjà passé."
    refused(SchedulingErrorCode.SLOT_IN_PAST, coordinator, pathway, ("imaging", starting_now))


def test_a_slot_of_the_wrong_resource_kind_is_refused(coordinator, pathway, consultation):
    """The CT step on a consultation slot."""
    refused(SchedulingErrorCode.WRONG_RESOURCE, coordinator, pathway, ("imaging", slot_build(consultation, TUESDAY_9H)))


def test_bad_requests_are_refused(coordinator, pathway, other, ct):
    slot = slot_build(ct, TUESDAY_14H)
    with pytest.raises(SchedulingError) as error:
        appointments_book(actor=Actor(user=coordinator), pathway=pathway, requests=[])
    assert error.value.code == SchedulingErrorCode.INVALID_INPUT
    with pytest.raises(SchedulingError) as error:  # a step of another pathway
        appointments_book(
            actor=Actor(user=coordinator),
            pathway=pathway,
            requests=[BookingRequest(milestone=step(other, "imaging"), slot=slot)],
        )
    assert error.value.code == SchedulingErrorCode.INVALID_INPUT
    refused(SchedulingErrorCode.INVALID_INPUT, coordinator, pathway, ("imaging", slot), ("biopsy", slot))
    assert not Appointment.objects.exists()


def test_a_closed_pathway_refuses_booking(coordinator, pathway, ct):
    pathway_close(actor=Actor(user=coordinator), pathway=pathway, reason="Patient pris en charge ailleurs")
    error = refused(SchedulingErrorCode.PATHWAY_CLOSED, coordinator, pathway, ("imaging", slot_build(ct, TUESDAY_14H)))
    assert error.message == "Ce parcours est clôturé."


# --- all or nothing ------------------------------------------------------------------------------


def test_a_group_whose_second_slot_is_taken_books_nothing(coordinator, pathway, other, consultation, ct):
    """The consultation is free but the CT slot went to another pathway: slot_taken, and no appointment,
    no planned date, no event, no audit for this pathway."""
    morning, afternoon = slot_build(consultation, TUESDAY_9H), slot_build(ct, TUESDAY_14H)
    book(coordinator, other, ("imaging", afternoon))
    audits = AuditRecord.objects.filter(object_type="appointment").count()

    error = refused(
        SchedulingErrorCode.SLOT_TAKEN, coordinator, pathway, ("reception", morning), ("imaging", afternoon)
    )
    assert "rien n'a été réservé" in error.message
    assert Appointment.objects.count() == 1
    assert not Appointment.objects.filter(pathway=pathway).exists()
    assert not morning.appointments.exists()
    assert step(pathway, "reception").planned_at is None and step(pathway, "imaging").planned_at is None
    assert not booked_events(pathway).exists()
    assert AuditRecord.objects.filter(object_type="appointment").count() == audits
    assert not CareTeamMember.objects.filter(professional=consultation.professional).exists()


def test_a_group_with_an_ineligible_slot_books_nothing(coordinator, pathway, consultation, ct):
    morning = slot_build(consultation, TUESDAY_9H)
    urgent = slot_build(ct, TUESDAY_14H, urgent=True)
    refused(SchedulingErrorCode.SLOT_NOT_ELIGIBLE, coordinator, pathway, ("reception", morning), ("imaging", urgent))
    assert step(pathway, "reception").planned_at is None


# --- cancel --------------------------------------------------------------------------------------


def test_cancelling_frees_the_slot_and_keeps_the_history(coordinator, pathway, other, ct, clock):
    slot = slot_build(ct, TUESDAY_14H)
    (first,) = book(coordinator, pathway, ("imaging", slot))
    clock.shift(timedelta(minutes=30))

    cancelled = appointment_cancel(
        actor=Actor(user=coordinator), appointment=first, reason="  Le patient est hospitalisé  "
    )
    assert cancelled.status == AppointmentStatus.CANCELLED
    assert cancelled.cancel_reason == "Le patient est hospitalisé"
    assert cancelled.cancelled_by == coordinator and cancelled.cancelled_at == MONDAY_10H + timedelta(minutes=30)
    imaging = step(pathway, "imaging")
    assert imaging.planned_at is None and imaging.appointment_reference == ""
    event = Event.objects.get(kind="appointment.cancelled", referral_id=pathway.referral_id)
    assert event.payload["reason"] == "Le patient est hospitalisé"
    assert AuditRecord.objects.filter(
        object_type="appointment", action=AuditAction.UPDATE, object_id=str(first.pk)
    ).exists()

    (second,) = book(coordinator, other, ("imaging", slot))  # the slot is free again
    assert sorted(slot.appointments.values_list("pathway_id", "status")) == sorted(
        [(pathway.pk, AppointmentStatus.CANCELLED), (other.pk, AppointmentStatus.BOOKED)]
    )
    assert step(other, "imaging").planned_at == TUESDAY_14H


@pytest.mark.parametrize("reason", ["", "   "])
def test_cancelling_requires_a_reason(coordinator, pathway, ct, reason):
    (appointment,) = book(coordinator, pathway, ("imaging", slot_build(ct, TUESDAY_14H)))
    with pytest.raises(SchedulingError) as error:
        appointment_cancel(actor=Actor(user=coordinator), appointment=appointment, reason=reason)
    assert error.value.code == SchedulingErrorCode.REASON_REQUIRED and error.value.field == "reason"
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    assert step(pathway, "imaging").planned_at == TUESDAY_14H


def test_cancelling_twice_is_refused(coordinator, pathway, ct):
    (appointment,) = book(coordinator, pathway, ("imaging", slot_build(ct, TUESDAY_14H)))
    appointment_cancel(actor=Actor(user=coordinator), appointment=appointment, reason="Erreur de saisie")
    with pytest.raises(SchedulingError) as error:
        appointment_cancel(actor=Actor(user=coordinator), appointment=appointment, reason="Encore")
    assert error.value.code == SchedulingErrorCode.NOT_BOOKED


# --- reschedule ----------------------------------------------------------------------------------


def test_rescheduling_cancels_the_old_appointment_and_books_the_new_one(coordinator, pathway, other, ct):
    old_slot, new_slot = slot_build(ct, TUESDAY_14H), slot_build(ct, local(2026, 11, 18, 15))
    (old,) = book(coordinator, pathway, ("imaging", old_slot))

    (new,) = book(coordinator, pathway, ("imaging", new_slot), replace_existing=True)
    old.refresh_from_db()
    assert (
        old.status == AppointmentStatus.CANCELLED
        and old.cancel_reason == "Reprogrammé"
        and old.cancelled_by == coordinator
    )
    assert new.status == AppointmentStatus.BOOKED and new.slot == new_slot and new.group != old.group
    assert step(pathway, "imaging").planned_at == new_slot.start
    assert list(Appointment.objects.filter(milestone=step(pathway, "imaging"), status=AppointmentStatus.BOOKED)) == [
        new
    ]
    assert Event.objects.filter(kind="appointment.cancelled", referral_id=pathway.referral_id).count() == 1
    book(coordinator, other, ("imaging", old_slot))  # the old slot is free


def test_rescheduling_onto_a_taken_slot_keeps_the_old_appointment(coordinator, pathway, other, ct):
    old_slot, new_slot = slot_build(ct, TUESDAY_14H), slot_build(ct, local(2026, 11, 18, 15))
    (old,) = book(coordinator, pathway, ("imaging", old_slot))
    book(coordinator, other, ("imaging", new_slot))

    refused(SchedulingErrorCode.SLOT_TAKEN, coordinator, pathway, ("imaging", new_slot), replace_existing=True)
    old.refresh_from_db()
    assert old.status == AppointmentStatus.BOOKED and old.cancelled_at is None
    assert step(pathway, "imaging").planned_at == TUESDAY_14H
    assert not Event.objects.filter(kind="appointment.cancelled").exists()


def test_without_replace_existing_a_booked_step_is_refused(coordinator, pathway, ct):
    """A plain booking of a step that already has an appointment is refused (already_booked): the planner
    asks to reschedule instead; the existing appointment stays."""
    first_slot, second_slot = slot_build(ct, TUESDAY_14H), slot_build(ct, local(2026, 11, 18, 15))
    (first,) = book(coordinator, pathway, ("imaging", first_slot))
    refused(SchedulingErrorCode.ALREADY_BOOKED, coordinator, pathway, ("imaging", second_slot))
    assert list(Appointment.objects.filter(pathway=pathway, status=AppointmentStatus.BOOKED)) == [first]
    assert step(pathway, "imaging").planned_at == TUESDAY_14H


# --- the database guarantee -----------------------------------------------------------------------


def test_the_database_refuses_a_second_booked_appointment_on_a_slot(coordinator, pathway, other, ct):
    """Not a check in Python: a direct insert of a second booked appointment fails in the database;
    cancelled appointments do not count."""
    slot = slot_build(ct, TUESDAY_14H)
    imaging, other_imaging = step(pathway, "imaging"), step(other, "imaging")

    def create(pathway_, milestone, status=AppointmentStatus.BOOKED):
        return Appointment.objects.create(
            slot=slot, pathway=pathway_, milestone=milestone, group=uuid.uuid4(), booked_by=coordinator, status=status
        )

    create(pathway, imaging, AppointmentStatus.CANCELLED)
    create(other, other_imaging, AppointmentStatus.CANCELLED)
    create(pathway, imaging)
    with pytest.raises(IntegrityError), transaction.atomic():
        create(other, other_imaging)
    with pytest.raises(IntegrityError), transaction.atomic():
        create(pathway, imaging)
    assert slot.appointments.filter(status=AppointmentStatus.BOOKED).count() == 1
    assert slot.appointments.count() == 3


def test_the_database_refuses_to_book_a_cancelled_appointment_back_onto_a_taken_slot(coordinator, pathway, other, ct):
    slot = slot_build(ct, TUESDAY_14H)
    (first,) = book(coordinator, pathway, ("imaging", slot))
    appointment_cancel(actor=Actor(user=coordinator), appointment=first, reason="Annulé par le patient")
    book(coordinator, other, ("imaging", slot))
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.filter(pk=first.pk).update(status=AppointmentStatus.BOOKED)
    assert Milestone.objects.get(pk=step(other, "imaging").pk).planned_at == TUESDAY_14H


# --- the admin -----------------------------------------------------------------------------------


def test_the_admin_lists_resources_slots_and_appointments_read_only(
    client, admin_user, coordinator, pathway, consultation, ct
):
    """Resources with their openings and closures, slots with their filters, appointments readable but
    neither added nor deleted there (booking goes through the services)."""
    from django.urls import reverse

    (appointment,) = book(coordinator, pathway, ("imaging", slot_build(ct, TUESDAY_14H)))
    slot_build(ct, local(2026, 11, 18, 14), reserved_for=["lung"], release_at=local(2026, 11, 16, 14))
    slot_build(ct, local(2026, 11, 18, 17), urgent=True)
    client.force_login(admin_user)
    page = client.get(reverse("admin:scheduling_resource_change", args=[ct.pk]))
    assert (
        page.status_code == 200 and b"openings-TOTAL_FORMS" in page.content and b"closures-TOTAL_FORMS" in page.content
    )
    for query in (
        "",
        "?reservation=reserved",
        "?reservation=urgent",
        "?reservation=open",
        "?resource__kind__exact=ct",
        "?blocked__exact=1",
    ):
        assert client.get(reverse("admin:scheduling_slot_changelist") + query).status_code == 200
    listed = client.get(reverse("admin:scheduling_slot_changelist") + "?reservation=reserved").context["cl"].result_list
    assert [slot.reserved_for for slot in listed] == [["lung"]]
    assert client.get(reverse("admin:scheduling_appointment_changelist")).status_code == 200
    change = client.get(reverse("admin:scheduling_appointment_change", args=[appointment.pk]))
    assert (
        change.status_code == 200
        and not change.context["has_add_permission"]
        and not change.context["has_delete_permission"]
    )
    assert client.get(reverse("admin:scheduling_appointment_add")).status_code == 403
    assert client.get(reverse("admin:scheduling_slotrelease_changelist")).status_code == 200
