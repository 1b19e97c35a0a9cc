"""Periodic job of diagnostics (a thin wrapper around the service)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from jalon.diagnostics.services import pathology_scan_late


@db_periodic_task(crontab(minute="*/10"))
@lock_task("pathology-scan-late")
def scan_late_pathology() -> None:
    """Every ten minutes; the lock only saves work, correctness does not depend on it (see the service)."""
    pathology_scan_late()
