"""The coordinator's worklist panel of received secure mails waiting to become referrals."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def worklist_mails(context):
    """Placeholder until the mail-in exists: renders nothing."""
    return ""
