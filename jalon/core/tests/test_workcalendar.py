"""Tests for jalon.core.workcalendar (working days and working time)."""

from datetime import UTC, date, datetime, timedelta

import pytest

from jalon.core.workcalendar import (
    DELAY_UNITS,
    PARIS,
    add_delay,
    add_working_days,
    add_working_hours,
    is_working_day,
    public_holidays,
    working_time_between,
)

ALSACE_MOSELLE = ["57", "67", "68"]


def paris(*args) -> datetime:
    """Aware Europe/Paris datetime."""
    return datetime(*args, tzinfo=PARIS)


# --- Working days --------------------------------------------------------------


def test_weekends_are_not_working_days():
    """Saturdays and Sundays are not working days; Friday and Monday are."""
    assert is_working_day(date(2026, 3, 6))  # Friday
    assert not is_working_day(date(2026, 3, 7))  # Saturday
    assert not is_working_day(date(2026, 3, 8))  # Sunday
    assert is_working_day(date(2026, 3, 9))  # Monday


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 1, 1),  # New Year's Day
        date(2026, 4, 6),  # Easter Monday
        date(2026, 5, 1),  # Labour Day
        date(2026, 5, 8),  # Victory Day
        date(2026, 5, 14),  # Ascension
        date(2026, 5, 25),  # Whit Monday
        date(2026, 7, 14),  # Bastille Day
        date(2026, 11, 11),  # Armistice
        date(2026, 12, 25),  # Christmas
    ],
)
def test_national_public_holidays_are_not_working_days(day):
    """National holidays falling on weekdays are not working days anywhere."""
    assert not is_working_day(day)
    assert not is_working_day(day, department="75")
    assert not is_working_day(day, department="67")


def test_day_after_easter_monday_is_a_working_day():
    """Tuesday 7 April 2026 is an ordinary working day."""
    assert is_working_day(date(2026, 4, 7))


@pytest.mark.parametrize(
    "day",
    [date(2026, 4, 3), date(2025, 12, 26)],  # Good Friday 2026; 26 Dec 2025 is a Friday
)
def test_good_friday_and_26_december_are_working_days_outside_alsace_moselle(day):
    """Good Friday and 26 December are working days in Paris and by default."""
    assert is_working_day(day, department="75")
    assert is_working_day(day)


@pytest.mark.parametrize("department", ALSACE_MOSELLE)
@pytest.mark.parametrize("day", [date(2026, 4, 3), date(2025, 12, 26)])
def test_good_friday_and_26_december_are_holidays_in_alsace_moselle(day, department):
    """Departments 57, 67 and 68 add Good Friday and 26 December."""
    assert not is_working_day(day, department=department)


def test_public_holidays_names_are_french():
    """Holiday names come in French, whatever the system locale."""
    assert public_holidays(2026)[date(2026, 4, 6)] == "Lundi de Pâques"
    alsace = public_holidays(2026, department="67")
    assert alsace[date(2026, 4, 3)] == "Vendredi saint"
    assert alsace[date(2026, 12, 26)] == "Saint-Étienne"
    assert date(2026, 4, 3) not in public_holidays(2026, department="75")


def test_public_holidays_returns_a_copy_of_the_cache():
    """Mutating the returned dict does not corrupt the cached calendar."""
    public_holidays(2026).clear()
    assert date(2026, 7, 14) in public_holidays(2026)
    assert not is_working_day(date(2026, 7, 14))


def test_closure_date_is_not_a_working_day():
    """An entry point's own closure dates are not working days."""
    closures = frozenset({date(2026, 3, 10)})
    assert not is_working_day(date(2026, 3, 10), closures=closures)
    assert not is_working_day(date(2026, 3, 10), closures=[date(2026, 3, 10)])
    assert is_working_day(date(2026, 3, 11), closures=closures)


def test_is_working_day_rejects_datetimes():
    """A datetime is refused, to avoid time-zone ambiguity."""
    with pytest.raises(TypeError):
        is_working_day(paris(2026, 3, 10, 12))


# --- add_working_days ------------------------------------------------------------


def test_add_working_days_keeps_the_wall_clock_time_and_skips_weekends():
    """Friday 10:00 + 1 working day = Monday 10:00."""
    assert add_working_days(paris(2026, 3, 6, 10), 1) == paris(2026, 3, 9, 10)


def test_add_working_days_skips_easter_monday_and_closures():
    """Holidays and closure dates are not counted."""
    # Thursday 2 April + 2: Friday 3, (weekend, Easter Monday) Tuesday 7.
    assert add_working_days(paris(2026, 4, 2, 9), 2) == paris(2026, 4, 7, 9)
    # In Alsace Good Friday is off too: Tuesday 7, Wednesday 8.
    assert add_working_days(paris(2026, 4, 2, 9), 2, department="67") == paris(2026, 4, 8, 9)
    # A closure on Tuesday 7 pushes to Wednesday 8.
    closed = [date(2026, 4, 7)]
    assert add_working_days(paris(2026, 4, 2, 9), 2, closures=closed) == paris(2026, 4, 8, 9)


def test_add_working_days_from_a_non_working_day_starts_next_working_day_at_midnight():
    """A Saturday start is moved to Monday 00:00 before counting."""
    assert add_working_days(paris(2026, 3, 7, 15), 0) == paris(2026, 3, 9)
    assert add_working_days(paris(2026, 3, 7, 15), 2) == paris(2026, 3, 11)


@pytest.mark.parametrize(
    ("friday", "monday"),
    [
        (date(2026, 3, 27), date(2026, 3, 30)),  # spring forward on Sunday 29 March
        (date(2026, 10, 23), date(2026, 10, 26)),  # fall back on Sunday 25 October
    ],
)
def test_add_working_days_across_dst_keeps_local_time(friday, monday):
    """Across a DST weekend the local time is kept, the UTC time shifts by an hour."""
    start = paris(friday.year, friday.month, friday.day, 10)
    result = add_working_days(start, 1)
    assert result.astimezone(PARIS) == paris(monday.year, monday.month, monday.day, 10)
    assert result.astimezone(PARIS).hour == 10
    assert result.utcoffset() == timedelta(0)
    assert result - start == timedelta(hours=71 if friday.month == 3 else 73)


# --- add_working_hours -------------------------------------------------------------


def test_add_working_hours_friday_afternoon():
    """Friday 15:00 + 48 working hours = Tuesday 15:00."""
    assert add_working_hours(paris(2026, 3, 6, 15), 48) == paris(2026, 3, 10, 15)


def test_add_working_hours_from_saturday():
    """Saturday 10:00 + 48 working hours = Wednesday 00:00."""
    assert add_working_hours(paris(2026, 3, 7, 10), 48) == paris(2026, 3, 11)


def test_add_working_hours_ending_at_midnight_stays_on_that_night():
    """Friday 15:00 + 9 h ends at Friday 24:00, i.e. Saturday 00:00."""
    assert add_working_hours(paris(2026, 3, 6, 15), 9) == paris(2026, 3, 7)
    assert add_working_hours(paris(2026, 3, 6, 15), 10) == paris(2026, 3, 9, 1)


def test_add_working_hours_across_easter_monday():
    """Good Friday 15:00 + 48 h skips Easter Monday (and Good Friday in Alsace)."""
    assert add_working_hours(paris(2026, 4, 3, 15), 48) == paris(2026, 4, 8, 15)
    assert add_working_hours(paris(2026, 4, 3, 15), 48, department="67") == paris(2026, 4, 9)


def test_add_working_hours_across_ascension():
    """Wednesday 13 May 09:00 + 24 h skips Ascension Thursday."""
    assert add_working_hours(paris(2026, 5, 13, 9), 24) == paris(2026, 5, 15, 9)


def test_add_working_hours_across_whit_monday_and_14_july():
    """Whit Monday and 14 July are skipped."""
    # Friday 22 May 12:00 + 24 h: Friday 12 h, Whit Monday off, Tuesday 26 12:00.
    assert add_working_hours(paris(2026, 5, 22, 12), 24) == paris(2026, 5, 26, 12)
    # Monday 13 July 08:00 + 24 h: Monday 16 h, 14 July off, Wednesday 15 08:00.
    assert add_working_hours(paris(2026, 7, 13, 8), 24) == paris(2026, 7, 15, 8)


def test_add_working_hours_skips_closures():
    """A closure date is skipped like a holiday."""
    closures = frozenset({date(2026, 3, 9)})
    assert add_working_hours(paris(2026, 3, 6, 15), 48, closures=closures) == paris(2026, 3, 11, 15)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (paris(2026, 3, 27, 15), paris(2026, 3, 31, 15)),  # spring forward weekend
        (paris(2026, 10, 23, 15), paris(2026, 10, 27, 15)),  # fall back weekend
    ],
)
def test_add_working_hours_across_dst_weekends(start, expected):
    """Across DST weekends the deadline keeps its local wall-clock time."""
    result = add_working_hours(start, 48)
    assert result == expected
    assert result.astimezone(PARIS).hour == 15


def test_add_working_hours_returns_utc():
    """Results are aware datetimes in UTC, whatever the input zone."""
    start = datetime(2026, 3, 6, 14, tzinfo=UTC)  # 15:00 in Paris
    result = add_working_hours(start, 48)
    assert result.tzinfo is UTC
    assert result == datetime(2026, 3, 10, 14, tzinfo=UTC)


def test_it_rejects_naive_datetimes_and_negative_amounts():
    """Naive datetimes and negative amounts raise ValueError."""
    with pytest.raises(ValueError):
        add_working_hours(datetime(2026, 3, 6, 15), 48)
    with pytest.raises(ValueError):
        add_working_days(datetime(2026, 3, 6, 15), 1)
    with pytest.raises(ValueError):
        working_time_between(datetime(2026, 3, 6), paris(2026, 3, 7))
    with pytest.raises(ValueError):
        add_working_hours(paris(2026, 3, 6, 15), -1)
    with pytest.raises(ValueError):
        add_working_days(paris(2026, 3, 6, 15), -1)


# --- working_time_between ----------------------------------------------------------


def test_working_time_between_skips_weekend():
    """Friday 15:00 to Tuesday 15:00 is 48 working hours."""
    span = working_time_between(paris(2026, 3, 6, 15), paris(2026, 3, 10, 15))
    assert span == timedelta(hours=48)


def test_working_time_between_within_a_day_and_on_weekends():
    """Same-day spans count as is; spans inside a weekend count zero."""
    span = working_time_between(paris(2026, 3, 6, 9), paris(2026, 3, 6, 17, 30))
    assert span == timedelta(hours=8, minutes=30)
    assert working_time_between(paris(2026, 3, 7, 9), paris(2026, 3, 8, 17)) == timedelta(0)


def test_working_time_between_is_negative_when_end_is_before_start():
    """An overdue deadline gives a negative working time."""
    span = working_time_between(paris(2026, 3, 10, 15), paris(2026, 3, 6, 15))
    assert span == timedelta(hours=-48)


def test_working_time_between_holidays_closures_and_dst():
    """Holidays, closures and DST weekends are handled."""
    # Easter: Thursday 2 April 12:00 -> Tuesday 7 April 12:00 = Thu 12 h + Fri 24 h + Tue 12 h.
    assert working_time_between(paris(2026, 4, 2, 12), paris(2026, 4, 7, 12)) == timedelta(hours=48)
    assert working_time_between(paris(2026, 4, 2, 12), paris(2026, 4, 7, 12), department="57") == timedelta(hours=24)
    assert working_time_between(paris(2026, 4, 2, 12), paris(2026, 4, 7, 12), closures=[date(2026, 4, 2)]) == timedelta(
        hours=36
    )
    # DST: Friday 12:00 -> Monday 12:00 is 24 working hours, although 71 or 73 hours elapse.
    for friday, monday in (
        (paris(2026, 3, 27, 12), paris(2026, 3, 30, 12)),
        (paris(2026, 10, 23, 12), paris(2026, 10, 26, 12)),
    ):
        assert working_time_between(friday, monday) == timedelta(hours=24)


@pytest.mark.parametrize(
    "start",
    [
        paris(2026, 3, 6, 15),
        paris(2026, 3, 28, 2, 30),
        paris(2026, 4, 2, 23, 59),
        paris(2026, 10, 24, 12),
    ],
)
@pytest.mark.parametrize("hours", [0, 1, 9, 24, 48, 100])
def test_working_time_between_inverts_add_working_hours(start, hours):
    """working_time_between(start, add_working_hours(start, h)) == h."""
    end = add_working_hours(start, hours, department="67")
    assert working_time_between(start, end, department="67") == timedelta(hours=hours)


# --- add_delay ---------------------------------------------------------------------


def test_delay_units_choices():
    """DELAY_UNITS lists the four units with French labels."""
    assert DELAY_UNITS == (
        ("hours", "heures"),
        ("days", "jours calendaires"),
        ("working_days", "jours ouvrés"),
        ("working_hours", "heures ouvrées"),
    )


def test_add_delay_hours_are_elapsed_hours_across_dst():
    """24 hours across the spring-forward night land at 13:00 local time."""
    assert add_delay(paris(2026, 3, 28, 12), 24, "hours") == paris(2026, 3, 29, 13)


def test_add_delay_days_keep_the_wall_clock_time_across_dst():
    """Calendar days keep the local time across DST changes."""
    assert add_delay(paris(2026, 3, 28, 12), 1, "days") == paris(2026, 3, 29, 12)
    assert add_delay(paris(2026, 10, 24, 12), 1, "days") == paris(2026, 10, 25, 12)
    # 02:30 does not exist on 29 March 2026: moved forward to 03:30 CEST.
    assert add_delay(paris(2026, 3, 28, 2, 30), 1, "days") == paris(2026, 3, 29, 3, 30)


def test_add_delay_working_units_delegate():
    """working_days and working_hours use the working calendar."""
    start = paris(2026, 4, 2, 9)
    assert add_delay(start, 2, "working_days", department="67") == paris(2026, 4, 8, 9)
    assert add_delay(start, 48, "working_hours") == add_working_hours(start, 48)


def test_add_delay_results_are_utc():
    """Every unit returns an aware UTC datetime."""
    for unit, _label in DELAY_UNITS:
        assert add_delay(paris(2026, 3, 6, 15), 1, unit).tzinfo is UTC


def test_add_delay_rejects_bad_input():
    """Unknown units, negative amounts and naive datetimes raise ValueError."""
    with pytest.raises(ValueError):
        add_delay(paris(2026, 3, 6, 15), 1, "weeks")
    with pytest.raises(ValueError):
        add_delay(paris(2026, 3, 6, 15), -1, "days")
    with pytest.raises(ValueError):
        add_delay(datetime(2026, 3, 6, 15), 1, "hours")
