"""The French formats of dates, times, delays and durations (core.formatting), and their template filters."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from jalon.core import formatting as f


def test_it_writes_times_the_french_typographic_way():
    """« 14 h 00 », « 9 h 05 »: a space each side of the h, the hour without a leading zero."""
    assert f.time_in_words(datetime(2026, 12, 1, 13, 0, tzinfo=UTC)) == "14 h 00"
    assert f.time_in_words(datetime(2026, 7, 14, 7, 5, tzinfo=UTC)) == "9 h 05"
    assert f.time_in_words(datetime(2026, 7, 14, 7, 5, 30, tzinfo=UTC), seconds=True) == "9 h 05 min 30 s"


def test_it_converts_aware_utc_datetimes_to_paris_time():
    """Winter is UTC+1, summer UTC+2."""
    assert f.when_in_words(datetime(2026, 12, 1, 13, 0, tzinfo=UTC)) == "mardi 1 décembre 2026 à 14 h 00"
    assert f.when_in_words(datetime(2026, 7, 14, 7, 5, tzinfo=UTC)) == "mardi 14 juillet 2026 à 9 h 05"


def test_it_writes_paris_midnight_on_the_paris_day():
    """23:00 UTC on 31 December is midnight on 1 January in Paris: the day is the Paris one."""
    midnight = datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    assert f.date_numeric(midnight) == "01/01/2027"
    assert f.datetime_numeric(midnight) == "01/01/2027 0 h 00"
    assert f.day_in_words(midnight) == "vendredi 1 janvier 2027"


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # 29 March 2026: at 2:00 Paris jumps to 3:00 (CET → CEST).
        (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), "29/03/2026 1 h 59"),
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "29/03/2026 3 h 00"),
        # 25 October 2026: at 3:00 Paris goes back to 2:00 (CEST → CET); 2 h 30 happens twice.
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "25/10/2026 2 h 30"),
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "25/10/2026 2 h 30"),
        (datetime(2026, 10, 25, 2, 0, tzinfo=UTC), "25/10/2026 3 h 00"),
    ],
)
def test_it_follows_the_paris_clock_on_daylight_saving_days(moment, expected):
    """The clock changes of spring and autumn."""
    assert f.datetime_numeric(moment) == expected


def test_it_ignores_the_active_time_zone_and_language():
    """Messages and letters are written by the worker: French and Paris time whatever is active."""
    with timezone.override("America/New_York"), translation.override("en"):
        assert f.when_in_words(datetime(2026, 12, 1, 13, 0, tzinfo=UTC)) == "mardi 1 décembre 2026 à 14 h 00"


def test_it_writes_dates_in_words_and_in_figures():
    """The forms of a date, a month and a day of the week."""
    day = date(2026, 8, 3)
    assert f.date_numeric(day) == "03/08/2026"
    assert f.day_month_year(day) == "3 août 2026"
    assert f.month_year(day) == "août 2026"
    assert f.weekday_day_month(day) == "lundi 3 août"
    assert f.date_at_time(datetime(2026, 11, 17, 8, 0, tzinfo=UTC)) == "17 novembre 2026 à 9 h 00"
    assert f.day_month_time(datetime(2026, 11, 17, 8, 0, tzinfo=UTC)) == "17/11 9 h 00"


@pytest.mark.parametrize(
    ("amount", "unit", "expected"),
    [
        (48, "working_hours", "48 heures ouvrées"),
        (1, "working_days", "1 jour ouvré"),
        (24, "hours", "24 heures"),
        (14, "days", "14 jours"),
    ],
)
def test_it_writes_a_delay_in_its_unit(amount, unit, expected):
    """A target delay says its unit."""
    assert f.delay_text(amount, unit) == expected


@pytest.mark.parametrize(
    ("duration", "expected"),
    [
        (timedelta(minutes=45), "45 min"),
        (timedelta(hours=2), "2 h"),
        (timedelta(hours=1, minutes=30), "1 h 30"),
        (timedelta(days=3, hours=2, minutes=10), "3 j 2 h"),
        (timedelta(days=2), "2 j"),
    ],
)
def test_it_writes_a_duration(duration, expected):
    """Elapsed times, to the minute."""
    assert f.duration_text(duration) == expected


def test_the_template_filters_use_the_same_formats():
    """Pages print what messages and letters print; an empty value prints nothing."""
    template = Template("{{ moment|fr_when }} · {{ moment|fr_datetime }} · {{ day|fr_date }} · [{{ nothing|fr_date }}]")
    text = template.render(
        Context({"moment": datetime(2026, 12, 1, 13, 0, tzinfo=UTC), "day": date(2026, 1, 2), "nothing": None})
    )
    assert text == "mardi 1 décembre 2026 à 14 h 00 · 01/12/2026 14 h 00 · 02/01/2026 · []"
