"""Who sees the outbox's undelivered messages, and who edits the notification texts."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from jalon.accounts.access import C, has_capability
from jalon.patients.models import Patient


def undelivered_messages_reach(user) -> Q:
    """Which undelivered messages (messaging.OutboxMessage) the coordination sees, retries or marks handled:
    those about a referral of their organisations' entry points; a message tied to no referral, when its
    patient has a referral there. Never another organisation's referral's message, even for a shared patient."""
    organization_ids = user.organization_ids() if has_capability(user, C.WORK_REFERRALS) else []
    # The patient has a referral at one of their entry points (through the patient, so that messaging,
    # below referrals, names no referral model).
    of_their_patients = Patient.objects.filter(
        pk=OuterRef("patient_id"), referrals__entry_point__organization_id__in=organization_ids
    )
    return Q(event__referral__entry_point__organization_id__in=organization_ids) | Q(
        Exists(of_their_patients), event__referral__isnull=True
    )


# --- Notification texts (issue 12, item 6) ----------------------------------------------------------
# Region-wide texts: admins only. An organisation's texts (used for messages about its entry points'
# referrals): the managers of that organisation. Nobody else edits a text.


def may_edit_regional_notification_texts(user) -> bool:
    return has_capability(user, C.MANAGE_REGIONAL_NOTIFICATION_TEXTS)


def notification_text_organization_ids(user) -> list[int]:
    """The organisations whose texts the user may edit (a manager's own organisations; nobody else's)."""
    if not has_capability(user, C.MANAGE_NOTIFICATION_TEXTS):
        return []
    return user.organization_ids()


def may_edit_notification_texts(user, organization_id: int | None) -> bool:
    """Edit and publish the texts of `organization_id` (None: the region-wide texts)."""
    if organization_id is None:
        return may_edit_regional_notification_texts(user)
    return organization_id in notification_text_organization_ids(user)
