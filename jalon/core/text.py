"""Text normalisation shared by identity matching and search."""

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\-'’.]+")


def normalize_name(value: str) -> str:
    """Upper case, no accents, no hyphens, apostrophes or spaces: « Lefèvre-Dupré » → « LEFEVREDUPRE »."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    without_accents = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    without_accents = without_accents.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    return _SEPARATORS.sub("", without_accents).upper()
