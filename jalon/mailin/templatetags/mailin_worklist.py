"""The coordinator's worklist panel of received secure mails waiting to become referrals."""

from django import template
from django.template.loader import render_to_string

from jalon.accounts.access import Capability, has_capability
from jalon.mailin.selectors import mail_counts_for_coordinator

register = template.Library()


@register.simple_tag(takes_context=True)
def worklist_mails(context):
    """A short section with the count of mails to complete and a link to them; nothing when there is none."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not has_capability(user, Capability.READ_MAILIN):
        return ""
    counts = mail_counts_for_coordinator(user)
    if not counts["total"]:
        return ""
    return render_to_string("mailin/_worklist_mails.html", {"counts": counts}, request=request)
