"""The one "not in the future" rule (core.validation)."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from jalon.core.validation import FUTURE_TOLERANCE, future_date_error, validate_not_in_future

# 23:30 UTC on 14 March is already 15 March in Paris.
LATE_EVENING_UTC = datetime(2026, 3, 14, 23, 30, tzinfo=UTC)


@time_machine.travel(LATE_EVENING_UTC, tick=False)
def test_it_accepts_today_in_paris_and_refuses_tomorrow():
    """Today is the Paris date, not the UTC one."""
    assert future_date_error(date(2026, 3, 15), what="La date de naissance") is None
    assert future_date_error(date(2026, 3, 16), what="La date de naissance") == (
        "La date de naissance ne peut pas être dans le futur."
    )


def test_it_accepts_no_value():
    """An empty optional date is not in the future."""
    assert future_date_error(None, what="La date") is None


def test_it_allows_a_datetime_a_few_minutes_ahead():
    """A datetime may be ahead of the server's clock by the tolerance, not more."""
    now = LATE_EVENING_UTC
    assert future_date_error(now + FUTURE_TOLERANCE, what="La date", now=now) is None
    assert future_date_error(now + FUTURE_TOLERANCE + timedelta(seconds=1), what="La date", now=now) == (
        "La date ne peut pas être dans le futur."
    )


@time_machine.travel(LATE_EVENING_UTC, tick=False)
def test_it_raises_a_coded_validation_error_for_forms():
    """Forms get a ValidationError with the code `date_in_future` and the French message."""
    validate_not_in_future(date(2026, 3, 15), what="La date de l'examen")
    with pytest.raises(ValidationError) as caught:
        validate_not_in_future(date(2026, 3, 16), what="La date de l'examen")
    assert caught.value.code == "date_in_future"
    assert caught.value.messages == ["La date de l'examen ne peut pas être dans le futur."]
