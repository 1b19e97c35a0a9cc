"""Reference data that changes rarely (an entry point's calendar, a user's organisations), kept in each
server process's memory and forgotten by every process as soon as it changes (issue 15: the pages read it on
every request, at the price of a query each).

Each memo has a version number in Django's cache (Redis in production, shared by every app server; local
memory in embedded mode). A save or delete of one of the models the memo watches moves the version once when
the row is written and once more after the transaction commits, so a value computed from rows read between
the two is never served once the new rows are visible. A process reads the version once per `get_many` (one
cache read) and drops its values when it moved. Values read inside a transaction are not kept (a rollback
would take their rows back unseen); pages run in autocommit, so they keep theirs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterable

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

MAX_VALUES = 10_000  # per memo and process: beyond, the memo starts again empty


class ReferenceMemo:
    def __init__(self, name: str, *, watches: Iterable[str]) -> None:
        """`watches`: the models ("app_label.ModelName") whose writes may change a value of this memo."""
        self.name = name
        self.key = f"jalon:memo:{name}"
        self._state: tuple[int | None, dict] = (None, {})
        for label in watches:
            post_save.connect(self._on_write, sender=label, weak=False, dispatch_uid=f"{self.key}:save:{label}")
            post_delete.connect(self._on_write, sender=label, weak=False, dispatch_uid=f"{self.key}:delete:{label}")

    def _version(self) -> int:
        value = cache.get(self.key)
        if value is None:
            cache.add(self.key, time.time_ns() // 1000, timeout=None)
            value = cache.get(self.key)
        return int(value)

    def _bump(self) -> None:
        try:
            cache.incr(self.key)
        except ValueError:  # not there (first use, or the cache was emptied): any new value differs
            cache.add(self.key, time.time_ns() // 1000, timeout=None)

    def invalidate(self) -> None:
        """Forget every value, in every process: now, and again once the current transaction commits."""
        self._bump()
        transaction.on_commit(self._bump)

    def _on_write(self, sender, **kwargs) -> None:
        self.invalidate()

    def get_many(self, keys: Iterable[Hashable], compute: Callable[[list], dict]) -> dict:
        """The value of each key; `compute(missing_keys)` gives those this process does not hold (a key it
        leaves out has no value and is left out of the answer too)."""
        version = self._version()
        state = self._state
        if state[0] != version or len(state[1]) > MAX_VALUES:
            state = (version, {})
            self._state = state  # one assignment: a thread reading the old state keeps a consistent pair
        values = state[1]
        keys = list(dict.fromkeys(keys))
        missing = [key for key in keys if key not in values]
        if not missing:
            return {key: values[key] for key in keys}
        computed = compute(missing)
        if transaction.get_connection().in_atomic_block:
            # Read inside a transaction: maybe rows of its own that a rollback would take back without a word
            # to the memo. Served to this caller, kept for nobody.
            return {
                key: values[key] if key in values else computed[key] for key in keys if key in values or key in computed
            }
        values.update(computed)
        return {key: values[key] for key in keys if key in values}

    def get(self, key: Hashable, compute: Callable[[Hashable], object]) -> object:
        return self.get_many([key], lambda missing: {missing[0]: compute(missing[0])})[key]
