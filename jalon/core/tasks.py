"""Periodic jobs shared by every domain (thin wrappers around services)."""

from datetime import timedelta

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from jalon.core.files import files_sweep
from jalon.core.idempotency import idempotency_keys_purge


@db_periodic_task(crontab(minute="23", hour="3"))
def purge_idempotency_keys() -> None:
    """Nightly; expired keys are already free, this only keeps the table small. Idempotent."""
    idempotency_keys_purge()


@db_periodic_task(crontab(hour="4", minute="10"))
@lock_task("core-files-sweep")
def sweep_orphan_files() -> None:
    """Every night; idempotent, and the grace period keeps it off files of transactions in progress."""
    files_sweep(grace=timedelta(hours=settings.FILES_SWEEP_GRACE_HOURS))
