"""Reads of the outbox for the coordination."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from jalon.messaging.models import OutboxMessage, OutboxStatus
from jalon.referrals.models import Referral


def failed_messages_for_coordinator(user) -> QuerySet[OutboxMessage]:
    """Definitive delivery failures about patients of the coordinator's organisations' entry points,
    not yet retried or taken into account."""
    of_their_patients = Referral.objects.filter(
        patient_id=OuterRef("patient_id"), entry_point__organization_id__in=user.organization_ids()
    )
    return (
        OutboxMessage.objects.filter(status=OutboxStatus.FAILED, failure_handled_at__isnull=True, patient__isnull=False)
        .filter(Exists(of_their_patients))
        .select_related("patient", "event__referral")
        .order_by("-created_at")
    )
