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


# The characters of French civil status names: Latin letters with their accents and ligatures, space,
# hyphen and apostrophe (straight or typographic). Nothing else: no digit, no « < » or « ; ».
_CIVIL_NAME_LETTERS = "A-Za-zÀ-ÖØ-öø-ÿŒœŸ"
_CIVIL_NAME_RE = re.compile(rf"[{_CIVIL_NAME_LETTERS}]+(?:[ '’-]+[{_CIVIL_NAME_LETTERS}]+)*")
_REFUSED_CHARACTER_RE = re.compile(rf"[^{_CIVIL_NAME_LETTERS} '’-]")


def validate_civil_name(value: str) -> None:
    """Refuse a birth name, used name or first names holding anything but the characters of French civil
    status (letters with accents, space, hyphen, apostrophe); an empty value is left to `required`."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    text = (value or "").strip()
    if not text:
        return
    refused = _REFUSED_CHARACTER_RE.search(text)
    if refused is not None:
        raise ValidationError(
            _(
                "Caractère refusé : « %(character)s ». Un nom ou un prénom ne contient que des lettres (accentuées ou "
                "non), "
                "des espaces, des traits d'union et des apostrophes, comme à l'état civil."
            ),
            code="civil_name_character",
            params={"character": refused.group()},
        )
    if _CIVIL_NAME_RE.fullmatch(text) is None:
        raise ValidationError(
            _("Un nom ou un prénom commence et finit par une lettre, comme à l'état civil."), code="civil_name_edges"
        )
