"""French health identifiers: INS/NIR, RPPS, FINESS, and phone numbers.

Validators accept user-formatted input (spaces, dots, hyphens, lower case) and
raise ``ValidationError`` with a French message and a stable ``code``. Store the
``normalize_*`` output, not the raw input.
"""

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_SEPARATORS = re.compile(r"[\s.\-]+")

# sex | year | month (01-12, 20-42, 50-99) | department (digits, 2A, 2B) | commune | order | key
_INS_RE = re.compile(
    r"[123478]"
    r"\d{2}"
    r"(?:0[1-9]|1[0-2]|2\d|3\d|4[0-2]|[5-9]\d)"
    r"(?:\d{2}|2[AB])"
    r"\d{3}"
    r"\d{3}"
    r"\d{2}"
)
_FINESS_RE = re.compile(r"(?:\d{2}|2[AB])\d{7}")


def normalize_identifier(value: str) -> str:
    """Strip spaces, dots and hyphens and uppercase."""
    return _SEPARATORS.sub("", str(value)).upper()


# --- INS / NIR -------------------------------------------------------------


def normalize_ins(value: str) -> str:
    """Return the compact, uppercase form of an INS (or NIR)."""
    return normalize_identifier(value)


def nir_key(nir13: str) -> int:
    """Return the 2-digit key of a 13-character NIR (97 - NIR mod 97).

    For Corsica the department "2A" is read as "19" and "2B" as "18".
    Raises ``ValueError`` if the NIR is not 13 characters of that form.
    """
    nir = normalize_identifier(nir13)
    if len(nir) != 13:
        raise ValueError("a NIR has 13 characters")
    department = {"2A": "19", "2B": "18"}.get(nir[5:7], nir[5:7])
    digits = nir[:5] + department + nir[7:]
    if not digits.isdigit():
        raise ValueError(f"invalid NIR: {nir13!r}")
    return 97 - int(digits) % 97


def ins_with_valid_key(nir13: str) -> str:
    """Return the 15-character INS: the NIR followed by its 2-digit key."""
    nir = normalize_identifier(nir13)
    return f"{nir}{nir_key(nir):02d}"


def validate_ins(value: str) -> None:
    """Validate an INS: 13-character NIR + 2-digit key (NIR rules, 97-modulus key)."""
    ins = normalize_ins(value)
    if len(ins) != 15:
        raise ValidationError(
            _("Le numéro INS doit comporter 15 caractères (13 pour le NIR et 2 pour la clé)."),
            code="ins_length",
        )
    if not _INS_RE.fullmatch(ins):
        raise ValidationError(_("Le numéro INS n'a pas un format valide."), code="ins_format")
    if nir_key(ins[:13]) != int(ins[13:]):
        raise ValidationError(
            _("La clé du numéro INS est incorrecte : vérifiez les 15 caractères saisis."),
            code="ins_key",
        )


# --- Luhn-based identifiers (RPPS, FINESS) ---------------------------------


def luhn_is_valid(digits: str) -> bool:
    """Return True if ``digits`` (digits only) passes the Luhn check."""
    if not digits or not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        n = int(char)
        if position % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def luhn_check_digit(partial: str) -> str:
    """Return the Luhn check digit to append to ``partial`` (digits only)."""
    return next(d for d in "0123456789" if luhn_is_valid(partial + d))


def validate_rpps(value: str) -> None:
    """Validate an RPPS number: 11 digits, Luhn key."""
    rpps = normalize_identifier(value)
    if len(rpps) != 11 or not rpps.isascii() or not rpps.isdigit():
        raise ValidationError(_("Le numéro RPPS doit comporter 11 chiffres."), code="rpps_format")
    if not luhn_is_valid(rpps):
        raise ValidationError(
            _("La clé du numéro RPPS est incorrecte : vérifiez les 11 chiffres saisis."),
            code="rpps_key",
        )


def validate_finess(value: str) -> None:
    """Validate a FINESS number: 9 characters, Luhn key on the 9 digits.

    Corsican numbers start with the department "2A" or "2B"; for the key check
    both are replaced by "20" (the pre-1976 department code). This rule could not
    be confirmed against a published specification or a real Corsican FINESS
    number; revisit it if a genuine Corsican number is rejected.
    """
    finess = normalize_identifier(value)
    if len(finess) != 9 or not finess.isascii() or not _FINESS_RE.fullmatch(finess):
        raise ValidationError(
            _("Le numéro FINESS doit comporter 9 caractères (chiffres, ou 2A/2B pour la Corse)."),
            code="finess_format",
        )
    if finess[:2] in ("2A", "2B"):
        finess = "20" + finess[2:]
    if not luhn_is_valid(finess):
        raise ValidationError(
            _("La clé du numéro FINESS est incorrecte : vérifiez les 9 caractères saisis."),
            code="finess_key",
        )


# --- Phone numbers ---------------------------------------------------------


def normalize_french_phone(value: str) -> str:
    """Parse a phone number (default region France) and return it in E.164."""
    error = ValidationError(
        _("Numéro de téléphone invalide : saisissez un numéro français (ex. 03 88 12 34 56) ou international (+...)."),
        code="phone_invalid",
    )
    try:
        number = phonenumbers.parse(str(value), "FR")
    except phonenumbers.NumberParseException:
        raise error from None
    if not phonenumbers.is_valid_number(number):
        raise error
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone_national(e164: str) -> str:
    """Format an E.164 number for display: national format for French numbers
    ("03 88 12 34 56"), international format otherwise."""
    number = phonenumbers.parse(e164, "FR")
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if phonenumbers.region_code_for_number(number) == "FR"
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, fmt)
