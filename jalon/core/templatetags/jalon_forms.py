"""Form accessibility helpers for the shared partials (includes/form_errors.html, includes/field.html)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag
def error_summary(form) -> list[dict]:
    """Each error of the form, in page order: its message, and the field's label and id to link to (None for the
    form's own).

    A field with two errors is listed once (the summary links to fields; the messages are by the fields)."""
    if form is None or not getattr(form, "errors", None):
        return []
    items = [{"label": None, "anchor": None, "message": error} for error in form.non_field_errors()]
    for field in form:
        if field.errors:
            anchor = None if field.is_hidden else field.id_for_label
            items.append({"label": field.label, "anchor": anchor, "message": field.errors[0]})
    return items


@register.filter
def has_required_field(form) -> bool:
    """Whether a visible field of the form is required (then the form explains the « * »)."""
    return any(field.field.required and not field.is_hidden for field in form) if form is not None else False
