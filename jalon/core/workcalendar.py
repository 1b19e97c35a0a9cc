"""Working-time calendar shared by all of Jalon.

A working day is a weekday (Monday-Friday) that is neither a French public
holiday (for the entry point's department, via the ``holidays`` package) nor one
of the entry point's own closure dates.

All datetime functions take aware datetimes, do their day arithmetic on
Europe/Paris wall-clock time and return aware datetimes in UTC. French DST
changes always happen on a Sunday, so every working day is exactly 24 h long.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

PARIS = ZoneInfo("Europe/Paris")

DELAY_UNITS = (
    ("hours", "heures"),
    ("days", "jours calendaires"),
    ("working_days", "jours ouvrés"),
    ("working_hours", "heures ouvrées"),
)

# Department code -> ``holidays.France`` subdivision (holidays >= 0.8x names).
# Alsace is "6AE" (67 and 68), Moselle is "57"; both add Good Friday and 26 December.
_SUBDIVISIONS = {
    "57": "57",
    "67": "6AE",
    "68": "6AE",
    "971": "971",
    "972": "972",
    "973": "973",
    "974": "974",
    "975": "PM",
    "976": "976",
    "977": "BL",
    "978": "MF",
    "986": "WF",
    "987": "PF",
    "988": "NC",
}

_ONE_DAY = timedelta(days=1)


def _subdivision(department: str | None) -> str | None:
    """Map a department code to a ``holidays`` subdivision (None = mainland rules)."""
    if department is None:
        return None
    return _SUBDIVISIONS.get(str(department).strip().upper())


@lru_cache(maxsize=256)
def _holidays(year: int, subdiv: str | None) -> dict[date, str]:
    return dict(holidays.France(years=year, subdiv=subdiv, language="fr"))


@lru_cache(maxsize=256)
def _cached_public_holidays(year: int, department: str | None) -> dict[date, str]:
    return _holidays(year, _subdivision(department))


def public_holidays(year: int, *, department: str | None = None) -> dict[date, str]:
    """Return the French public holidays of ``year`` ({date: French name})."""
    return dict(_cached_public_holidays(year, department))


def _closure_set(closures: Iterable[date]) -> frozenset[date]:
    return closures if isinstance(closures, frozenset) else frozenset(closures)


def is_working_day(
    day: date,
    *,
    department: str | None = None,
    closures: frozenset[date] | Iterable[date] = (),
) -> bool:
    """Return True if ``day`` is a weekday, not a public holiday and not closed."""
    if isinstance(day, datetime):
        raise TypeError("is_working_day() expects a date, not a datetime")
    return (
        day.weekday() < 5
        and day not in _cached_public_holidays(day.year, department)
        and day not in _closure_set(closures)
    )


def _to_local(value: datetime) -> datetime:
    """Return the naive Europe/Paris wall-clock time of an aware datetime."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("an aware datetime is required")
    return value.astimezone(PARIS).replace(tzinfo=None)


def _to_utc(wall: datetime) -> datetime:
    """Localise a naive Paris wall-clock time and convert it to UTC.

    Ambiguous times follow ``wall.fold``; times skipped by DST move forward.
    """
    return wall.replace(tzinfo=PARIS).astimezone(UTC)


def _check_amount(amount: int) -> None:
    if amount < 0:
        raise ValueError("the amount must not be negative")


def _first_working_moment(wall: datetime, department, closures) -> datetime:
    """Return ``wall`` if on a working day, else 00:00 of the next working day."""
    day = wall.date()
    if is_working_day(day, department=department, closures=closures):
        return wall
    day += _ONE_DAY
    while not is_working_day(day, department=department, closures=closures):
        day += _ONE_DAY
    return datetime.combine(day, time())


def add_working_days(
    start: datetime,
    days: int,
    *,
    department: str | None = None,
    closures: frozenset[date] | Iterable[date] = (),
) -> datetime:
    """Return the same Paris wall-clock time ``days`` working days later (UTC).

    A start on a non-working day is first moved to 00:00 of the next working day.
    """
    _check_amount(days)
    closures = _closure_set(closures)
    wall = _first_working_moment(_to_local(start), department, closures)
    day = wall.date()
    for _ in range(days):
        day += _ONE_DAY
        while not is_working_day(day, department=department, closures=closures):
            day += _ONE_DAY
    return _to_utc(datetime.combine(day, wall.time()))


def add_working_hours(
    start: datetime,
    hours: int,
    *,
    department: str | None = None,
    closures: frozenset[date] | Iterable[date] = (),
) -> datetime:
    """Add ``hours`` counting only time on working days (24 h per working day).

    A start on a non-working day counts from 00:00 of the next working day. A
    deadline falling exactly at the end of a working day is returned as 00:00 of
    the next calendar day (Friday 24:00 = Saturday 00:00).
    """
    _check_amount(hours)
    closures = _closure_set(closures)
    wall = _first_working_moment(_to_local(start), department, closures)
    remaining = timedelta(hours=hours)
    while True:
        day_end = datetime.combine(wall.date() + _ONE_DAY, time())
        if remaining <= day_end - wall:
            return _to_utc(wall + remaining)
        remaining -= day_end - wall
        wall = _first_working_moment(day_end, department, closures)


def working_time_between(
    start: datetime,
    end: datetime,
    *,
    department: str | None = None,
    closures: frozenset[date] | Iterable[date] = (),
) -> timedelta:
    """Return the working time between ``start`` and ``end`` (negative if end < start)."""
    wall_start, wall_end = _to_local(start), _to_local(end)
    if end < start:
        return -working_time_between(end, start, department=department, closures=closures)
    closures = _closure_set(closures)
    total = timedelta()
    day = wall_start.date()
    while day <= wall_end.date():
        if is_working_day(day, department=department, closures=closures):
            day_start = datetime.combine(day, time())
            lower = max(wall_start, day_start)
            upper = min(wall_end, day_start + _ONE_DAY)
            if upper > lower:
                total += upper - lower
        day += _ONE_DAY
    return total


def working_hours_left(
    now: datetime,
    deadline: datetime,
    *,
    department: str | None = None,
    closures: frozenset[date] | Iterable[date] = (),
) -> int:
    """Whole working hours from ``now`` until ``deadline``, in the calendar ``add_delay`` counts in.

    Rounded down (35 min left = 0); zero or negative once the deadline has passed, so a caller tests
    ``deadline < now`` for « en retard » and shows this only before.
    """
    left = working_time_between(now, deadline, department=department, closures=closures)
    return int(left.total_seconds() // 3600)


# Opening hours of an entry point when it declares none: 8:00-18:00 on working days (proposition Jalon,
# à valider; seed 001, fiche 2 speaks of « heures ouvrables » without giving them).
DEFAULT_OPENS = time(8, 0)
DEFAULT_CLOSES = time(18, 0)


def next_opening(
    moment: datetime,
    *,
    opens: time = DEFAULT_OPENS,
    closes: time = DEFAULT_CLOSES,
    department: str | None = None,
    closures: frozenset[date] | Iterable[date] = (),
) -> datetime:
    """``moment`` if it falls within opening hours (a working day, ``opens`` to ``closes`` included),
    else the next opening (UTC): nothing is due while the entry point is closed."""
    closures = _closure_set(closures)
    wall = _to_local(moment)
    day = wall.date()
    if is_working_day(day, department=department, closures=closures):
        if opens <= wall.time() <= closes:
            return moment.astimezone(UTC)
        if wall.time() < opens:
            return _to_utc(datetime.combine(day, opens))
    day += _ONE_DAY
    while not is_working_day(day, department=department, closures=closures):
        day += _ONE_DAY
    return _to_utc(datetime.combine(day, opens))


def due_at_opening(
    start: datetime,
    amount: int,
    unit: str,
    *,
    opens: time = DEFAULT_OPENS,
    closes: time = DEFAULT_CLOSES,
    department: str | None = None,
    closures: frozenset[date] | Iterable[date] = (),
) -> datetime:
    """`add_delay` from ``start``, moved to the next opening when it ends while the entry point is closed: the
    one rule for what an entry point commits to (answer deadlines, complements, a pathway's first tasks)."""
    end = add_delay(start, amount, unit, department=department, closures=closures)
    return next_opening(end, opens=opens, closes=closes, department=department, closures=closures)


@lru_cache(maxsize=1024)
def delay_never_longer(first: tuple[int, str], second: tuple[int, str], *, department: str | None = None) -> bool:
    """True when a delay ``first`` (amount, unit) never ends after ``second`` counted from the same start.

    Units differ in length across nights, weekends and holidays, so both are tried from every hour of
    four weeks that include a public holiday (mainland calendar unless ``department`` says otherwise)."""
    base = datetime(2026, 4, 27, tzinfo=PARIS)  # Monday: 1 and 8 May (public holidays) fall in the window
    for hour in range(28 * 24):
        start = base + timedelta(hours=hour)
        if add_delay(start, *first, department=department) > add_delay(start, *second, department=department):
            return False
    return True


def add_delay(
    start: datetime,
    amount: int,
    unit: str,
    *,
    department: str | None = None,
    closures: frozenset[date] | Iterable[date] = (),
) -> datetime:
    """Add a delay expressed in one of ``DELAY_UNITS`` and return a UTC datetime.

    "hours" are elapsed hours; "days" are calendar days at the same Paris
    wall-clock time (a time skipped by DST moves forward by one hour).
    """
    _check_amount(amount)
    if unit == "hours":
        _to_local(start)  # rejects naive datetimes
        return start.astimezone(UTC) + timedelta(hours=amount)
    if unit == "days":
        wall = _to_local(start)
        return _to_utc((wall + timedelta(days=amount)).replace(fold=wall.fold))
    if unit == "working_days":
        return add_working_days(start, amount, department=department, closures=closures)
    if unit == "working_hours":
        return add_working_hours(start, amount, department=department, closures=closures)
    raise ValueError(f"unknown delay unit: {unit!r}")


def subtract_delay(
    end: datetime,
    amount: int,
    unit: str,
    *,
    department: str | None = None,
    closures: frozenset[date] | Iterable[date] = (),
) -> datetime:
    """The moment `amount` of `unit` before `end` (e.g. when a reserved slot is released).

    Working days go back to the same wall-clock time on earlier working days; working hours count
    back only time on working days.
    """
    _check_amount(amount)
    if unit in ("hours", "days"):
        wall = _to_local(end)
        if unit == "hours":
            return end.astimezone(UTC) - timedelta(hours=amount)
        return _to_utc((wall - timedelta(days=amount)).replace(fold=wall.fold))
    closures = _closure_set(closures)
    wall = _to_local(end)
    if unit == "working_days":
        day = wall.date()
        for _ in range(amount):
            day -= _ONE_DAY
            while not is_working_day(day, department=department, closures=closures):
                day -= _ONE_DAY
        return _to_utc(datetime.combine(day, wall.time()))
    if unit == "working_hours":
        remaining = timedelta(hours=amount)
        day, into_day = wall.date(), wall - datetime.combine(wall.date(), time())
        while True:
            if is_working_day(day, department=department, closures=closures):
                if remaining <= into_day:
                    return _to_utc(datetime.combine(day, time()) + into_day - remaining)
                remaining -= into_day
            day, into_day = day - _ONE_DAY, _ONE_DAY  # go on from the end of the previous day
    raise ValueError(f"unknown delay unit: {unit!r}")
