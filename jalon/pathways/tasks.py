"""Periodic jobs of the pathway engine (thin wrappers around services)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from jalon.pathways.alerts import alerts_scan


@db_periodic_task(crontab(minute="*/10"))
@lock_task("pathways-alerts-scan")
def scan_alerts() -> None:
    """Every ten minutes; the lock only saves work, correctness does not depend on it (see alerts.py)."""
    alerts_scan()
