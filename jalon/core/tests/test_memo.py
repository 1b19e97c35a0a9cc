"""core.memo: reference data kept in the process's memory, forgotten by every process when it changes."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import transaction

from jalon.core.memo import ReferenceMemo
from jalon.referrals.models import EntryPointClosure
from jalon.testing.factories import EntryPointFactory


class Counting:
    def __init__(self, memo: ReferenceMemo) -> None:
        self.memo, self.calls = memo, 0

    def get(self, key):
        def compute(missing):
            self.calls += 1
            return {k: f"value of {k} #{self.calls}" for k in missing}

        return self.memo.get_many([key], compute)[key]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_value_is_computed_once_then_forgotten_when_a_watched_model_is_written():
    memo = Counting(ReferenceMemo("test-memo", watches=("referrals.EntryPointClosure",)))
    entry_point = EntryPointFactory()
    first = memo.get("a")
    assert memo.get("a") == first and memo.calls == 1
    EntryPointClosure.objects.create(entry_point=entry_point, day="2026-12-24", reason="fermeture")
    assert memo.get("a") != first and memo.calls == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_another_process_forgets_too_the_version_is_shared():
    """Two memos of one name stand for two server processes: they share the version in the cache."""
    ours = Counting(ReferenceMemo("test-shared", watches=()))
    theirs = ReferenceMemo("test-shared", watches=())
    ours.get("a")
    theirs.invalidate()  # a write seen by the other process
    ours.get("a")
    assert ours.calls == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_value_read_inside_a_transaction_is_not_kept():
    """Rows a transaction wrote and then rolled back must not outlive it in the memo."""
    memo = Counting(ReferenceMemo("test-atomic", watches=()))
    with transaction.atomic():
        memo.get("a")
    memo.get("a")
    memo.get("a")
    assert memo.calls == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_emptied_cache_empties_the_memo():
    memo = Counting(ReferenceMemo("test-cleared", watches=()))
    memo.get("a")
    cache.clear()
    memo.get("a")
    assert memo.calls == 2
