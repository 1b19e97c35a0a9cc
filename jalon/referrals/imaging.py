"""Imaging scores sent with a referral as structured exam results (Referral.imaging_findings).

One function cleans them for every channel (web form, API, services): `clean_imaging_findings`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from jalon.core.vocabulary import (
    BIRADS_VALUES,
    EU_TIRADS_VALUES,
    IMAGING_FINDING_LABELS,
    LESION_SIZE_MM_MAX,
    LIRADS_VALUES,
    LUNG_RADS_VALUES,
)

IMAGING_FINDING_KEYS = tuple(IMAGING_FINDING_LABELS)


def _as_int(key: str, value: Any) -> int:
    if isinstance(value, bool):
        raise ValidationError(
            _("« %(label)s » attend un nombre entier.") % {"label": IMAGING_FINDING_LABELS[key]}, code="imaging_value"
        )
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int):
        raise ValidationError(
            _("« %(label)s » attend un nombre entier.") % {"label": IMAGING_FINDING_LABELS[key]}, code="imaging_value"
        )
    return value


def _one_of(key: str, value: Any, allowed: tuple) -> Any:
    if value not in allowed:
        raise ValidationError(
            _("« %(label)s » : valeur %(value)s inconnue (attendu : %(allowed)s).")
            % {
                "label": IMAGING_FINDING_LABELS[key],
                "value": value,
                "allowed": ", ".join(str(item) for item in allowed),
            },
            code="imaging_value",
        )
    return value


def clean_imaging_findings(raw: Any) -> dict:
    """The imaging scores as stored: only known keys, each value checked and normalised, empty values dropped.

    birads 0–6 (BI-RADS, « ACR » in France), eu_tirads 1–5, lirads LR-1..LR-5, LR-M, LR-TIV, lung_rads
    1, 2, 3, 4A, 4B, 4X, lesion_size_mm 1–500. Raises ValidationError with a French message otherwise."""
    if raw in (None, ""):
        return {}
    if not isinstance(raw, dict):
        raise ValidationError(_("Les résultats d'imagerie doivent être un objet JSON."), code="imaging_type")
    unknown = sorted(set(raw) - set(IMAGING_FINDING_KEYS))
    if unknown:
        raise ValidationError(
            _("Résultat d'imagerie inconnu : %(keys)s.") % {"keys": ", ".join(unknown)}, code="imaging_unknown"
        )
    cleaned: dict[str, Any] = {}
    for key in IMAGING_FINDING_KEYS:
        value = raw.get(key)
        if value in (None, ""):
            continue
        if key == "birads":
            cleaned[key] = _one_of(key, _as_int(key, value), BIRADS_VALUES)
        elif key == "eu_tirads":
            cleaned[key] = _one_of(key, _as_int(key, value), EU_TIRADS_VALUES)
        elif key == "lirads":
            text = str(value).strip().upper()
            cleaned[key] = _one_of(key, text if text.startswith("LR-") else f"LR-{text}", LIRADS_VALUES)
        elif key == "lung_rads":
            cleaned[key] = _one_of(key, str(value).strip().upper(), LUNG_RADS_VALUES)
        elif key == "lesion_size_mm":
            size = _as_int(key, value)
            if not 1 <= size <= LESION_SIZE_MM_MAX:
                raise ValidationError(
                    _("La taille de la lésion est en millimètres, entre 1 et %(max)s.") % {"max": LESION_SIZE_MM_MAX},
                    code="imaging_value",
                )
            cleaned[key] = size
    return cleaned


def imaging_findings_display(findings: dict) -> list[tuple[str, str]]:
    """(French label, value) of each score present, in the fixed order, for pages and letters."""
    rows = []
    for key in IMAGING_FINDING_KEYS:
        if key in (findings or {}):
            value = findings[key]
            rows.append((str(IMAGING_FINDING_LABELS[key]), f"{value} mm" if key == "lesion_size_mm" else str(value)))
    return rows
