"""Form accessibility helpers for the shared partials (includes/form_errors.html, includes/field.html), and
`{% field %}` / `{% form_errors %}`, the same partials rendered once per language and content for an unbound form."""

from __future__ import annotations

from django import forms, template
from django.template.loader import render_to_string
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

# The HTML of unbound fields and error blocks, per language and everything they show (issue 15): a page with
# many forms (the pathway page draws ~30 fields, one select or textarea template each) renders each one once.
_HTML: dict[tuple, str] = {}
_HTML_MAX = 2000
# Stands for the form's prefix in the stored HTML (letters and digits: escaping never changes it), so that forms
# differing only by their prefix (the pathway page's record form of each step, `record-<id>`) share it.
_PREFIX_MARK = "jalonprefixmark7c1e"


def _cached(key: tuple | None, render) -> str:
    if key is None:
        return render()
    html = _HTML.get(key)
    if html is None:
        html = render()
        if len(_HTML) >= _HTML_MAX:
            _HTML.clear()
        _HTML[key] = html
    return html


def _field_key(bound_field) -> tuple | None:
    """Everything includes/field.html shows of an unbound field, or None when that cannot be told cheaply (a
    bound form shows what was typed and its errors; a model choice field's choices are a query)."""
    form, field = bound_field.form, bound_field.field
    if form.is_bound or isinstance(field, forms.ModelChoiceField):
        return None
    widget = field.widget
    choices = getattr(field, "choices", None)
    try:
        return (
            get_language(),
            type(form),
            type(field),
            type(widget),
            bound_field.name,
            form.auto_id,
            bool(form.prefix),
            str(bound_field.label),
            str(field.help_text),
            field.required,
            field.disabled,
            form.use_required_attribute,
            repr(sorted(widget.attrs.items())),
            repr(bound_field.value()),
            None if choices is None else tuple((str(value), str(label)) for value, label in choices),
        )
    except TypeError:  # something unhashable or not comparable: render it each time
        return None


def _render_marked(bound_field) -> str:
    """includes/field.html for the field with `_PREFIX_MARK` where its form's prefix goes."""
    form = bound_field.form
    prefix = form.prefix
    form.prefix = _PREFIX_MARK
    try:
        marked = bound_field.field.get_bound_field(form, bound_field.name)
        return render_to_string("includes/field.html", {"field": marked})
    finally:
        form.prefix = prefix


@register.simple_tag
def field(bound_field) -> str:
    """includes/field.html for `bound_field` (what `{% include "includes/field.html" with field=… %}` gives)."""
    key = _field_key(bound_field)
    prefix = bound_field.form.prefix
    if key is None or not prefix:
        return _cached(key, lambda: render_to_string("includes/field.html", {"field": bound_field}))
    html = _cached(key, lambda: _render_marked(bound_field))
    return mark_safe(html.replace(_PREFIX_MARK, conditional_escape(prefix)))  # noqa: S308 - the partial's HTML


@register.simple_tag
def form_errors(form) -> str:
    """includes/form_errors.html for `form`: an unbound form has no error, only the « * » note or nothing."""
    key = None if form is None or form.is_bound else (get_language(), "errors", has_required_field(form))
    return _cached(key, lambda: render_to_string("includes/form_errors.html", {"form": form}))


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
