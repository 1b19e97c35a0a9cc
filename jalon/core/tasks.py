"""Periodic jobs shared by every domain (thin wrappers around services)."""

from datetime import timedelta

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from jalon.core.files import files_sweep


@db_periodic_task(crontab(hour="4", minute="10"))
@lock_task("core-files-sweep")
def sweep_orphan_files() -> None:
    """Every night; idempotent, and the grace period keeps it off files of transactions in progress."""
    files_sweep(grace=timedelta(hours=settings.FILES_SWEEP_GRACE_HOURS))
