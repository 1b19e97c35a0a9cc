"""Identity conflicts shown where the coordination works: a section of the worklist, a banner on the referral page."""

from django import template
from django.template.loader import render_to_string

from jalon.accounts.models import Role
from jalon.patients.access import identity_conflicts_visible_to
from jalon.patients.models import ConflictStatus
from jalon.patients.selectors import open_identity_conflict_count

register = template.Library()


def _coordinator(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.role != Role.COORDINATOR:
        return request, None
    return request, user


@register.simple_tag(takes_context=True)
def worklist_identity_conflicts(context):
    """The count of open identity conflicts with a link to them; when there is none, one quiet line that still
    leads to the page (and its resolved conflicts), so the coordination always knows where it is."""
    request, user = _coordinator(context)
    if user is None:
        return ""
    count = open_identity_conflict_count(user)
    return render_to_string("patients/_worklist_identity_conflicts.html", {"count": count}, request=request)


@register.simple_tag(takes_context=True)
def referral_identity_conflicts(context, referral):
    """On the referral page, for its entry point's coordinators: the open conflict this referral raised."""
    request, user = _coordinator(context)
    if user is None:
        return ""
    conflicts = list(identity_conflicts_visible_to(user).filter(referral_id=referral.pk, status=ConflictStatus.OPEN))
    if not conflicts:
        return ""
    return render_to_string("patients/_referral_identity_conflicts.html", {"conflicts": conflicts}, request=request)
