"""The French formats of core.formatting as template filters (a builtin: no `{% load %}` needed).

An empty value ("" or None) gives "" so that `|default:"–"` still applies.
"""

from __future__ import annotations

from django import template

from jalon.core import formatting

register = template.Library()


def _filter(function):
    def apply(value, *args):
        return function(value, *args) if value not in (None, "") else ""

    apply.__name__ = function.__name__
    apply.__doc__ = function.__doc__
    return apply


for name, function in {
    "fr_date": formatting.date_numeric,
    "fr_datetime": formatting.datetime_numeric,
    "fr_day_month_time": formatting.day_month_time,
    "fr_day": formatting.day_in_words,
    "fr_weekday": formatting.weekday_day_month,
    "fr_when": formatting.when_in_words,
    "fr_time": formatting.time_in_words,
    "fr_month": formatting.month_year,
}.items():
    register.filter(name, _filter(function))


@register.filter
def fr_time_seconds(value):
    """« 14 h 05 min 30 s »."""
    return formatting.time_in_words(value, seconds=True) if value not in (None, "") else ""
