"""French clinical lexicon: the alarm signs, history facts and imaging scores written in a referral's text.

    from jalon.triage.lexicon import read_clinical_text
    reading = read_clinical_text(
        "Toux persistante, hémoptysie, pas de fièvre. Fumeur 30 PA. Nodule de 25 mm, Lung-RADS 4B."
    )
    reading.codes              # frozenset({"persistent_cough", "haemoptysis", "smoker"})
    reading.negated_codes      # frozenset({"b_symptoms"})
    reading.imaging_findings   # {"lesion_size_mm": 25, "lung_rads": "4B"}

Signs and facts: reader.py (edsnlp pipeline, terms in terms.json); scores and sizes: imaging.py; the codes:
codes.py. Nothing here touches the database: triage decides what to do with a reading.
"""

from .codes import ALL_CODES, HISTORY_FACTS, SIGNS
from .imaging import ImagingMention
from .reader import Mention, TextReading, pipeline, read_clinical_text

__all__ = [
    "ALL_CODES",
    "HISTORY_FACTS",
    "SIGNS",
    "ImagingMention",
    "Mention",
    "TextReading",
    "pipeline",
    "read_clinical_text",
]
