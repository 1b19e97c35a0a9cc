"""The enriched pathology prescription (seed 001, fiche 5, action clé 1) as data: which fields each pathway
template asks for, their French labels and choices, and the one validation every channel uses.

The fields live in `data/pathology_prescription_v1.json` (versioned, its source cited); a template kind it
does not name uses its "default" set. A request stores the version it was written with.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.utils.translation import gettext as _

DATA = Path(__file__).resolve().parent / "data" / "pathology_prescription_v1.json"
MOLECULAR_TESTS = "molecular_tests"


@dataclass(frozen=True)
class PrescriptionField:
    code: str
    label: str
    type: str  # "choice" (one of `choices`), "multiple" (a subset of `choices`), "text"
    choices: tuple[tuple[str, str], ...] = ()
    required: bool = True
    max_length: int = 2000


@lru_cache(maxsize=1)
def _data() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


def prescription_version() -> int:
    return int(_data()["version"])


def prescription_source() -> str:
    return _data()["source"]


def prescription_fields(template_kind: str) -> list[PrescriptionField]:
    """The fields the prescription asks for a pathway of `template_kind`, in order."""
    data = _data()
    chosen = data["by_template"].get(template_kind) or data["by_template"]["default"]
    fields = []
    for code in chosen["fields"]:
        spec = data["fields"][code]
        choices = chosen.get(MOLECULAR_TESTS, []) if code == MOLECULAR_TESTS else spec.get("choices", [])
        fields.append(
            PrescriptionField(
                code=code,
                label=spec["label"],
                type=spec["type"],
                choices=tuple((value, label) for value, label in choices),
                required=spec.get("required", True),
                max_length=spec.get("max_length", 2000),
            )
        )
    return fields


def molecular_test_labels(template_kind: str) -> dict[str, str]:
    """Code → French label of the complementary tests the template's prescription offers."""
    for field in prescription_fields(template_kind):
        if field.code == MOLECULAR_TESTS:
            return dict(field.choices)
    return {}


def prescription_clean(template_kind: str, values: dict) -> tuple[dict, dict[str, str]]:
    """(the cleaned prescription, French errors by field code): only the template's fields are kept; a
    required field left empty, a value not among the choices or a text too long is refused."""
    cleaned: dict = {}
    errors: dict[str, str] = {}
    for field in prescription_fields(template_kind):
        value = values.get(field.code)
        if field.type == "multiple":
            items = [value] if isinstance(value, str) else list(value or [])
            allowed = {code for code, _label in field.choices}
            unknown = [item for item in items if item not in allowed]
            if unknown:
                errors[field.code] = _("Examen inconnu : %(items)s.") % {"items": ", ".join(map(str, unknown))}
            elif field.required and not items:
                errors[field.code] = _("Choisissez au moins un examen.")
            else:
                cleaned[field.code] = sorted(set(items), key=[code for code, _label in field.choices].index)
        elif field.type == "choice":
            allowed = {code for code, _label in field.choices}
            if value in (None, ""):
                if field.required:
                    errors[field.code] = _("Renseignez « %(label)s ».") % {"label": field.label}
            elif value not in allowed:
                errors[field.code] = _("Valeur inconnue pour « %(label)s ».") % {"label": field.label}
            else:
                cleaned[field.code] = value
        else:
            text = str(value or "").strip()
            if field.required and not text:
                errors[field.code] = _("Renseignez « %(label)s ».") % {"label": field.label}
            elif len(text) > field.max_length:
                errors[field.code] = _("%(max)s caractères au plus.") % {"max": field.max_length}
            else:
                cleaned[field.code] = text
    return cleaned, errors


def prescription_lines(template_kind: str, prescription: dict) -> list[tuple[str, str]]:
    """(French label, French value) for each field of a stored prescription, for the pages."""
    lines = []
    for field in prescription_fields(template_kind):
        if field.code not in prescription:
            continue
        value = prescription[field.code]
        labels = dict(field.choices)
        if field.type == "multiple":
            text = ", ".join(labels.get(item, item) for item in value) or _("aucun")
        elif field.type == "choice":
            text = labels.get(value, value)
        else:
            text = value
        lines.append((field.label, text))
    return lines
