"""Imaging scores and the size of a lesion, read from French report phrasing with regular expressions.

Pure Python (no NLP pipeline): a score is a short, fixed notation (« ACR 4 », « EU-TIRADS 5 », « LR-5 »,
« Lung-RADS 4B ») and a size a number with its unit, so patterns on the accent-folded text are exact enough.

What counts, and why:
- BI-RADS: « BI-RADS », « BIRADS » or « ACR » followed by 0–6 (a 4A/4B/4C subcategory is kept in the
  matched text, the value is the category). In France « ACR » is the mammography classification, but
  « densité ACR 2 » / « type 2 » is the breast density: an « ACR » preceded by « densit… » or « type » is
  not read as a score. « ACR » without a digit (arrêt cardio-respiratoire) is never read.
- EU-TIRADS: « EU-TIRADS », « EUTIRADS », « TIRADS », « TI-RADS » followed by 1–5.
- LI-RADS: « LR-1 »…« LR-5 », « LR-M », « LR-TIV », or « LI-RADS » followed by the category.
- Lung-RADS: « Lung-RADS » followed by 1, 2, 3, 4A, 4B or 4X (a 0, « incomplete », is not a finding).
- Size: « 25 mm », « 2,5 cm », « 3cm », « 12 x 8 mm » (the largest dimension), in a sentence that names a
  lesion (masse, nodule, adénopathie, ADP, ganglion, lésion, tumeur, opacité...). Not read: a size after a
  comparator (« ADP < 1 cm », « plus de 2 cm »: a threshold, not a measure), a distance (« à 3 cm de la
  marge anale »), a size in a clause that starts negated (« pas d'ADP de 15 mm »).
When a text gives several values of one score (both breasts, two nodules) the reading keeps each mention;
`highest_values` keeps the most severe, which is what triage compares.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from . import codes


@dataclass(frozen=True)
class ImagingMention:
    """One score or size read in the text: its key, its value and where it is."""

    key: str  # codes.BIRADS, codes.EU_TIRADS, codes.LIRADS, codes.LUNG_RADS or codes.LESION_SIZE_MM
    value: int | str  # int for birads, eu_tirads, lesion_size_mm; str for lirads, lung_rads
    text: str
    start: int
    end: int


def fold(text: str) -> str:
    """The text lowercased and without accents, character for character (offsets stay those of the text)."""
    folded = []
    for character in text:
        base = unicodedata.normalize("NFD", character)[0]
        lower = base.lower()
        folded.append(lower if len(lower) == 1 else base)
    return "".join(folded)


_BIRADS = re.compile(r"(?<![\w-])(?:bi-?\s?rads|acr)\s*(?:classe|categorie|:|=)?\s*([0-6])([abc])?(?![\w,.]\d)(?!\w)")
_DENSITY_BEFORE = re.compile(r"(?:densit\w*|type)\s*(?:mammaire\s*)?(?:de\s+type\s*)?$")
_TIRADS = re.compile(r"(?<![\w-])(?:eu-?\s?)?ti-?rads\s*(?:classe|categorie|:|=)?\s*([1-5])(?!\w)")
_LIRADS = re.compile(
    r"(?<![\w-])(?:li-?rads\s*(?:classe|categorie|:|=)?\s*(?:lr\s*-?\s*)?|lr\s*-?\s*)(1|2|3|4|5|m|tiv)(?!\w)"
)
_LUNG_RADS = re.compile(r"(?<![\w-])lung-?\s?rads\s*(?:classe|categorie|:|=)?\s*(1|2|3|4a|4b|4x)(?!\w)")

_NUMBER = r"\d{1,3}(?:[.,]\d{1,2})?"
_SIZE = re.compile(
    rf"(?<![\w.,])({_NUMBER})\s*(?:(mm|cm)\s*)?(?:(?:x|×|\*)\s*({_NUMBER})\s*(?:(mm|cm)\s*)?)?(?:(?:x|×|\*)\s*({_NUMBER})\s*)?(mm|cm)(?!\w)"
)
_LESION_WORD = re.compile(
    r"\b(?:masses?|nodul\w*|adenopathi\w*|adp|adenomegal\w*|ganglion\w*|lesions?|tumeurs?|tumefactions?|"
    r"formations?|kystes?|opacites?|images?|polypes?|epaississements?|processus|infiltrations?)\b"
)
_COMPARATOR_BEFORE = re.compile(
    r"(?:[<>≤≥]|plus de|moins de|superieure?s?\s+a|inferieure?s?\s+a|jusqu'a|au-?dela de|depassant)\s*$"
)
_DISTANCE = re.compile(r"(?:^|\s)a\s*$")
_DISTANCE_AFTER = re.compile(r"^\s*(?:de|du|des|d')\b")
_NEGATION_IN_CLAUSE = re.compile(r"(?:\bpas d|\bsans\b|\babsence d|\baucune?\b|\bni\b)")
_SENTENCE_END = re.compile(r"[.;:\n]|\bmais\b|\bcependant\b")
_CLAUSE_END = re.compile(r"[,.;:\n]|\bmais\b|\bcependant\b|\bet\b")


def read_imaging(text: str) -> tuple[ImagingMention, ...]:
    """Every score and lesion size the text gives, in text order."""
    folded = fold(text)
    mentions: list[ImagingMention] = []
    for match in _BIRADS.finditer(folded):
        if _DENSITY_BEFORE.search(folded[max(0, match.start() - 30) : match.start()]):
            continue
        mentions.append(_mention(text, match, codes.BIRADS, int(match.group(1))))
    for match in _TIRADS.finditer(folded):
        mentions.append(_mention(text, match, codes.EU_TIRADS, int(match.group(1))))
    for match in _LIRADS.finditer(folded):
        mentions.append(_mention(text, match, codes.LIRADS, f"LR-{match.group(1).upper()}"))
    for match in _LUNG_RADS.finditer(folded):
        mentions.append(_mention(text, match, codes.LUNG_RADS, match.group(1).upper()))
    mentions.extend(_sizes(text, folded))
    return tuple(sorted(mentions, key=lambda mention: mention.start))


def highest_values(mentions: tuple[ImagingMention, ...]) -> dict[str, int | str]:
    """The most severe value of each score and the largest size, shaped like Referral.imaging_findings."""
    order = {
        codes.BIRADS: codes.BIRADS_VALUES,
        codes.EU_TIRADS: codes.EU_TIRADS_VALUES,
        codes.LIRADS: codes.LIRADS_VALUES,
        codes.LUNG_RADS: codes.LUNG_RADS_VALUES,
    }
    highest: dict[str, int | str] = {}
    for mention in mentions:
        current = highest.get(mention.key)
        if current is None:
            highest[mention.key] = mention.value
        elif mention.key == codes.LESION_SIZE_MM:
            highest[mention.key] = max(int(current), int(mention.value))
        elif order[mention.key].index(mention.value) > order[mention.key].index(current):
            highest[mention.key] = mention.value
    return highest


def _mention(text: str, match: re.Match, key: str, value: int | str) -> ImagingMention:
    return ImagingMention(
        key=key, value=value, text=text[match.start() : match.end()], start=match.start(), end=match.end()
    )


def _sizes(text: str, folded: str) -> list[ImagingMention]:
    """Lesion sizes in millimetres (the largest dimension of each mention)."""
    found = []
    for match in _SIZE.finditer(folded):
        before = folded[: match.start()]
        if _COMPARATOR_BEFORE.search(before):
            continue
        if _DISTANCE.search(before) and _DISTANCE_AFTER.search(folded[match.end() :]):
            continue
        if not _names_a_lesion(folded, match.start(), match.end()):
            continue
        clause_start = max((m.end() for m in _CLAUSE_END.finditer(before)), default=0)
        if _NEGATION_IN_CLAUSE.search(folded[clause_start : match.start()]):
            continue
        final_unit = match.group(6)
        dimensions = [
            (match.group(1), match.group(2) or final_unit),
            (match.group(3), match.group(4) or final_unit),
            (match.group(5), final_unit),
        ]
        millimetres = [
            float(number.replace(",", ".")) * (10 if unit == "cm" else 1) for number, unit in dimensions if number
        ]
        size = round(max(millimetres))
        if 1 <= size <= codes.LESION_SIZE_MM_MAX:
            found.append(_mention(text, match, codes.LESION_SIZE_MM, size))
    return found


def _names_a_lesion(folded: str, start: int, end: int) -> bool:
    """Whether the sentence around a size names a lesion, before it (80 characters) or just after (40)."""
    before = folded[max(0, start - 80) : start]
    sentence_start = max((m.end() for m in _SENTENCE_END.finditer(before)), default=0)
    after = folded[end : end + 40]
    sentence_end = next((m.start() for m in _SENTENCE_END.finditer(after)), len(after))
    return bool(_LESION_WORD.search(before[sentence_start:]) or _LESION_WORD.search(after[:sentence_end]))
