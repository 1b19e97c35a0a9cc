"""The thread between the city professionals and the coordination about one referral, on the
coordination's referral and pathway pages."""

from django import template
from django.urls import reverse

from jalon.portal.access import thread_side_of
from jalon.portal.forms import ThreadMessageForm
from jalon.portal.selectors import thread_messages

register = template.Library()


@register.inclusion_tag("portal/_thread_panel.html", takes_context=True)
def thread_panel(context, referral):
    """The thread, for those who take part in it (nothing for anyone else): with the reply form for the
    coordination; with a link to the patient's portal page, where they write, for the referrer and the GP
    (their referral and pathway pages stay read-only).

    The page that shows it has read the referral (and audited it) and marked the thread read."""
    request = context.get("request")
    user = getattr(request, "user", None)
    side = thread_side_of(user, referral) if user is not None else None
    if side is None:
        return {"side": None}
    return {
        "side": side,
        "referral": referral,
        "thread": thread_messages(referral),
        "form": ThreadMessageForm(side=side, auto_id="id_thread_%s"),
        "back": _page_of(request, referral),
        "csrf_token": context.get("csrf_token"),
    }


def _page_of(request, referral) -> str:
    """The page to come back to after a reply: the pathway or the referral page itself (not the URL of a
    refused action the page may have been drawn for, which only takes POSTs)."""
    match = getattr(request, "resolver_match", None)
    name = "pathways:detail" if match is not None and match.namespace == "pathways" else "coordination:referral"
    return reverse(name, args=[referral.reference])
