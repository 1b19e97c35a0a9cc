"""Message texts with `{variable}` placeholders: checked when a manager edits them, rendered when sent.

The syntax is Python's format strings restricted to bare names (no attribute, index, conversion or
format spec), so a text can do nothing but insert the values Jalon gives; `{{` and `}}` write braces.
Every check happens at editing time: a text that passes `check_text` always renders.
"""

from __future__ import annotations

import string
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from jalon.messaging.kinds import VARIABLES, NotificationKind
from jalon.messaging.sms import SMS_MAX_LENGTH

_FORMATTER = string.Formatter()


def placeholders(text: str) -> list[str]:
    """The variable names `text` uses, in order; ValidationError (French) when it is malformed."""
    try:
        parts = list(_FORMATTER.parse(text))
    except ValueError as exc:
        raise ValidationError(
            _("Accolade mal fermée : écrivez une variable entre accolades, par exemple {reference}, et {{ ou }} pour une accolade seule."),
            code="malformed",
        ) from exc
    names = []
    for _literal, field_name, format_spec, conversion in parts:
        if field_name is None:
            continue
        if not field_name or not field_name.isidentifier() or format_spec or conversion:
            raise ValidationError(
                _("« {%(field)s} » n'est pas une variable : écrivez seulement son nom entre accolades, par exemple {reference}.")
                % {"field": field_name + (f"!{conversion}" if conversion else "") + (f":{format_spec}" if format_spec else "")},
                code="malformed",
            )
        names.append(field_name)
    return names


def check_text(text: str, kind: NotificationKind, *, secure: bool, label: str) -> None:
    """Refuse (ValidationError listing every problem) unknown variables, and clinical ones outside the secure body."""
    errors = []
    allowed = set(kind.all_variables)
    for name in dict.fromkeys(placeholders(text)):
        if name not in allowed:
            errors.append(
                _("%(label)s : la variable {%(name)s} n'existe pas pour ce message. Variables possibles : %(allowed)s.")
                % {"label": label, "name": name, "allowed": ", ".join("{%s}" % v for v in kind.all_variables)}
            )
        elif VARIABLES[name].clinical and not secure:
            errors.append(
                _("%(label)s : la variable {%(name)s} donne une information médicale ou l'identité du patient ; elle ne peut "
                  "figurer que dans le texte sécurisé (MSSanté et Jalon), pas dans l'objet ni l'avis court envoyé par e-mail ou SMS.")
                % {"label": label, "name": name}
            )
    if errors:
        raise ValidationError(errors)


def sample_values(kind: NotificationKind) -> dict[str, str]:
    return {name: str(VARIABLES[name].sample) for name in kind.all_variables}


def render(text: str, values: Mapping[str, str]) -> str:
    """The text with its variables replaced; a missing value renders empty (texts are checked on edit)."""
    return _FORMATTER.vformat(text, (), _Defaulting(values))


class _Defaulting(dict):
    def __init__(self, values: Mapping[str, str]):
        super().__init__({k: ("" if v is None else str(v)) for k, v in values.items()})

    def __missing__(self, key: str) -> str:
        return ""


def check_template(*, kind: NotificationKind, subject: str, body: str, notice: str) -> None:
    """All the checks of a template's three texts, for the editing form (ValidationError by field)."""
    problems: dict[str, list] = {}
    for field, text, secure, label in (
        ("subject", subject, False, _("Objet")),
        ("body", body, True, _("Texte sécurisé")),
        ("notice", notice, False, _("Avis court")),
    ):
        if not text.strip():
            problems.setdefault(field, []).append(_("Ce texte est obligatoire."))
            continue
        try:
            check_text(text, kind, secure=secure, label=label)
        except ValidationError as error:
            problems.setdefault(field, []).extend(error.messages)
    if "notice" not in problems:
        longest = render(notice, sample_values(kind))
        if len(longest) > SMS_MAX_LENGTH:
            problems.setdefault("notice", []).append(
                _("L'avis court part aussi par SMS : %(length)s caractères avec des valeurs d'exemple, %(max)s au plus.")
                % {"length": len(longest), "max": SMS_MAX_LENGTH}
            )
    if len(subject) > 150:
        problems.setdefault("subject", []).append(_("L'objet est trop long (150 caractères au plus)."))
    if problems:
        raise ValidationError(problems)
