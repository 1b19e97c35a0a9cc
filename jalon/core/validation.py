"""Checks on values typed by people or sent by software, shared by forms, API schemas and services."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

# A time said to be "now" may come from a device whose clock is a little ahead.
FUTURE_TOLERANCE = timedelta(minutes=5)


def future_date_error(value: date | datetime | None, *, what: str, now: datetime | None = None) -> str | None:
    """The French message when `value` lies in the future, else None (an empty value is not in the future).

    A date is in the future after today in Paris; an aware datetime more than FUTURE_TOLERANCE after now.
    `what` names the date as the message starts: « La date de naissance »."""
    if value is None:
        return None
    now = now or timezone.now()
    latest = now + FUTURE_TOLERANCE if isinstance(value, datetime) else timezone.localdate(now)
    if value <= latest:
        return None
    return _("%(what)s ne peut pas être dans le futur.") % {"what": what}


def validate_not_in_future(value: date | datetime | None, *, what: str) -> None:
    """A form's field check: ValidationError (code `date_in_future`) when `value` lies in the future."""
    message = future_date_error(value, what=what)
    if message:
        raise ValidationError(message, code="date_in_future")
