"""Message texts with `{variable}` placeholders: checked when a manager edits them, rendered when sent.

The syntax is Python's format strings restricted to bare names (no attribute, index, conversion or
format spec), so a text can do nothing but insert the values Jalon gives; `{{` and `}}` write braces.
Every check happens at editing time: a text that passes `check_text` always renders, and `check_links`
refuses any link or address other than SITE_URL (a notice must not send anyone elsewhere).
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from urllib.parse import urlsplit

from django.conf import settings
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
            _(
                "Accolade mal fermée : écrivez une variable entre accolades, par exemple {reference}, et {{ ou }} "
                "pour une accolade seule."
            ),
            code="malformed",
        ) from exc
    names = []
    for _literal, field_name, format_spec, conversion in parts:
        if field_name is None:
            continue
        if not field_name or not field_name.isidentifier() or format_spec or conversion:
            raise ValidationError(
                _(
                    "« {%(field)s} » n'est pas une variable : écrivez seulement son nom entre accolades, par exemple "
                    "{reference}."
                )
                % {
                    "field": field_name
                    + (f"!{conversion}" if conversion else "")
                    + (f":{format_spec}" if format_spec else "")
                },
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
                _(
                    "%(label)s : la variable {%(name)s} donne une information médicale ou l'identité du patient ; "
                    "elle ne peut figurer que dans le texte sécurisé (MSSanté et Jalon), pas dans l'objet ni l'avis "
                    "court envoyé par e-mail ou SMS."
                )
                % {"label": label, "name": name}
            )
    if errors:
        raise ValidationError(errors)


# Anything a mail client or a phone could turn into a link: an address with a scheme or « www. », an
# e-mail address, a bare domain (« exemple.fr/x », any dotted name ending in letters) or an IPv4 address.
# Deliberately wide: a refused « p.ex » costs a space, a missed link could send a GP to a lookalike site.
_LINK = re.compile(
    r"""
      (?<![\w.-])[a-z][a-z0-9+.-]*://[^\s<>"'«»]*
    | (?<![\w.-])(?:javascript|vbscript|data|mailto|tel|sms|callto|file|ftp|intent):[^\s<>"'«»]+
    | (?<![\w.-])www\.[^\s<>"'«»]+
    | (?<![\w.+-])[\w.+-]+@[^\W_](?:[\w-]*[^\W_])?(?:\.[\w-]+)+
    | (?<![\w.-])(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,63}(?![\w-])(?:[:/?#][^\s<>"'«»]*)?
    | (?<![\w.-])\d{1,3}(?:\.\d{1,3}){3}(?![\w-])(?:[:/?#][^\s<>"'«»]*)?
    """,
    re.IGNORECASE | re.VERBOSE,
)
_TRAILING = ".,;:!?)]}'\""
_VARIABLE = "\ua66e\ua66e"  # letters nobody types, standing for a variable while links are looked for


def _is_site_url(link: str) -> bool:
    """True when `link` points into Jalon itself (same host and port as SITE_URL, same scheme if one is written)."""
    if "@" in link and "://" not in link:
        return False  # an e-mail address is never Jalon
    site = urlsplit(settings.SITE_URL)
    parsed = urlsplit(link if "://" in link else f"//{link}")
    try:
        same_port = parsed.port == site.port
    except ValueError:
        return False
    if parsed.scheme and parsed.scheme.lower() != site.scheme.lower():
        return False
    return bool(parsed.hostname) and parsed.hostname == site.hostname and same_port


def foreign_links(text: str) -> list[str]:
    """The links and addresses written in `text` that do not point to SITE_URL. Variables count as a word
    (Jalon fills them: `{lien}` is always SITE_URL), so « {reference}.fr » is caught like « x.fr »."""
    try:
        parts = list(_FORMATTER.parse(text))
    except ValueError:
        parts = [(text, None, None, None)]
    literal = "".join(part + (_VARIABLE if field is not None else "") for part, field, _spec, _conv in parts)
    names = ["{%s}" % field for _part, field, _spec, _conv in parts if field is not None]
    found = []
    for match in _LINK.finditer(literal):
        link = match.group(0).rstrip(_TRAILING)
        if not link or _is_site_url(link.replace(_VARIABLE, "xx")):
            continue
        before = literal.count(_VARIABLE, 0, match.start())
        pieces = link.split(_VARIABLE)
        shown = pieces[0] + "".join(names[before + i] + piece for i, piece in enumerate(pieces[1:]))
        if shown not in found:
            found.append(shown)
    return found


def check_links(text: str, *, label: str) -> list[str]:
    """One French message per link to another site than Jalon in `text` (empty when there is none)."""
    return [
        _(
            "%(label)s : « %(link)s » renvoie ailleurs que vers Jalon. Un message ne peut contenir aucun lien ni "
            "adresse d'un autre site (hameçonnage) ; pour renvoyer vers Jalon, utilisez la variable {lien} ou "
            "l'adresse %(site)s."
        )
        % {"label": label, "link": link, "site": settings.SITE_URL}
        for link in foreign_links(text)
    ]


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
        problems.setdefault(field, []).extend(check_links(text, label=label))
        if not problems[field]:
            del problems[field]
    if "notice" not in problems:
        longest = render(notice, sample_values(kind))
        if len(longest) > SMS_MAX_LENGTH:
            problems.setdefault("notice", []).append(
                _(
                    "L'avis court part aussi par SMS : %(length)s caractères avec des valeurs d'exemple, %(max)s au "
                    "plus."
                )
                % {"length": len(longest), "max": SMS_MAX_LENGTH}
            )
    if len(subject) > 150:
        problems.setdefault("subject", []).append(_("L'objet est trop long (150 caractères au plus)."))
    if problems:
        raise ValidationError(problems)
