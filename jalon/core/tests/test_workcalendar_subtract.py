"""subtract_delay: the moment a delay before a given time (e.g. when a reserved slot is released).

Semantics checked here: "hours" are elapsed hours; "days" keep the Paris wall-clock time; "working_days"
go back to the same wall-clock time on an earlier working day; "working_hours" count back only time on
working days, 24 hours per working day (so Tuesday 15:00 minus 48 working hours is the previous Friday
15:00). Results are UTC.
"""

from datetime import UTC, date, datetime

import pytest

from jalon.core.workcalendar import PARIS, add_delay, subtract_delay


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


# --- hours and calendar days -------------------------------------------------------------------


def test_hours_are_elapsed_time_across_the_spring_dst_change():
    """Sunday 29 March 2026 12:00 (CEST) minus 24 h is Saturday 11:00 (CET): the night lost one hour."""
    result = subtract_delay(paris(2026, 3, 29, 12), 24, "hours")
    assert result == paris(2026, 3, 28, 11)
    assert result.tzinfo is UTC


def test_days_keep_the_wall_clock_time_across_the_dst_changes():
    assert subtract_delay(paris(2026, 3, 29, 12), 1, "days") == paris(2026, 3, 28, 12)
    assert subtract_delay(paris(2026, 10, 26, 12), 2, "days") == paris(2026, 10, 24, 12)
    # while 48 elapsed hours before Monday 26 October 12:00 (CET) is Saturday 13:00 (CEST)
    assert subtract_delay(paris(2026, 10, 26, 12), 48, "hours") == paris(2026, 10, 24, 13)


def test_zero_is_the_same_moment():
    moment = paris(2026, 3, 10, 15)
    for unit in ("hours", "days", "working_days", "working_hours"):
        assert subtract_delay(moment, 0, unit) == moment


# --- working days ------------------------------------------------------------------------------


def test_working_days_skip_the_weekend():
    """Monday 9 March 2026 10:00 minus one working day is Friday 6 March 10:00."""
    assert subtract_delay(paris(2026, 3, 9, 10), 1, "working_days") == paris(2026, 3, 6, 10)
    assert subtract_delay(paris(2026, 3, 9, 10), 5, "working_days") == paris(2026, 3, 2, 10)


def test_working_days_skip_easter_monday_and_good_friday_in_alsace():
    """Tuesday 7 April 2026 (Easter Monday is the 6th): one working day before is Friday 3 April in Paris,
    Thursday 2 April in Strasbourg, where Good Friday is a public holiday."""
    tuesday = paris(2026, 4, 7, 10)
    assert subtract_delay(tuesday, 1, "working_days") == paris(2026, 4, 3, 10)
    assert subtract_delay(tuesday, 1, "working_days", department="75") == paris(2026, 4, 3, 10)
    assert subtract_delay(tuesday, 1, "working_days", department="67") == paris(2026, 4, 2, 10)
    assert subtract_delay(tuesday, 2, "working_days", department="67") == paris(2026, 4, 1, 10)


def test_working_days_keep_the_wall_clock_time_across_the_dst_change():
    """Monday 30 March 2026 14:00 (CEST) minus one working day is Friday 27 March 14:00 (CET)."""
    assert subtract_delay(paris(2026, 3, 30, 14), 1, "working_days") == paris(2026, 3, 27, 14)


def test_working_days_skip_closures():
    closures = {date(2026, 3, 6)}
    assert subtract_delay(paris(2026, 3, 9, 10), 1, "working_days", closures=closures) == paris(2026, 3, 5, 10)


# --- working hours -----------------------------------------------------------------------------


def test_48_working_hours_before_tuesday_15h_is_the_previous_friday_15h():
    assert subtract_delay(paris(2026, 3, 10, 15), 48, "working_hours") == paris(2026, 3, 6, 15)
    assert subtract_delay(paris(2026, 3, 10, 15), 24, "working_hours") == paris(2026, 3, 9, 15)


def test_working_hours_across_the_dst_change():
    """Tuesday 31 March 2026 14:00 (CEST) minus 48 working hours is Friday 27 March 14:00 (CET)."""
    assert subtract_delay(paris(2026, 3, 31, 14), 48, "working_hours") == paris(2026, 3, 27, 14)


def test_working_hours_skip_a_public_holiday():
    """Thursday 12 November 2026 10:00 minus 48 working hours: Wednesday the 11th does not count."""
    assert subtract_delay(paris(2026, 11, 12, 10), 48, "working_hours") == paris(2026, 11, 9, 10)


def test_working_hours_skip_easter_and_good_friday_in_alsace():
    tuesday = paris(2026, 4, 7, 15)
    assert subtract_delay(tuesday, 48, "working_hours") == paris(2026, 4, 2, 15)
    assert subtract_delay(tuesday, 48, "working_hours", department="67") == paris(2026, 4, 1, 15)


def test_working_hours_at_day_boundaries_and_from_a_weekend():
    """Counting back from midnight, and from a Saturday (whose time does not count)."""
    assert subtract_delay(paris(2026, 3, 10, 0), 24, "working_hours") == paris(2026, 3, 9, 0)
    assert subtract_delay(paris(2026, 3, 9, 0), 1, "working_hours") == paris(2026, 3, 6, 23)
    assert subtract_delay(paris(2026, 3, 7, 10), 1, "working_hours") == paris(2026, 3, 6, 23)


def test_working_hours_skip_closures():
    closures = frozenset({date(2026, 3, 9)})
    assert subtract_delay(paris(2026, 3, 10, 15), 24, "working_hours", closures=closures) == paris(2026, 3, 6, 15)


# --- round trips and errors --------------------------------------------------------------------


@pytest.mark.parametrize("department", [None, "67"])
@pytest.mark.parametrize(
    "moment",
    [
        paris(2026, 3, 10, 15),
        paris(2026, 4, 7, 9, 30),
        paris(2026, 3, 30, 14),
        paris(2026, 11, 12, 8),
        paris(2026, 12, 28, 17),
    ],
)
@pytest.mark.parametrize("amount", [1, 2, 5, 10])
def test_working_days_round_trip_with_add_delay(department, moment, amount):
    """From a working day, going back then forward (or forward then back) lands on the same moment."""
    back = subtract_delay(moment, amount, "working_days", department=department)
    assert add_delay(back, amount, "working_days", department=department) == moment
    forward = add_delay(moment, amount, "working_days", department=department)
    assert subtract_delay(forward, amount, "working_days", department=department) == moment


@pytest.mark.parametrize("moment", [paris(2026, 3, 10, 15), paris(2026, 4, 7, 15), paris(2026, 11, 12, 10)])
@pytest.mark.parametrize("amount", [1, 24, 48, 72])
def test_working_hours_round_trip_with_add_delay(moment, amount):
    back = subtract_delay(moment, amount, "working_hours", department="67")
    assert add_delay(back, amount, "working_hours", department="67") == moment


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        subtract_delay(paris(2026, 3, 10, 15), -1, "working_days")
    with pytest.raises(ValueError):
        subtract_delay(paris(2026, 3, 10, 15), 1, "weeks")
    with pytest.raises(ValueError):
        subtract_delay(datetime(2026, 3, 10, 15), 1, "hours")  # naive
