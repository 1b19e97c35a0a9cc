"""A password validator for what attackers try first and Django's list does not catch.

Django's validators already refuse short passwords, the 20,000 most common ones, all-digit ones and
ones close to the user's attributes. This one refuses passwords made mostly of guessable parts:
runs of one character (« aaaa »), sequences (« abcd », « 4321 »), keyboard rows (« azerty »,
« qwerty »), a short pattern repeated, years, the site's name (« jalon »), the user's own names, and
French words every breached list starts with (« motdepasse », « soleil »...). Parts are looked for
after lowering case, removing accents and undoing common substitutions (« p@ssw0rd »); a password
passes when enough characters are left outside those parts.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SITE_WORDS = ("jalon",)
# Words that open French and English breach lists, and this domain's obvious ones.
COMMON_WORDS = (
    "motdepasse",
    "password",
    "passe",
    "azerty",
    "qwerty",
    "soleil",
    "bonjour",
    "coucou",
    "loulou",
    "doudou",
    "chouchou",
    "amour",
    "jetaime",
    "marseille",
    "paris",
    "france",
    "strasbourg",
    "nicolas",
    "julien",
    "camille",
    "admin",
    "administrateur",
    "utilisateur",
    "user",
    "login",
    "welcome",
    "bienvenue",
    "secret",
    "test",
    "demo",
    "hopital",
    "clinique",
    "sante",
    "cancer",
    "docteur",
    "medecin",
    "infirmier",
    "infirmiere",
    "cpts",
    "chu",
    "changeme",
    "letmein",
    "iloveyou",
    "dragon",
    "monkey",
    "football",
    "princesse",
    "chocolat",
    "hello",
)
KEYBOARD_ROWS = ("azertyuiop", "qsdfghjklm", "wxcvbn", "qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890")
SUBSTITUTIONS = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"}
)
YEAR = re.compile(r"(?:19|20)\d\d")


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _mark(mask: list[bool], haystack: str, needle: str) -> None:
    if len(needle) < 3:
        return
    start = haystack.find(needle)
    while start != -1:
        for index in range(start, start + len(needle)):
            mask[index] = True
        start = haystack.find(needle, start + 1)


def _mark_runs(mask: list[bool], text: str) -> None:
    """Runs of 3 or more of one character, or of consecutive characters up or down (« abc », « 987 »)."""
    for step in (0, 1, -1):
        start = 0
        for index in range(1, len(text) + 1):
            continues = (
                index < len(text)
                and text[index].isalnum()
                and text[index - 1].isalnum()
                and ord(text[index]) - ord(text[index - 1]) == step
            )
            if not continues:
                if index - start >= 3:
                    for position in range(start, index):
                        mask[position] = True
                start = index


def _mark_keyboard(mask: list[bool], text: str) -> None:
    for row in KEYBOARD_ROWS:
        for line in (row, row[::-1]):
            for length in range(len(line), 3, -1):
                for offset in range(len(line) - length + 1):
                    _mark(mask, text, line[offset : offset + length])


def _user_words(user) -> list[str]:
    if user is None:
        return []
    words = []
    for attribute in ("username", "first_name", "last_name", "email"):
        value = _plain(str(getattr(user, attribute, "") or ""))
        words += [part for part in re.split(r"[^a-z0-9]+", value) if len(part) >= 3]
    return words


def guessable_remainder(password: str, user=None) -> str:
    """The characters of `password` left once every guessable part is taken out (lower case, plain letters)."""
    plain = _plain(password)
    variants = [plain, plain.translate(SUBSTITUTIONS)]
    mask = [False] * len(plain)
    unit = re.fullmatch(r"(.{1,4})\1+", plain)
    if unit:
        # « abcabcabc » is no stronger than « abc ».
        mask = [True] * len(plain)
        mask[: len(unit.group(1))] = [False] * len(unit.group(1))
    for text in variants:
        _mark_runs(mask, text)
        _mark_keyboard(mask, text)
        for match in YEAR.finditer(text):
            mask[match.start() : match.end()] = [True] * (match.end() - match.start())
        for word in (*SITE_WORDS, *COMMON_WORDS, *_user_words(user)):
            _mark(mask, text, word)
    return "".join(char for char, guessable in zip(plain, mask, strict=False) if not guessable)


class GuessablePasswordValidator:
    """Refuses a password with fewer than `min_unguessable` characters outside guessable parts."""

    def __init__(self, min_unguessable: int = 6):
        self.min_unguessable = min_unguessable

    def validate(self, password: str, user=None) -> None:
        if len(guessable_remainder(password, user)) < self.min_unguessable:
            raise ValidationError(
                _(
                    "Ce mot de passe est trop facile à deviner : il repose surtout sur des répétitions, des suites "
                    "(« abcd », « 1234 », « azerty »), une année, votre nom, le nom « Jalon » ou des mots courants. "
                    "Choisissez plutôt plusieurs mots sans rapport entre eux."
                ),
                code="password_guessable",
            )

    def get_help_text(self) -> str:
        return _(
            "Votre mot de passe ne doit pas reposer sur des répétitions, des suites de caractères ou de touches, "
            "votre nom, le nom « Jalon » ou des mots courants."
        )
