"""The entry points' answer calendars are memoised per process (core.memo): a closure reaches the worklist at once."""

from __future__ import annotations

from datetime import date

import pytest

from jalon.referrals.models import EntryPointClosure
from jalon.referrals.selectors import answer_calendars
from jalon.testing.factories import EntryPointFactory


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_closure_added_changes_the_worklist_calendar_at_once():
    entry_point = EntryPointFactory()
    assert answer_calendars([entry_point.pk])[entry_point.pk]["closures"] == frozenset()
    EntryPointClosure.objects.create(entry_point=entry_point, day=date(2026, 12, 24), reason="fermeture")
    assert answer_calendars([entry_point.pk])[entry_point.pk]["closures"] == frozenset([date(2026, 12, 24)])
