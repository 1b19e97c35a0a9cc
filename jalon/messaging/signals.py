"""Signals of the outbox, declared here so that services never import the worker's tasks."""

from django.dispatch import Signal

# Sent after the transaction that queued (or re-queued) a message commits, with `message_id`.
# `jalon.messaging.tasks` connects the worker to it (wired in `MessagingConfig.ready`).
outbox_message_queued = Signal()
