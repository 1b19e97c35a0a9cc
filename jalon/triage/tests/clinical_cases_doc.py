"""Render docs/clinical-cases.md from clinical_cases.json (run: python -m jalon.triage.tests.clinical_cases_doc).

test_clinical_cases.py checks that the page in docs/ is exactly what this renders."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CASES_PATH = Path(__file__).resolve().parent / "clinical_cases.json"
DOC_PATH = ROOT / "docs" / "clinical-cases.md"

SITE_LABELS = {
    "lung": "Poumon",
    "pancreas_biliary": "Pancréas, voies biliaires",
    "liver": "Foie",
    "colorectal": "Côlon-rectum",
    "oesogastric": "Œsophage-estomac",
    "breast": "Sein",
    "lymphoma": "Lymphome",
    "thyroid": "Thyroïde",
    "brain": "Cerveau",
    "gynaecological": "Gynécologique",
    "urological": "Urologique",
    "head_neck": "ORL",
    "skin": "Peau",
    "unknown_primary": "Primitif inconnu",
}
URGENCY_LABELS = {"routine": "habituelle", "urgent": "urgente", "very_urgent": "très urgente"}

HEADER = """# Jeu de cas cliniques (issue 14)

Généré depuis `jalon/triage/tests/clinical_cases.json` par `python -m jalon.triage.tests.clinical_cases_doc` ;
`jalon/triage/tests/test_clinical_cases.py` vérifie que cette page est à jour et envoie chaque cas par l'API
(`POST /api/v1/referrals`, en médecin adresseur), **cases cochées et résultats d'imagerie remplis** : le parcours
obtenu doit être le parcours attendu et la priorité au moins la priorité minimale acceptable.

Colonnes :

- **Motif (texte libre)** : le motif tel qu'un médecin l'écrit. C'est **l'entrée de la variante « texte seul »**
  (sans case cochée ni score saisi) : une fois le lexique intégré, le même parcours et au moins la même priorité
  sont attendus pour au moins 90 % des cas. Les signes de la colonne « Signes niés » figurent niés dans le texte
  (« pas de… », « sans… ») et ne doivent pas être relevés.
- **Cases cochées** : signes d'alerte et antécédents cochés ; **Imagerie** : les scores saisis (BI-RADS/ACR,
  EU-TIRADS, LI-RADS, Lung-RADS, taille en mm) ; **Examens** : les examens déjà faits joints à la demande.
- **Parcours attendu**, **Priorité minimale** (P1 plus urgent que P2, plus urgent que P3 : une priorité plus
  urgente est acceptée) et **Source** de l'attente (NICE NG12, classifications d'imagerie, seeds ; « proposition
  Jalon, à valider » quand l'attente est une proposition de l'équipe). Correspondance NICE → priorités :
  docs/triage-criteria.md.

"""


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render(cases: list[dict] | None = None) -> str:
    """The Markdown page: the header, then one table row per case, in file order."""
    if cases is None:
        cases = json.loads(CASES_PATH.read_text(encoding="utf-8"))["cases"]
    lines = [
        f"{len(cases)} cas.",
        "",
        (
            "| # | Cas | Âge, sexe | Site suspecté | Motif (texte libre) | Cases cochées | Imagerie | Examens | "
            "Urgence déclarée | Parcours attendu | Priorité minimale | Signes niés | Source |"
        ),
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for number, case in enumerate(cases, start=1):
        imaging = ", ".join(f"{key} {value}" for key, value in case["imaging_findings"].items()) or "–"
        extra = []
        if case.get("question") == "opinion":
            extra.append("avis demandé")
        if case.get("outside_territory"):
            extra.append("hors territoire")
        title = case["title"] + (f" ({', '.join(extra)})" if extra else "")
        lines.append(
            "| "
            + " | ".join(
                _cell(value)
                for value in (
                    number,
                    f"`{case['id']}` {title}",
                    f"{case['age']} {case['sex']}",
                    SITE_LABELS[case["suspected_site"]],
                    case["clinical_reason"],
                    ", ".join(case["alarm_signs"]) or "–",
                    imaging,
                    ", ".join(case["exams"]) or "–",
                    URGENCY_LABELS[case["declared_urgency"]],
                    case["expected_template"],
                    case["least_priority"],
                    ", ".join(case["negated_signs"]) or "–",
                    case["source"],
                )
            )
            + " |"
        )
    return HEADER + "\n".join(lines) + "\n"


if __name__ == "__main__":
    DOC_PATH.write_text(render(), encoding="utf-8")
    print(f"{DOC_PATH} written")
