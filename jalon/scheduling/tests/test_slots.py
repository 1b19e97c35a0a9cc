"""Slot generation from weekly openings: Paris wall-clock times across DST changes, closures and public
holidays (of the resource's department) skipped, validity dates, idempotent re-generation, and the release
time of reserved and urgent slots computed from the opening's release rule."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.utils import timezone

from jalon.scheduling.models import Closure, Slot
from jalon.scheduling.services import slots_generate
from jalon.scheduling.tests.factories import local, opening_add, resource_build
from jalon.testing.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

WORKING_WEEK = range(5)


def local_starts(resource) -> list[datetime]:
    """The resource's slot starts as naive Paris wall-clock times, in order."""
    starts = Slot.objects.filter(resource=resource).order_by("start").values_list("start", flat=True)
    return [timezone.localtime(start).replace(tzinfo=None) for start in starts]


def days_with_slots(resource) -> list[date]:
    return sorted(
        {
            timezone.localtime(start).date()
            for start in Slot.objects.filter(resource=resource).values_list("start", flat=True)
        }
    )


@pytest.fixture
def ct(hospital):
    """A CT of the Strasbourg hospital (department 67: Good Friday and 26 December are holidays)."""
    return resource_build(hospital, kind="ct", name="Scanner Nord")


# --- times ---------------------------------------------------------------------------------------


def test_it_cuts_the_opening_into_slots_of_the_given_length(ct):
    """Monday 9:00–10:45 in 30-minute slots: 9:00, 9:30, 10:00 (a 10:30 slot would overrun the opening)."""
    opening_add(ct, weekday=0, start=time(9), end=time(10, 45))
    assert slots_generate(resource=ct, start=date(2026, 11, 16), end=date(2026, 11, 22)) == 3
    slots = list(Slot.objects.filter(resource=ct))
    assert local_starts(ct) == [datetime(2026, 11, 16, 9), datetime(2026, 11, 16, 9, 30), datetime(2026, 11, 16, 10)]
    assert all(slot.end - slot.start == timedelta(minutes=30) for slot in slots)
    assert all(not slot.is_restricted and slot.release_at is None and not slot.blocked for slot in slots)


def test_slots_keep_the_paris_time_across_the_spring_dst_change(ct):
    """Monday 9:00 is 08:00 UTC on 23 March 2026 (CET) and 07:00 UTC on 30 March (CEST, after the 29th)."""
    opening_add(ct, weekday=0, start=time(9), end=time(10), slot_minutes=60)
    assert slots_generate(resource=ct, start=date(2026, 3, 23), end=date(2026, 3, 31)) == 2
    before, after = Slot.objects.filter(resource=ct).order_by("start")
    assert before.start == datetime(2026, 3, 23, 8, tzinfo=UTC)
    assert after.start == datetime(2026, 3, 30, 7, tzinfo=UTC)
    assert after.end == datetime(2026, 3, 30, 8, tzinfo=UTC)
    assert local_starts(ct) == [datetime(2026, 3, 23, 9), datetime(2026, 3, 30, 9)]


def test_slots_keep_the_paris_time_across_the_autumn_dst_change(ct):
    """Monday 14:00 is 12:00 UTC on 19 October 2026 (CEST) and 13:00 UTC on 26 October (CET, after the 25th)."""
    opening_add(ct, weekday=0, start=time(14), end=time(15))
    slots_generate(resource=ct, start=date(2026, 10, 19), end=date(2026, 10, 26))
    assert list(Slot.objects.filter(resource=ct).order_by("start").values_list("start", flat=True)) == [
        datetime(2026, 10, 19, 12, tzinfo=UTC),
        datetime(2026, 10, 19, 12, 30, tzinfo=UTC),
        datetime(2026, 10, 26, 13, tzinfo=UTC),
        datetime(2026, 10, 26, 13, 30, tzinfo=UTC),
    ]


def test_several_openings_and_weekdays(ct):
    """Each opening gives slots on its weekday only; the week's count adds up."""
    for weekday in WORKING_WEEK:
        opening_add(ct, weekday=weekday, start=time(14), end=time(16))  # 4 slots
    opening_add(ct, weekday=2, start=time(8), end=time(9), slot_minutes=20)  # 3 more on Wednesday
    assert slots_generate(resource=ct, start=date(2026, 11, 16), end=date(2026, 11, 22)) == 5 * 4 + 3
    wednesday = [start for start in local_starts(ct) if start.date() == date(2026, 11, 18)]
    assert [start.time() for start in wednesday] == [
        time(8),
        time(8, 20),
        time(8, 40),
        time(14),
        time(14, 30),
        time(15),
        time(15, 30),
    ]
    assert not [start for start in local_starts(ct) if start.weekday() >= 5]


# --- closures, public holidays, validity --------------------------------------------------------


def test_closures_and_public_holidays_have_no_slot(ct):
    """Week of 9 November 2026: Wednesday the 11th is a public holiday, Friday the 13th the CT is closed."""
    for weekday in WORKING_WEEK:
        opening_add(ct, weekday=weekday, start=time(14), end=time(15), slot_minutes=60)
    Closure.objects.create(resource=ct, day=date(2026, 11, 13), reason="Maintenance du scanner")
    assert slots_generate(resource=ct, start=date(2026, 11, 9), end=date(2026, 11, 15)) == 3
    assert days_with_slots(ct) == [date(2026, 11, 9), date(2026, 11, 10), date(2026, 11, 12)]


def test_christmas_has_no_slot(ct):
    """Friday 25 December 2026 is a public holiday everywhere."""
    for weekday in WORKING_WEEK:
        opening_add(ct, weekday=weekday, start=time(14), end=time(15), slot_minutes=60)
    slots_generate(resource=ct, start=date(2026, 12, 21), end=date(2026, 12, 27))
    assert days_with_slots(ct) == [date(2026, 12, 21), date(2026, 12, 22), date(2026, 12, 23), date(2026, 12, 24)]


def test_good_friday_is_skipped_in_alsace_only(ct, paris):
    """3 April 2026 is a public holiday in Strasbourg (67), not in Paris; Easter Monday the 6th is one in both."""
    paris_ct = resource_build(
        OrganizationFactory(name="Hôpital parisien", commune=paris), kind="ct", name="Scanner Paris"
    )
    for resource in (ct, paris_ct):
        for weekday in WORKING_WEEK:
            opening_add(resource, weekday=weekday, start=time(14), end=time(15), slot_minutes=60)
        slots_generate(resource=resource, start=date(2026, 4, 2), end=date(2026, 4, 7))
    assert days_with_slots(ct) == [date(2026, 4, 2), date(2026, 4, 7)]
    assert days_with_slots(paris_ct) == [date(2026, 4, 2), date(2026, 4, 3), date(2026, 4, 7)]


def test_an_opening_gives_slots_only_within_its_validity_dates(ct):
    """Monday mornings valid 16–31 March 2026, then Monday afternoons from 1 April: each in its own period."""
    opening_add(
        ct,
        weekday=0,
        start=time(9),
        end=time(10),
        slot_minutes=60,
        valid_from=date(2026, 3, 16),
        valid_until=date(2026, 3, 31),
    )
    opening_add(ct, weekday=0, start=time(14), end=time(15), slot_minutes=60, valid_from=date(2026, 4, 1))
    slots_generate(resource=ct, start=date(2026, 3, 1), end=date(2026, 4, 30))
    assert local_starts(ct) == [
        datetime(2026, 3, 16, 9),
        datetime(2026, 3, 23, 9),
        datetime(2026, 3, 30, 9),
        # 6 April is Easter Monday
        datetime(2026, 4, 13, 14),
        datetime(2026, 4, 20, 14),
        datetime(2026, 4, 27, 14),
    ]


def test_a_resource_without_openings_has_no_slot(ct):
    assert slots_generate(resource=ct, start=date(2026, 11, 16), end=date(2026, 12, 31)) == 0
    assert not Slot.objects.exists()


# --- re-generation ------------------------------------------------------------------------------


def test_generating_again_creates_nothing_and_keeps_the_existing_slots(ct):
    """Same period twice: 0 the second time, same slots (ids kept, a blocked slot stays blocked);
    a longer period adds only the new days."""
    opening_add(ct, weekday=1, start=time(14), end=time(16))
    assert slots_generate(resource=ct, start=date(2026, 11, 16), end=date(2026, 11, 29)) == 8
    first = dict(Slot.objects.values_list("start", "pk"))
    Slot.objects.filter(pk=min(first.values())).update(blocked=True, blocked_reason="Panne")

    assert slots_generate(resource=ct, start=date(2026, 11, 16), end=date(2026, 11, 29)) == 0
    assert dict(Slot.objects.values_list("start", "pk")) == first
    assert Slot.objects.get(pk=min(first.values())).blocked

    assert slots_generate(resource=ct, start=date(2026, 11, 16), end=date(2026, 12, 6)) == 4
    assert Slot.objects.count() == 12


def test_the_slots_of_one_resource_do_not_touch_another(ct, hospital):
    mri = resource_build(hospital, kind="mri", name="IRM")
    for resource in (ct, mri):
        opening_add(resource, weekday=1, start=time(14), end=time(15))
    assert slots_generate(resource=ct, start=date(2026, 11, 16), end=date(2026, 11, 22)) == 2
    assert slots_generate(resource=mri, start=date(2026, 11, 16), end=date(2026, 11, 22)) == 2
    assert Slot.objects.filter(resource=mri).count() == 2


# --- reserved and urgent slots, release times ---------------------------------------------------


def test_reserved_slots_are_released_48_working_hours_before(ct):
    """Tuesday 10 November 2026 14:00, reserved for lung and pancreas pathways, released 48 working hours
    before: Friday 6 November 14:00 (the weekend does not count)."""
    opening_add(
        ct,
        weekday=1,
        start=time(14),
        end=time(15),
        reserved_for=["pancreas_biliary", "lung"],
        release=(48, "working_hours"),
    )
    slots_generate(resource=ct, start=date(2026, 11, 9), end=date(2026, 11, 15))
    first, second = Slot.objects.filter(resource=ct).order_by("start")
    assert first.reserved_for == ["lung", "pancreas_biliary"] and not first.urgent
    assert first.release_at == local(2026, 11, 6, 14)
    assert second.release_at == local(2026, 11, 6, 14, 30)
    assert first.released_at is None


def test_the_release_time_skips_public_holidays(ct):
    """Thursday 12 November 2026 14:00 minus 48 working hours: Wednesday the 11th is a holiday, so Monday 9th 14:00."""
    opening_add(ct, weekday=3, start=time(14), end=time(14, 30), reserved_for=["lung"], release=(48, "working_hours"))
    slots_generate(resource=ct, start=date(2026, 11, 9), end=date(2026, 11, 15))
    assert Slot.objects.get(resource=ct).release_at == local(2026, 11, 9, 14)


def test_the_release_time_across_the_dst_change(ct):
    """Tuesday 31 March 2026 14:00 (CEST) minus 48 working hours is Friday 27 March 14:00 (CET)."""
    opening_add(ct, weekday=1, start=time(14), end=time(14, 30), reserved_for=["lung"], release=(48, "working_hours"))
    slots_generate(resource=ct, start=date(2026, 3, 30), end=date(2026, 4, 5))
    slot = Slot.objects.get(resource=ct)
    assert slot.start == datetime(2026, 3, 31, 12, tzinfo=UTC)
    assert slot.release_at == datetime(2026, 3, 27, 13, tzinfo=UTC) == local(2026, 3, 27, 14)


@pytest.mark.parametrize(
    ("release", "expected"),
    [
        ((2, "working_days"), local(2026, 11, 6, 14)),  # Tuesday 14:00 -> Friday 14:00
        ((48, "hours"), local(2026, 11, 8, 14)),  # Sunday 14:00
        ((1, "days"), local(2026, 11, 9, 14)),
        ((4, "working_hours"), local(2026, 11, 10, 10)),
    ],
)
def test_the_release_time_follows_the_unit_of_the_rule(ct, release, expected):
    opening_add(ct, weekday=1, start=time(14), end=time(14, 30), reserved_for=["lung"], release=release)
    slots_generate(resource=ct, start=date(2026, 11, 9), end=date(2026, 11, 15))
    assert Slot.objects.get(resource=ct).release_at == expected


def test_urgent_slots_carry_their_release_time(ct):
    """One urgent slot a day, for P1 patients until 24 hours before."""
    opening_add(ct, weekday=2, start=time(17), end=time(17, 30), urgent=True, release=(24, "hours"))
    slots_generate(resource=ct, start=date(2026, 11, 16), end=date(2026, 11, 22))
    slot = Slot.objects.get(resource=ct)
    assert slot.urgent and slot.reserved_for == [] and slot.is_restricted
    assert slot.release_at == slot.start - timedelta(hours=24) == local(2026, 11, 17, 17)


def test_unrestricted_slots_have_no_release_time_even_if_the_opening_has_a_rule(ct):
    """A release rule only matters for reserved or urgent slots; a restricted opening without a rule is never
    released."""
    opening_add(ct, weekday=0, start=time(9), end=time(9, 30), release=(48, "working_hours"))
    opening_add(ct, weekday=0, start=time(10), end=time(10, 30), reserved_for=["lung"])
    slots_generate(resource=ct, start=date(2026, 11, 16), end=date(2026, 11, 22))
    free, reserved = Slot.objects.filter(resource=ct).order_by("start")
    assert not free.is_restricted and free.release_at is None
    assert reserved.is_restricted and reserved.release_at is None
