"""Tests for working_hours_left: the working hours before a deadline, in the calendar add_delay counts in."""

from datetime import date, datetime

import pytest

from jalon.core.workcalendar import PARIS, add_delay, working_hours_left


def paris(*args) -> datetime:
    """Aware Europe/Paris datetime."""
    return datetime(*args, tzinfo=PARIS)


def test_it_skips_the_weekend():
    """Friday 15:00 to Tuesday 15:00 leaves 9 + 24 + 15 = 48 working hours."""
    assert working_hours_left(paris(2026, 3, 6, 15), paris(2026, 3, 10, 15)) == 48


def test_it_skips_a_public_holiday():
    """Easter Monday is not counted: Thursday 12:00 to Tuesday 12:00 leaves 12 + 24 + 12 = 48 hours."""
    assert working_hours_left(paris(2026, 4, 2, 12), paris(2026, 4, 7, 12)) == 48


@pytest.mark.parametrize("department", ["57", "67", "68"])
def test_it_skips_the_alsace_moselle_holidays(department):
    """Good Friday and 26 December are off in Alsace-Moselle only."""
    assert working_hours_left(paris(2026, 4, 2, 12), paris(2026, 4, 7, 12), department=department) == 24
    assert working_hours_left(paris(2025, 12, 24, 12), paris(2025, 12, 29, 12)) == 48
    assert working_hours_left(paris(2025, 12, 24, 12), paris(2025, 12, 29, 12), department=department) == 24


def test_it_skips_the_closures():
    """A closed Monday is not counted: Friday 15:00 to Wednesday 15:00 leaves 48 hours, not 72."""
    closed_monday = frozenset({date(2026, 3, 9)})
    assert working_hours_left(paris(2026, 3, 6, 15), paris(2026, 3, 11, 15)) == 72
    assert working_hours_left(paris(2026, 3, 6, 15), paris(2026, 3, 11, 15), closures=closed_monday) == 48
    assert working_hours_left(paris(2026, 3, 6, 15), paris(2026, 3, 11, 15), closures=[date(2026, 3, 9)]) == 48


@pytest.mark.parametrize("unit", ["working_hours", "working_days", "hours", "days"])
@pytest.mark.parametrize("department", [None, "67"])
def test_it_inverts_add_delay_with_the_same_calendar(unit, department):
    """At the moment a delay starts, the hours left to the deadline add_delay set are the delay's working hours."""
    received = paris(2026, 3, 6, 15)
    calendar = {"department": department, "closures": frozenset({date(2026, 3, 9)})}
    deadline = add_delay(received, 2 if "days" in unit else 48, unit, **calendar)
    expected = {"working_hours": 48, "working_days": 48, "hours": 9, "days": 9}[unit]
    assert working_hours_left(received, deadline, **calendar) == expected


def test_it_rounds_down_to_whole_hours():
    """35 minutes left is 0 hours left; 1 h 59 is 1."""
    assert working_hours_left(paris(2026, 3, 6, 14, 25), paris(2026, 3, 6, 15)) == 0
    assert working_hours_left(paris(2026, 3, 6, 13, 1), paris(2026, 3, 6, 15)) == 1


def test_it_is_negative_or_zero_once_the_deadline_has_passed():
    """Past the deadline the hours left are negative, or zero while only non-working time has gone by."""
    assert working_hours_left(paris(2026, 3, 6, 17, 30), paris(2026, 3, 6, 15)) == -3
    assert working_hours_left(paris(2026, 3, 10, 15), paris(2026, 3, 6, 15)) == -48
    assert working_hours_left(paris(2026, 3, 7, 10), paris(2026, 3, 7, 0)) == 0


def test_it_refuses_a_naive_datetime():
    """A naive datetime is a programming error, refused as the other calendar functions do."""
    with pytest.raises(ValueError):
        working_hours_left(datetime(2026, 3, 6, 15), paris(2026, 3, 10, 15))
