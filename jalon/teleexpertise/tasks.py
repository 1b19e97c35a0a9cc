"""Periodic job of tele-expertise (a thin wrapper around the service)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from jalon.teleexpertise.services import teleexpertise_scan_late


@db_periodic_task(crontab(minute="*/10"))
@lock_task("teleexpertise-scan-late")
def scan_late_teleexpertise() -> None:
    """Every ten minutes; the lock only saves work, correctness does not depend on it (see the service)."""
    teleexpertise_scan_late()
