"""Stored files: removing those no row keeps (serving one: core.documents.stored_file_response).

Two safety nets keep the storage free of files whose row never existed (a service that failed after
writing its document, a worker killed mid-transaction):

- `RollbackSafeStorage` (the default storage) removes a file saved inside a transaction as soon as
  that transaction, or the savepoint it was saved in, rolls back;
- `files_sweep` (every night from Huey, and `manage.py files_sweep`) removes what is left: files no
  row names, older than a grace period so that it never races a transaction still in progress.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from django.apps import apps
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.db import models, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


# --- Files saved in a transaction that rolls back ------------------------------------------------


class _CommitMark:
    """The on-commit callback of one saved file: run, the file is kept; dropped unrun, the file goes.

    Django has no on-rollback hook, but a rollback (of the transaction or of the savepoint the file
    was saved in) drops the callbacks registered inside it, and this object with them: its finaliser
    then removes the file. CPython frees it at once (reference counting; it is in no cycle).
    """

    __slots__ = ("__weakref__", "state")

    def __init__(self, state: dict) -> None:
        self.state = state

    def __call__(self) -> None:
        self.state["committed"] = True


def _remove_unless_committed(storage: Storage, name: str, state: dict) -> None:
    if state["committed"]:
        return
    try:
        storage.delete(name)
    except OSError:
        logger.exception("stored file %s of a rolled back transaction could not be removed", name)
    else:
        logger.info("stored file %s removed: its transaction rolled back", name)


def remove_on_rollback(storage: Storage, name: str, *, using: str | None = None) -> None:
    """Remove `name` from `storage` if the current transaction (or savepoint) rolls back; no-op outside one."""
    if not transaction.get_connection(using).in_atomic_block:
        return
    state = {"committed": False}
    mark = _CommitMark(state)
    weakref.finalize(mark, _remove_unless_committed, storage, name, state)
    transaction.on_commit(mark, using=using)


class RollbackSafeStorage(FileSystemStorage):
    """The file system storage, except that a file saved in a transaction that rolls back is removed."""

    def _save(self, name, content):
        name = super()._save(name, content)
        remove_on_rollback(self, name)
        return name


# --- The nightly sweep of files no row names --------------------------------------------------------

# The top folders the FileFields write to (their upload_to); a new FileField's folder goes here.
SWEPT_FOLDERS = ("referrals", "teleexpertise", "mailin", "letters", "exam_reports")
# Columns other than FileFields that name a stored file (model label, field name).
EXTRA_FILE_REFERENCES = (("messaging.OutboxMessage", "attachment_path"),)
BATCH = 500


def file_references() -> list[tuple[type[models.Model], str]]:
    """Every (model, column) naming a stored file: all FileFields of all models, and the extra columns."""
    references = [
        (model, model_field.name)
        for model in apps.get_models()
        for model_field in model._meta.concrete_fields
        if isinstance(model_field, models.FileField)
    ]
    references += [(apps.get_model(label), name) for label, name in EXTRA_FILE_REFERENCES]
    return references


def _stored_names(storage: Storage, folder: str) -> Iterator[str]:
    if not storage.exists(folder):
        return
    folders, files = storage.listdir(folder)
    for name in sorted(files):
        yield f"{folder}/{name}"
    for sub in sorted(folders):
        yield from _stored_names(storage, f"{folder}/{sub}")


@dataclass
class SweepReport:
    removed: list[tuple[str, int]] = field(default_factory=list)  # (name, size in bytes)
    kept: int = 0
    dry_run: bool = False

    @property
    def removed_bytes(self) -> int:
        return sum(size for _name, size in self.removed)


def _named_by_a_row(names: list[str], references) -> set[str]:
    named: set[str] = set()
    for model, column in references:
        named.update(model._base_manager.filter(**{f"{column}__in": names}).values_list(column, flat=True))
    return named


def files_sweep(*, grace: timedelta, dry_run: bool = False, storage: Storage | None = None) -> SweepReport:
    """Remove (or, dry run, list) the stored files no row names and last modified more than `grace` ago.

    Idempotent; reads the storage folder by folder and asks the database by batches of names.
    """
    storage = storage or default_storage
    references = file_references()
    cutoff = timezone.now() - grace
    report = SweepReport(dry_run=dry_run)

    def handle(batch: list[str]) -> None:
        named = _named_by_a_row(batch, references)
        for name in batch:
            if name in named or storage.get_modified_time(name) > cutoff:
                report.kept += 1
                continue
            size = storage.size(name)
            if not dry_run:
                storage.delete(name)
            report.removed.append((name, size))

    for folder in SWEPT_FOLDERS:
        batch: list[str] = []
        for name in _stored_names(storage, folder):
            batch.append(name)
            if len(batch) == BATCH:
                handle(batch)
                batch = []
        if batch:
            handle(batch)
    if report.removed:
        logger.info(
            "files sweep: %d orphan file(s) %s (%d bytes)",
            len(report.removed),
            "found" if dry_run else "removed",
            report.removed_bytes,
        )
    return report
