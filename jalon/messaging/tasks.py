"""Worker tasks for the outbox: thin wrappers that take ids and call the services."""

from django.dispatch import receiver
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from jalon.messaging.services import outbox_deliver, outbox_deliver_due
from jalon.messaging.signals import outbox_message_queued


@db_task()
def deliver_outbox_message(message_id: int) -> None:
    outbox_deliver(message_id=message_id)


@receiver(outbox_message_queued, dispatch_uid="jalon.messaging.tasks.deliver_outbox_message")
def enqueue_delivery(sender, *, message_id: int, **kwargs) -> None:
    """Hand a message the services just queued to the worker, right after the commit."""
    deliver_outbox_message(message_id)


@db_periodic_task(crontab(minute="*"))
def deliver_due_outbox_messages() -> None:
    """Safety net: retries and anything enqueued while the worker was down."""
    outbox_deliver_due()
