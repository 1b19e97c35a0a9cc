from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from jalon.scheduling.services import slots_release_due


@db_periodic_task(crontab(minute="*/5"))
def release_unused_reserved_slots() -> None:
    """Every five minutes: reserved and urgent slots still free at their release time go to everyone."""
    slots_release_due()
