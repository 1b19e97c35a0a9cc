"""The coordinator's worklist panel of professionals' messages (threads with unread counts)."""

from django import template

from jalon.accounts.access import Capability, has_capability
from jalon.accounts.audit import audit_many
from jalon.accounts.models import AuditAction
from jalon.core.actor import Actor
from jalon.portal.selectors import unread_threads_for_coordinator

register = template.Library()


@register.inclusion_tag("portal/_worklist_threads.html", takes_context=True)
def worklist_threads(context):
    """The threads of the coordinator's entry points with city messages they have not read, and the total
    unread count; every listed patient is audited, as the worklist does for its rows."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not has_capability(user, Capability.WORK_REFERRALS):
        return {"shown": False}
    unread = unread_threads_for_coordinator(user)
    if unread.threads:
        audit_many(
            Actor.from_request(request),
            action=AuditAction.READ,
            patient_ids=[thread.referral.patient_id for thread in unread.threads],
            object_type="worklist.threads",
        )
    return {"shown": True, "total_unread": unread.total_unread, "threads": unread.threads, "more": unread.not_shown}
