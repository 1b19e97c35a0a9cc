"""Periodic jobs shared by every domain (thin wrappers around services)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from jalon.core.idempotency import idempotency_keys_purge


@db_periodic_task(crontab(minute="23", hour="3"))
def purge_idempotency_keys() -> None:
    """Nightly; expired keys are already free, this only keeps the table small. Idempotent."""
    idempotency_keys_purge()
