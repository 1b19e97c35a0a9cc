"""Worker job of the mail-in: a thin wrapper around the service."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from jalon.mailin.services import mailbox_poll


@db_periodic_task(crontab(minute="*/2"))
@lock_task("mailin-mailbox-poll")
def poll_secure_mailbox() -> None:
    """Every two minutes; the lock only saves work, the hash of each mail keeps a second worker harmless."""
    mailbox_poll()
