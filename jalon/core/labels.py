"""The labels of a model field's choices as plain strings, built once per language: a list page that shows
one on each row reads a dict instead of `get_FOO_display()` (which hashes and translates every label of the
field at each call: most of the translation calls of the worklist before issue 15)."""

from __future__ import annotations

from django.utils.translation import get_language

_LABELS: dict[tuple[str, str, str | None], dict] = {}


def choice_labels(model, field_name: str) -> dict:
    """{value: label} of `model.field_name`'s choices in the active language."""
    key = (model._meta.label, field_name, get_language())
    labels = _LABELS.get(key)
    if labels is None:
        labels = {value: str(label) for value, label in model._meta.get_field(field_name).flatchoices}
        _LABELS[key] = labels
    return labels
