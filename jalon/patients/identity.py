"""Identity vigilance rules (RNIV) that forms, the API and the services all call: which identity status a
submission may declare, and which traits of a submission differ from a known patient's."""

from __future__ import annotations

from django.utils.translation import gettext as _

from jalon.core.text import normalize_name
from jalon.patients.models import COMPARED_TRAITS, IdentityStatus, Sex

# What a submission may declare. « Qualifiée » (INS retrieved or checked through the INSi teleservice AND
# identity validated with an identity document) is never taken on someone's word at submission: the INS is
# printed and sent only for a qualified identity, so only the coordination may set it.
SUBMITTABLE_STATUSES = (IdentityStatus.PROVISIONAL, IdentityStatus.RECOVERED, IdentityStatus.VALIDATED)


def submission_status_choices() -> list[tuple[str, str]]:
    return [(value, label) for value, label in IdentityStatus.choices if value in SUBMITTABLE_STATUSES]


def submission_status_error(status: str, ins: str) -> str | None:
    """The French message refusing `status` declared with `ins` at submission, or None when it may be stored."""
    if status == IdentityStatus.QUALIFIED:
        return _(
            "Une identité ne peut pas être déclarée « qualifiée » à l'envoi : la coordination la qualifie après "
            "vérification de l'INS (téléservice INSi) et d'une pièce d'identité."
        )
    if status not in SUBMITTABLE_STATUSES:
        return _("Statut de l'identité inconnu.")
    if status == IdentityStatus.RECOVERED and not ins:
        return _(
            "Une identité « récupérée » a une INS obtenue par le téléservice INSi : saisissez l'INS ou choisissez « "
            "provisoire »."
        )
    return None


def _first_name_tokens(value: str) -> list[str]:
    return [normalize_name(token) for token in (value or "").replace("-", " ").split() if normalize_name(token)]


def _same_first_names(known: str, submitted: str) -> bool:
    """Same first names when one list begins the other (a referrer often types only the first one)."""
    known_tokens, submitted_tokens = _first_name_tokens(known), _first_name_tokens(submitted)
    shorter = min(len(known_tokens), len(submitted_tokens))
    return shorter > 0 and known_tokens[:shorter] == submitted_tokens[:shorter]


def differing_traits(
    patient, *, birth_name: str, first_names: str, sex: str, birth_date, birth_place_code: str
) -> list[str]:
    """The traits (in COMPARED_TRAITS order) a submission gives differently from the known patient, compared
    normalised (case, accents, hyphens, apostrophes, spaces); sex and birth place only when both are known."""
    differ = set()
    if normalize_name(patient.birth_name) != normalize_name(birth_name):
        differ.add("birth_name")
    if not _same_first_names(patient.first_names, first_names):
        differ.add("first_names")
    if Sex.UNKNOWN not in (patient.sex, sex) and patient.sex != sex:
        differ.add("sex")
    if patient.birth_date != birth_date:
        differ.add("birth_date")
    if patient.birth_place_code and birth_place_code and patient.birth_place_code.upper() != birth_place_code.upper():
        differ.add("birth_place_code")
    return [trait for trait in COMPARED_TRAITS if trait in differ]
