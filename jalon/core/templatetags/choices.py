"""`{{ referral|choice:"status" }}`: what `{{ referral.get_status_display }}` shows, read from core.labels (the
labels of a field's choices built once per language) instead of Django's get_FOO_display, which hashes and
translates every label of the field at each call (issue 15: pages that show many of them).

    {% load choices %}
    {{ pathway|choice:"priority" }}  {{ row.milestone.template|choice:"responsible_role" }}
"""

from __future__ import annotations

from django import template

from jalon.core.labels import choice_labels

register = template.Library()


@register.filter
def choice(instance, field_name: str):
    """The label of `instance.field_name`'s value among the field's choices; the value itself when it is not
    one of them (as get_FOO_display)."""
    if instance is None or instance == "":
        return ""
    value = getattr(instance, field_name)
    return choice_labels(type(instance), field_name).get(value, value)
