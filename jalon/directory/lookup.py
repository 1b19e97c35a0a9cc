"""Finding a commune or a physician from what a person types: a name with or without its accents, a
postal code, an INSEE code, an RPPS, or an option picked in a form's suggestions.

The suggestions of the forms and the resolution of the typed value share these functions, so what is
proposed is what is accepted. Resolution never guesses: it returns every candidate, and the form
refuses anything but exactly one.
"""

from __future__ import annotations

import re
import unicodedata

from django.db.models import Q, QuerySet

from jalon.directory.models import Commune, Profession, Professional

SUGGESTIONS = 20

# Each unaccented letter and the letters a French name may write in its place.
_LETTER_VARIANTS = {
    "a": "aàâäáã",
    "c": "cç",
    "e": "eéèêë",
    "i": "iîïíì",
    "o": "oôöóò",
    "u": "uùûüú",
    "y": "yÿý",
    "n": "nñ",
}
_SEPARATORS = re.compile(r"[\s\-'’.]+")
_INSEE_OR_POSTAL = re.compile(r"^\d[0-9AB]\d{3}$", re.IGNORECASE)
_COMMUNE_OPTION = re.compile(r"^([0-9][0-9AB]\d{3}) – ", re.IGNORECASE)
_RPPS = re.compile(r"\b(\d{11})\b")
_PROFESSIONAL_NUMBER = re.compile(r"\bn° Jalon (\d{1,9})\b")


def fold(text: str) -> str:
    """Lower case, without accents, separators as one space: « Saint-Étienne » → « saint etienne »."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    plain = plain.replace("œ", "oe").replace("æ", "ae")
    return _SEPARATORS.sub(" ", plain).strip()


def _abbreviations(folded: str) -> str:
    """« St Louis », « Ste Marie » as the official names write them (« Saint-Louis », « Sainte-Marie »)."""
    return re.sub(r"\bste\b", "sainte", re.sub(r"\bst\b", "saint", folded))


def name_pattern(text: str, *, whole: bool) -> str:
    """A case-insensitive regex matching `text` with or without accents, any separator for any other:
    the whole name when `whole`, else its beginning."""
    parts = []
    for char in _abbreviations(fold(text)):
        if char == " ":
            parts.append(r"[-\s'’]+")
        elif char in _LETTER_VARIANTS:
            parts.append(f"[{_LETTER_VARIANTS[char]}]")
        else:
            parts.append(re.escape(char))
    pattern = "".join(parts)
    return f"^{pattern}$" if whole else f"^{pattern}"


# --- Communes -------------------------------------------------------------------------------------


def commune_option_label(commune: Commune) -> str:
    """« 67482 – Strasbourg (67000) »: the value a suggestion puts in the field."""
    first_postal_code = commune.postal_codes.split(" ", 1)[0]
    return f"{commune.code} – {commune.name} ({first_postal_code or commune.department})"


def _with_postal_code(code: str) -> QuerySet[Commune]:
    # postal_codes is a space-separated list: match a whole code, not a part of one.
    return Commune.objects.filter(
        Q(postal_codes=code)
        | Q(postal_codes__startswith=f"{code} ")
        | Q(postal_codes__endswith=f" {code}")
        | Q(postal_codes__contains=f" {code} ")
    )


def commune_candidates(text: str) -> list[Commune]:
    """Every commune `text` may designate: the one of a picked suggestion, of an INSEE code, those of a
    postal code, those with that name (accents, case and hyphens aside). One element when unambiguous."""
    text = (text or "").strip()
    if not text:
        return []
    option = _COMMUNE_OPTION.match(text)
    if option:
        return list(Commune.objects.filter(code=option.group(1).upper()))
    if _INSEE_OR_POSTAL.match(text):
        code = text.upper()
        by_code = Commune.objects.filter(code=code)
        return list((by_code | _with_postal_code(code)).distinct().order_by("name", "code"))
    return list(Commune.objects.filter(name__iregex=name_pattern(text, whole=True)).order_by("department", "code"))


def commune_suggestions(text: str) -> list[Commune]:
    """The communes to propose while `text` is typed: by INSEE or postal code prefix, or name beginning."""
    text = (text or "").strip()
    if len(text) < 2:
        return []
    if text[:2].isdigit():
        prefix = text[:5]
        communes = Commune.objects.filter(
            Q(postal_codes__startswith=prefix) | Q(postal_codes__contains=f" {prefix}") | Q(code__startswith=prefix)
        )
    else:
        communes = Commune.objects.filter(name__iregex=name_pattern(text, whole=False))
    return list(communes.order_by("name", "code")[:SUGGESTIONS])


# --- Physicians -----------------------------------------------------------------------------------


def physicians() -> QuerySet[Professional]:
    return Professional.objects.filter(profession=Profession.PHYSICIAN).select_related("commune")


def physician_option_label(professional: Professional) -> str:
    """« Dr Claire MARTIN – Strasbourg – RPPS 10001234567 »: a homonym told apart by their commune and
    RPPS (or, with no RPPS, by their number in Jalon), which the resolution reads back."""
    parts = [professional.display_name]
    if professional.commune_id:
        parts.append(professional.commune.name)
    parts.append(f"RPPS {professional.rpps}" if professional.rpps else f"n° Jalon {professional.pk}")
    return " – ".join(parts)


def _physicians_matching_words(text: str) -> QuerySet[Professional]:
    words = fold(text).split()
    if not words:
        return physicians().none()
    found = physicians()
    for word in words:
        pattern = name_pattern(word, whole=False)
        word_start = pattern.replace("^", r"(^|[-\s'’])", 1)
        found = found.filter(
            Q(last_name__iregex=word_start) | Q(first_name__iregex=word_start) | Q(commune__name__iregex=word_start)
        )
    return found.order_by("last_name", "first_name", "pk")


def physician_candidates(text: str, *, limit: int = 10) -> list[Professional]:
    """Every physician `text` may designate: the one of an RPPS (typed or in a picked suggestion), of a
    number in Jalon, else those whose names or commune begin with each typed word. One when unambiguous."""
    text = (text or "").strip()
    if not text:
        return []
    rpps = _RPPS.search(text)
    if rpps:
        return list(physicians().filter(rpps=rpps.group(1)))
    number = _PROFESSIONAL_NUMBER.search(text)
    if number:
        return list(physicians().filter(pk=int(number.group(1)), rpps__isnull=True))
    return list(_physicians_matching_words(text)[:limit])


def physician_suggestions(text: str) -> list[Professional]:
    text = (text or "").strip()
    if len(text) < 2:
        return []
    if text.isdigit():
        return list(physicians().filter(rpps__startswith=text).order_by("last_name", "first_name", "pk")[:SUGGESTIONS])
    return list(_physicians_matching_words(text)[:SUGGESTIONS])
