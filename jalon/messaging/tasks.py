"""Worker tasks for the outbox: thin wrappers that take ids and call the services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from jalon.messaging.services import outbox_deliver, outbox_deliver_due


@db_task()
def deliver_outbox_message(message_id: int) -> None:
    outbox_deliver(message_id=message_id)


@db_periodic_task(crontab(minute="*"))
def deliver_due_outbox_messages() -> None:
    """Safety net: retries and anything enqueued while the worker was down."""
    outbox_deliver_due()
