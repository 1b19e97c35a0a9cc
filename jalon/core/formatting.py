"""French dates, times, delays and durations, written once for pages, messages and PDFs.

Times follow the French typographic norm (Imprimerie nationale): « 14 h 00 », « 9 h 05 », never « 14h00 »
or « 14:00 ». An aware datetime is shown in Paris time whatever the active time zone; the names of days and
months are French whatever the active language (the worker writes messages and letters outside a request).
Templates use the same functions as filters (`core/templatetags/french.py`, loaded everywhere).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

PARIS = ZoneInfo("Europe/Paris")
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def in_paris(value: date | datetime) -> date | datetime:
    """An aware datetime in Paris time; a naive datetime or a date as it is (already local)."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        return value.astimezone(PARIS)
    return value


def date_numeric(value: date | datetime) -> str:
    """« 01/12/2026 »."""
    return f"{in_paris(value):%d/%m/%Y}"


def day_month_year(value: date | datetime) -> str:
    """« 1 décembre 2026 »."""
    local = in_paris(value)
    return f"{local.day} {MONTHS[local.month - 1]} {local.year}"


def month_year(value: date | datetime) -> str:
    """« décembre 2026 »."""
    local = in_paris(value)
    return f"{MONTHS[local.month - 1]} {local.year}"


def weekday_day_month(value: date | datetime) -> str:
    """« mardi 1 décembre »."""
    local = in_paris(value)
    return f"{WEEKDAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]}"


def day_in_words(value: date | datetime) -> str:
    """« mardi 1 décembre 2026 »."""
    return f"{weekday_day_month(value)} {in_paris(value).year}"


def time_in_words(moment: datetime, *, seconds: bool = False) -> str:
    """« 14 h 00 » (« 14 h 05 min 30 s » with the seconds)."""
    local = in_paris(moment)
    text = f"{local.hour} h {local.minute:02d}"
    return f"{text} min {local.second:02d} s" if seconds else text


def when_in_words(moment: datetime) -> str:
    """« mardi 1 décembre 2026 à 14 h 00 »: a moment in a sentence."""
    return _("%(day)s à %(time)s") % {"day": day_in_words(moment), "time": time_in_words(moment)}


def date_at_time(moment: datetime) -> str:
    """« 1 décembre 2026 à 14 h 00 »."""
    return _("%(day)s à %(time)s") % {"day": day_month_year(moment), "time": time_in_words(moment)}


def datetime_numeric(moment: datetime) -> str:
    """« 01/12/2026 14 h 00 »: a moment in a table."""
    return f"{date_numeric(moment)} {time_in_words(moment)}"


def day_month_time(moment: datetime) -> str:
    """« 01/12 14 h 00 »: a moment of the coming days in a narrow column."""
    return f"{in_paris(moment):%d/%m} {time_in_words(moment)}"


def delay_text(amount: int, unit: str) -> str:
    """« 48 heures ouvrées », « 1 jour »...: a target delay in its unit (hours, working_hours, working_days, days)."""
    if unit == "hours":
        return ngettext("%(n)d heure", "%(n)d heures", amount) % {"n": amount}
    if unit == "working_hours":
        return ngettext("%(n)d heure ouvrée", "%(n)d heures ouvrées", amount) % {"n": amount}
    if unit == "working_days":
        return ngettext("%(n)d jour ouvré", "%(n)d jours ouvrés", amount) % {"n": amount}
    return ngettext("%(n)d jour", "%(n)d jours", amount) % {"n": amount}


def duration_text(duration: timedelta) -> str:
    """« 45 min », « 2 h », « 1 h 30 », « 3 j 2 h »: an elapsed time, to the minute (rounded down)."""
    minutes = max(int(duration.total_seconds() // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} j {hours} h" if hours else f"{days} j"
    if hours:
        return f"{hours} h {minutes:02d}" if minutes else f"{hours} h"
    return f"{minutes} min"
