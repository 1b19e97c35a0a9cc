"""Opening hours: nothing is due while an entry point is closed (next_opening), and comparing two delays
in different units (delay_never_longer)."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from jalon.core.workcalendar import delay_never_longer, due_at_opening, next_opening

PARIS = ZoneInfo("Europe/Paris")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(2026, 11, 18, 10, 0), at(2026, 11, 18, 10, 0)),  # Wednesday morning: open
        (at(2026, 11, 18, 18, 0), at(2026, 11, 18, 18, 0)),  # closing time itself is still open
        (at(2026, 11, 18, 21, 0), at(2026, 11, 19, 8, 0)),  # night: next morning
        (at(2026, 11, 19, 3, 0), at(2026, 11, 19, 8, 0)),  # before opening: that morning
        (at(2026, 11, 20, 19, 0), at(2026, 11, 23, 8, 0)),  # Friday evening: Monday
        (at(2026, 11, 21, 11, 0), at(2026, 11, 23, 8, 0)),  # Saturday: Monday
        (at(2026, 12, 24, 20, 0), at(2026, 12, 28, 8, 0)),  # Christmas and 26 December (Alsace), then the weekend
    ],
)
def test_it_moves_a_moment_outside_opening_hours_to_the_next_opening(moment, expected):
    assert next_opening(moment, department="67") == expected


def test_it_honours_the_entry_points_hours_and_closures():
    """Opening 9:00-17:00 with the Monday closed: Friday 17:30 becomes Tuesday 9:00."""
    moment = at(2026, 11, 20, 17, 30)
    result = next_opening(moment, opens=time(9), closes=time(17), department="67", closures={at(2026, 11, 23).date()})
    assert result == at(2026, 11, 24, 9, 0)


def test_a_delay_ending_while_closed_is_due_at_the_next_opening():
    """4 hours from Friday 18:30 end at 22:30: due on Monday at opening; 2 hours from Friday 10:00 stay at noon."""
    assert due_at_opening(at(2026, 11, 20, 18, 30), 4, "hours", department="67") == at(2026, 11, 23, 8, 0)
    assert due_at_opening(at(2026, 11, 20, 10, 0), 2, "hours", department="67") == at(2026, 11, 20, 12, 0)


def test_it_compares_delays_in_different_units():
    assert delay_never_longer((24, "working_hours"), (48, "working_hours"))
    assert delay_never_longer((12, "hours"), (1, "working_days"))
    assert delay_never_longer((24, "working_hours"), (2, "working_days"))
    assert not delay_never_longer((48, "hours"), (1, "working_days"))  # Friday + 48 h is Sunday, after Monday
    assert not delay_never_longer((3, "working_days"), (3, "days"))
