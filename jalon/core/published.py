"""What is read from a published version of versioned rules (triage rules, completeness requirements), kept
in each server process for its life (issue 15: every submission and decision read them again).

A published version is never changed again (triage.rule_services refuses it, the completeness admin too): a
value computed from its rows stays true, so it is kept under a key naming the version's id, number and
publication time, whatever transaction it was read in. Which version is current is still read each time (one
small query), so publishing a new one is seen at once by every process. Any write of a watched model empties
the memo of this process all the same (a draft published, edited after a rollback, tests that reuse ids).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable

from django.db.models.signals import post_delete, post_save

MAX_VALUES = 1_000


class PublishedMemo:
    def __init__(self, name: str, *, watches: Iterable[str]) -> None:
        """`watches`: the models ("app_label.ModelName") of the versions and their rows."""
        self.name = name
        self._values: dict = {}
        for label in watches:
            uid = f"jalon:published:{name}:{label}"
            post_save.connect(self._on_write, sender=label, weak=False, dispatch_uid=f"{uid}:save")
            post_delete.connect(self._on_write, sender=label, weak=False, dispatch_uid=f"{uid}:delete")

    def _on_write(self, sender, **kwargs) -> None:
        self._values = {}

    def get(self, version, key: Hashable, compute: Callable[[], object]) -> object:
        """`compute()` for `key` under the published `version` (a model with pk, version and published_at),
        once per process. The value is shared: make it immutable (tuples, frozen dataclasses)."""
        if version.published_at is None:  # a draft changes: never kept
            return compute()
        full_key = (version.pk, version.version, version.published_at, key)
        values = self._values
        if full_key in values:
            return values[full_key]
        value = compute()
        if len(values) >= MAX_VALUES:
            values = self._values = {}
        values[full_key] = value
        return value
