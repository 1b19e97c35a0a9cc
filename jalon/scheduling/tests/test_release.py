"""The release job: reserved and urgent slots still free at their release time go to everyone, once, with
one SlotRelease each; booked slots and slots whose time has not come stay as they are; and the indicators
can read how many reserved slots were used and how many were released unused."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
import time_machine

from jalon.core.actor import Actor
from jalon.scheduling.models import Appointment, AppointmentStatus, Slot, SlotRelease
from jalon.scheduling.services import appointment_cancel, slots_generate, slots_release_due
from jalon.scheduling.tasks import release_unused_reserved_slots
from jalon.scheduling.tests.factories import book, bookable_pathway, local, opening_add, resource_build

pytestmark = pytest.mark.django_db

THURSDAY_10H = local(2026, 11, 12, 10)
FRIDAY_14H = local(2026, 11, 13, 14)  # 48 working hours before Tuesday 17 November 14:00


@pytest.fixture(autouse=True)
def clock():
    """Thursday 12 November 2026, 10:00 in Paris; tests move the clock, never sleep."""
    with time_machine.travel(THURSDAY_10H, tick=False) as traveller:
        yield traveller


@pytest.fixture
def ct(hospital):
    """Tuesday 17 November 2026 on the CT: 14:00 and 14:30 reserved for lung pathways (released 48 working hours
    before), an urgent slot at 17:00 (released 24 hours before), an ordinary slot at 17:30."""
    resource = resource_build(hospital, kind="ct", name="Scanner Nord")
    opening_add(resource, weekday=1, start=time(14), end=time(15), reserved_for=["lung"], release=(48, "working_hours"))
    opening_add(resource, weekday=1, start=time(17), end=time(17, 30), urgent=True, release=(24, "hours"))
    opening_add(resource, weekday=1, start=time(17, 30), end=time(18))
    assert slots_generate(resource=resource, start=date(2026, 11, 16), end=date(2026, 11, 22)) == 4
    return resource


def slot_at(ct, *args) -> Slot:
    return Slot.objects.get(resource=ct, start=local(*args))


def test_nothing_is_released_before_the_release_time(ct, clock):
    assert slots_release_due() == 0
    clock.move_to(FRIDAY_14H - timedelta(seconds=1))
    assert slots_release_due() == 0
    assert not SlotRelease.objects.exists()
    assert not Slot.objects.filter(released_at__isnull=False).exists()


def test_free_reserved_slots_are_released_at_their_time_once_each(ct, clock):
    """Friday 14:00 releases the 14:00 slot only; 14:30 the next one; Monday 17:00 the urgent one. A second
    run at the same moment releases nothing; each release is recorded once, with what the slot was for."""
    clock.move_to(FRIDAY_14H)
    assert slots_release_due() == 1
    first = slot_at(ct, 2026, 11, 17, 14)
    assert first.released_at == FRIDAY_14H and first.is_released(FRIDAY_14H)
    assert slots_release_due() == 0

    clock.move_to(local(2026, 11, 13, 14, 30))
    assert slots_release_due() == 1
    assert slots_release_due() == 0
    assert slot_at(ct, 2026, 11, 17, 14).released_at == FRIDAY_14H  # not moved by later runs

    clock.move_to(local(2026, 11, 16, 17, 5))
    assert slots_release_due() == 1

    releases = list(SlotRelease.objects.order_by("slot__start"))
    assert [(r.slot.start, r.released_at, r.reserved_for, r.urgent) for r in releases] == [
        (local(2026, 11, 17, 14), FRIDAY_14H, ["lung"], False),
        (local(2026, 11, 17, 14, 30), local(2026, 11, 13, 14, 30), ["lung"], False),
        (local(2026, 11, 17, 17), local(2026, 11, 16, 17, 5), [], True),
    ]
    assert slot_at(ct, 2026, 11, 17, 17, 30).released_at is None  # never restricted, never released
    assert slots_release_due() == 0
    assert SlotRelease.objects.count() == 3


def test_a_late_run_releases_everything_due_at_once(ct, clock):
    """If the job did not run for a while, the next run catches up, recording the run's time."""
    clock.move_to(local(2026, 11, 17, 8))
    assert slots_release_due() == 3
    assert set(SlotRelease.objects.values_list("released_at", flat=True)) == {local(2026, 11, 17, 8)}


def test_a_slot_that_has_started_is_not_released(ct, clock):
    clock.move_to(local(2026, 11, 17, 14, 15))
    assert slots_release_due() == 2  # 14:30 and the urgent 17:00; the 14:00 slot has started
    assert slot_at(ct, 2026, 11, 17, 14).released_at is None
    assert set(SlotRelease.objects.values_list("slot__start", flat=True)) == {
        local(2026, 11, 17, 14, 30),
        local(2026, 11, 17, 17),
    }


def test_a_booked_reserved_slot_is_not_released(ct, clock, submit, coordinator):
    """A lung pathway takes the 14:00 reserved slot before its release: it counts as used, not released.
    A slot whose appointment was cancelled is free again, and released."""
    pathway = bookable_pathway(submit, coordinator, priority="P2")
    (used,) = book(coordinator, pathway, ("imaging", slot_at(ct, 2026, 11, 17, 14)))
    other = bookable_pathway(submit, coordinator, priority="P2")
    (dropped,) = book(coordinator, other, ("imaging", slot_at(ct, 2026, 11, 17, 14, 30)))
    appointment_cancel(actor=Actor(user=coordinator), appointment=dropped, reason="Le patient a choisi une autre date")
    assert used.used_reserved

    clock.move_to(local(2026, 11, 13, 15))
    assert slots_release_due() == 1
    assert slot_at(ct, 2026, 11, 17, 14).released_at is None
    assert not SlotRelease.objects.filter(slot__start=local(2026, 11, 17, 14)).exists()
    assert SlotRelease.objects.filter(slot__start=local(2026, 11, 17, 14, 30)).exists()


def test_a_released_urgent_slot_goes_to_anyone(ct, clock, submit, coordinator):
    """After the release job, a P3 patient may take the urgent slot; it is not counted as a reserved slot used."""
    clock.move_to(local(2026, 11, 16, 18))
    assert slots_release_due() == 3
    p3 = bookable_pathway(submit, coordinator, priority="P3")
    (appointment,) = book(coordinator, p3, ("imaging", slot_at(ct, 2026, 11, 17, 17)))
    assert not appointment.used_reserved


def test_the_indicators_can_read_reserved_slots_used_and_released(ct, clock, submit, coordinator):
    """One reserved slot used by a lung pathway, one urgent slot used by a P1 patient, one released unused;
    the ordinary slot counts for neither."""
    lung = bookable_pathway(submit, coordinator, priority="P2")
    p1 = bookable_pathway(submit, coordinator, priority="P1")
    book(coordinator, lung, ("imaging", slot_at(ct, 2026, 11, 17, 14)))
    book(coordinator, p1, ("imaging", slot_at(ct, 2026, 11, 17, 17)))
    clock.move_to(local(2026, 11, 16, 18))
    assert slots_release_due() == 1

    booked = Appointment.objects.filter(status=AppointmentStatus.BOOKED)
    assert booked.filter(used_reserved=True).count() == 2
    assert booked.filter(used_reserved=True, slot__urgent=True).count() == 1
    assert SlotRelease.objects.count() == 1
    release = SlotRelease.objects.get()
    assert release.slot.start == local(2026, 11, 17, 14, 30) and release.reserved_for == ["lung"] and not release.urgent
    # the shares per pathway kind, as the indicators compute them (JSON read in Python: SQLite and PostgreSQL alike)
    used_lung = [a for a in booked.filter(used_reserved=True).select_related("slot") if "lung" in a.slot.reserved_for]
    released_lung = [r for r in SlotRelease.objects.all() if "lung" in r.reserved_for]
    assert (len(used_lung), len(released_lung)) == (1, 1)


def test_the_periodic_task_runs_the_release(ct, clock):
    clock.move_to(FRIDAY_14H)
    release_unused_reserved_slots.call_local()
    assert SlotRelease.objects.count() == 1
    release_unused_reserved_slots.call_local()
    assert SlotRelease.objects.count() == 1


def test_an_explicit_now_is_used(ct):
    """The job can be run for a given moment (the clock here is still Thursday)."""
    assert slots_release_due(now=FRIDAY_14H) == 1
    assert SlotRelease.objects.get().released_at == FRIDAY_14H


def test_it_generates_slots_ahead_every_night(db, hospital):
    """The nightly job fills the next four weeks of every active resource's openings, once."""
    from datetime import time as clock_time

    from jalon.scheduling.models import Resource, Slot, WeeklyOpening
    from jalon.scheduling.tasks import generate_slots_ahead

    resource = Resource.objects.create(organization=hospital, kind="ct", name="Scanner de nuit")
    WeeklyOpening.objects.create(
        resource=resource, weekday=0, start_time=clock_time(14), end_time=clock_time(15), slot_minutes=30
    )
    generate_slots_ahead.call_local()
    created = Slot.objects.filter(resource=resource).count()
    generate_slots_ahead.call_local()
    assert created >= 6 and Slot.objects.filter(resource=resource).count() == created
