"""The thread between the city professionals and the coordination about one referral, on the
coordination's referral and pathway pages."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def thread_panel(context, referral):
    """Placeholder until the portal's threads exist: renders nothing."""
    return ""
