"""Reads of the outbox for the coordination."""

from __future__ import annotations

from django.db.models import QuerySet

from jalon.messaging.access import undelivered_messages_reach
from jalon.messaging.models import OutboxMessage, OutboxStatus


def failed_messages_for_coordinator(user) -> QuerySet[OutboxMessage]:
    """Definitive delivery failures about the referrals of the coordinator's organisations' entry points
    (`access.undelivered_messages_reach`), not yet retried or taken into account."""
    return (
        OutboxMessage.objects.filter(status=OutboxStatus.FAILED, failure_handled_at__isnull=True, patient__isnull=False)
        .filter(undelivered_messages_reach(user))
        .select_related("patient", "event__referral")
        .order_by("-created_at")
    )
