"""The coordinator's worklist panel of professionals' messages (threads with unread counts)."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def worklist_threads(context):
    """Placeholder until the portal's threads exist: renders nothing."""
    return ""
