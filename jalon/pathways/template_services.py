"""Editing pathway templates: a manager's edit publishes a new version; running pathways keep theirs.

A published `PathwayTemplateVersion` is never changed: `template_version_create` validates the whole
list of milestones first, then writes version N+1 and its milestones in one transaction, so a refused
edit leaves nothing behind. The reads used by the management pages sit at the end of this module.
"""

from __future__ import annotations

import re
from collections import defaultdict

from django.db import transaction
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jalon.accounts.audit import audit
from jalon.accounts.models import AuditAction
from jalon.core.actor import Actor
from jalon.core.vocabulary import Priority, ResourceKind, Specialty
from jalon.core.workcalendar import DELAY_UNITS, delay_never_longer
from jalon.pathways.models import (
    REQUEST_REFERENCE,
    Branch,
    MilestoneTemplate,
    PathwayStatus,
    PathwayTemplate,
    PathwayTemplateVersion,
    Phase,
    ResponsibleRole,
)

MILESTONE_FIELDS = (
    "code",
    "label",
    "order",
    "phase",
    "branch",
    "responsible_role",
    "required",
    "depends_on",
    "reference_code",
    "target_amount",
    "target_unit",
    "source",
    "resource_kind",
    "same_day_group",
    "specialty",
    "delay_by_priority",
    "priority_source",
    "follows",
)
PRIORITIES = tuple(Priority.values)
_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
_UNITS = {value for value, _label in DELAY_UNITS}


class TemplateVersionInvalid(Exception):
    """Every reason the edit was refused: `rows[i][field]` for the i-th milestone given (field None:
    the row as a whole), `fields[name]` for the version itself (the change note, the list)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[int, dict[str | None, list[str]]] = defaultdict(lambda: defaultdict(list))
        self.fields: dict[str | None, list[str]] = defaultdict(list)

    def add_row(self, index: int, field_name: str | None, message: str) -> None:
        self.rows[index][field_name].append(message)

    def add(self, field_name: str | None, message: str) -> None:
        self.fields[field_name].append(message)

    def __bool__(self) -> bool:
        return bool(self.rows or self.fields)

    def __str__(self) -> str:
        messages = [m for ms in self.fields.values() for m in ms] + [
            m for row in self.rows.values() for ms in row.values() for m in ms
        ]
        return " ".join(messages)


def _clean_milestone(index: int, raw: dict, errors: TemplateVersionInvalid) -> dict:
    """The milestone with defaults filled and types checked (errors recorded on its row)."""
    milestone = {
        "code": (raw.get("code") or "").strip(),
        "label": (raw.get("label") or "").strip(),
        "order": raw.get("order"),
        "phase": raw.get("phase") or Phase.DIAGNOSIS,
        "branch": raw.get("branch") or "",
        "responsible_role": raw.get("responsible_role") or "",
        "required": bool(raw.get("required", True)),
        "depends_on": [code.strip() for code in (raw.get("depends_on") or []) if code and code.strip()],
        "reference_code": (raw.get("reference_code") or "").strip(),
        "target_amount": raw.get("target_amount"),
        "target_unit": raw.get("target_unit") or "",
        "source": (raw.get("source") or "").strip(),
        "resource_kind": raw.get("resource_kind") or "",
        "same_day_group": (raw.get("same_day_group") or "").strip(),
        "specialty": raw.get("specialty") or "",
        "delay_by_priority": {},
        "priority_source": (raw.get("priority_source") or "").strip(),
        "follows": [code.strip() for code in (raw.get("follows") or []) if code and code.strip()],
    }
    if not milestone["code"]:
        errors.add_row(index, "code", _("Indiquez un code."))
    elif len(milestone["code"]) > 40 or not _SLUG.match(milestone["code"]):
        errors.add_row(
            index,
            "code",
            _("Le code ne peut contenir que des lettres sans accent, des chiffres, « - » et « _ » (40 au plus)."),
        )
    if not milestone["label"]:
        errors.add_row(index, "label", _("Indiquez un libellé."))
    elif len(milestone["label"]) > 200:
        errors.add_row(index, "label", _("Le libellé ne peut dépasser 200 caractères."))
    order = milestone["order"]
    if not isinstance(order, int) or isinstance(order, bool) or not 0 <= order <= 32767:
        errors.add_row(index, "order", _("L'ordre doit être un nombre entier entre 0 et 32767."))
        milestone["order"] = None
    if milestone["phase"] not in Phase.values:
        errors.add_row(index, "phase", _("Phase inconnue."))
    if milestone["branch"] not in Branch.values:
        errors.add_row(index, "branch", _("Branche inconnue."))
    if milestone["responsible_role"] not in ResponsibleRole.values:
        errors.add_row(index, "responsible_role", _("Choisissez le responsable de ce jalon."))
    amount, unit = milestone["target_amount"], milestone["target_unit"]
    if (amount is None) != (not unit):
        message = _("Indiquez à la fois le délai cible et son unité, ou ni l'un ni l'autre.")
        errors.add_row(index, "target_unit" if amount is not None else "target_amount", message)
    if amount is not None and (not isinstance(amount, int) or isinstance(amount, bool) or amount < 0):
        errors.add_row(index, "target_amount", _("Le délai cible doit être un nombre entier positif."))
    if unit and unit not in _UNITS:
        errors.add_row(index, "target_unit", _("Unité de délai inconnue."))
    if len(milestone["source"]) > 300:
        errors.add_row(index, "source", _("La source ne peut dépasser 300 caractères."))
    if milestone["resource_kind"] and milestone["resource_kind"] not in ResourceKind.values:
        errors.add_row(index, "resource_kind", _("Type de ressource inconnu."))
    if milestone["specialty"] and milestone["specialty"] not in Specialty.values:
        errors.add_row(index, "specialty", _("Spécialité inconnue."))
    _clean_priority_delays(index, raw.get("delay_by_priority") or {}, milestone, errors)
    if milestone["same_day_group"] and (
        len(milestone["same_day_group"]) > 40 or not _SLUG.match(milestone["same_day_group"])
    ):
        errors.add_row(
            index,
            "same_day_group",
            _("Le nom du groupe « même jour » : lettres sans accent, chiffres, « - » et « _ » (40 au plus)."),
        )
    return milestone


def _clean_priority_delays(index: int, raw: dict, milestone: dict, errors: TemplateVersionInvalid) -> None:
    """The per-priority targets: each given with its unit, P1 ≤ P2 ≤ P3 (a priority left blank uses the step's
    target delay), and a source for them."""
    cleaned = {}
    for priority in PRIORITIES:
        given = raw.get(priority) or {}
        amount, unit = given.get("amount"), given.get("unit") or ""
        if amount is None and not unit:
            continue
        if (
            amount is None
            or not unit
            or not isinstance(amount, int)
            or isinstance(amount, bool)
            or amount < 0
            or unit not in _UNITS
        ):
            errors.add_row(
                index,
                "delay_by_priority",
                _("Délai %(priority)s : indiquez un nombre entier positif et son unité.") % {"priority": priority},
            )
            continue
        cleaned[priority] = {"amount": amount, "unit": unit}
    milestone["delay_by_priority"] = cleaned
    if not cleaned:
        return
    default = (
        (milestone["target_amount"], milestone["target_unit"])
        if milestone["target_amount"] is not None and milestone["target_unit"] in _UNITS
        else None
    )
    effective = [(cleaned[p]["amount"], cleaned[p]["unit"]) if p in cleaned else default for p in PRIORITIES]
    for step in range(len(PRIORITIES) - 1):
        shorter, longer, first, second = PRIORITIES[step], PRIORITIES[step + 1], effective[step], effective[step + 1]
        if first is None or second is None:
            errors.add_row(
                index, "delay_by_priority", _("Indiquez le délai de chaque priorité, ou un délai cible commun.")
            )
            return
        if not delay_never_longer(first, second):
            errors.add_row(
                index,
                "delay_by_priority",
                _(
                    "Le délai %(shorter)s doit être au plus égal au délai %(longer)s (P1 ≤ P2 ≤ P3) : "
                    "une priorité plus haute n'attend jamais plus longtemps."
                )
                % {"shorter": shorter, "longer": longer},
            )
    if not milestone["priority_source"]:
        errors.add_row(
            index,
            "priority_source",
            _("Citez la source des délais par priorité, ou écrivez « proposition Jalon, à valider »."),
        )
    elif len(milestone["priority_source"]) > 300:
        errors.add_row(index, "priority_source", _("La source ne peut dépasser 300 caractères."))


def _check_references(milestones: list[dict], errors: TemplateVersionInvalid) -> None:
    """Codes unique; a reference or a dependency points to an earlier milestone of a compatible branch."""
    first_index_of: dict[str, int] = {}
    for index, milestone in enumerate(milestones):
        code = milestone["code"]
        if not code:
            continue
        if code in first_index_of:
            errors.add_row(
                index,
                "code",
                _("Le code « %(code)s » est déjà utilisé par un autre jalon de cette version.") % {"code": code},
            )
        else:
            first_index_of[code] = index
    by_code = {milestone["code"]: milestone for milestone in milestones if milestone["code"]}

    def check(index: int, milestone: dict, target_code: str, field_name: str) -> None:
        target = by_code.get(target_code)
        if target is None or target is milestone:
            errors.add_row(
                index,
                field_name,
                _("« %(code)s » n'est le code d'aucun autre jalon de cette version.") % {"code": target_code},
            )
            return
        if milestone["order"] is not None and target["order"] is not None and target["order"] >= milestone["order"]:
            errors.add_row(
                index,
                field_name,
                _("« %(code)s » doit venir avant ce jalon (ordre plus petit que %(order)s).")
                % {"code": target_code, "order": milestone["order"]},
            )
        if target["branch"] and target["branch"] != milestone["branch"]:
            if milestone["branch"] == Branch.ALWAYS:
                message = _(
                    "« %(code)s » n'existe que dans une branche (%(branch)s) : un jalon commun à tous les parcours ne "
                    "peut pas s'y référer."
                )
            else:
                message = _(
                    "« %(code)s » appartient à l'autre branche (%(branch)s) : ce jalon ne peut pas s'y référer."
                )
            errors.add_row(index, field_name, message % {"code": target_code, "branch": Branch(target["branch"]).label})

    for index, milestone in enumerate(milestones):
        if milestone["reference_code"] and milestone["reference_code"] != REQUEST_REFERENCE:
            check(index, milestone, milestone["reference_code"], "reference_code")
        for code in milestone["follows"]:
            check(index, milestone, code, "follows")
        if len(set(milestone["depends_on"])) != len(milestone["depends_on"]):
            errors.add_row(index, "depends_on", _("Un même jalon est cité deux fois."))
        for code in milestone["depends_on"]:
            check(index, milestone, code, "depends_on")


def template_version_validate(*, milestones: list[dict], change_note: str) -> list[dict]:
    """The milestones cleaned, or TemplateVersionInvalid with every problem found (nothing is written)."""
    errors = TemplateVersionInvalid()
    if not (change_note or "").strip():
        errors.add("change_note", _("Décrivez la modification : elle est gardée avec la version."))
    if not milestones:
        errors.add(None, _("Un modèle de parcours doit garder au moins un jalon."))
    cleaned = [_clean_milestone(index, raw, errors) for index, raw in enumerate(milestones)]
    _check_references(cleaned, errors)
    if errors:
        raise errors
    return cleaned


@transaction.atomic
def template_version_create(
    *,
    actor: Actor,
    template: PathwayTemplate,
    milestones: list[dict],
    change_note: str,
    source: str | None = None,
) -> PathwayTemplateVersion:
    """Publish version N+1 of `template` with these milestones (dicts keyed by MILESTONE_FIELDS).

    Running pathways keep pointing to the version they started with; only pathways started from now
    on use the new one. Raises TemplateVersionInvalid, with nothing saved, when the list is refused.
    """
    cleaned = template_version_validate(milestones=milestones, change_note=change_note)
    template = PathwayTemplate.objects.select_for_update().get(pk=template.pk)
    previous = template.current_version()
    last_number = template.versions.aggregate(last=Max("version"))["last"] or 0
    version = PathwayTemplateVersion.objects.create(
        template=template,
        version=last_number + 1,
        published_at=timezone.now(),
        created_by=actor.user if getattr(actor.user, "is_authenticated", False) else None,
        change_note=change_note.strip(),
        source=(source if source is not None else (previous.source if previous else "")).strip(),
    )
    MilestoneTemplate.objects.bulk_create(
        MilestoneTemplate(template_version=version, **milestone) for milestone in cleaned
    )
    audit(
        actor, action=AuditAction.CREATE, patient_id=None, object_type="pathway_template_version", object_id=version.pk
    )
    return version


def milestone_as_dict(milestone: MilestoneTemplate) -> dict:
    """A milestone of a version in the shape `template_version_create` takes (to start an edit from it)."""
    return {name: getattr(milestone, name) for name in MILESTONE_FIELDS}


# Reads for the management pages.


def templates_overview() -> QuerySet[PathwayTemplate]:
    """Every template, each with `version_rows`: its versions, newest first, counting running pathways."""
    versions = PathwayTemplateVersion.objects.annotate(
        running_count=Count("pathways", filter=Q(pathways__status=PathwayStatus.ACTIVE), distinct=True),
        milestone_count=Count("milestones", distinct=True),
    ).order_by("-version")
    return PathwayTemplate.objects.prefetch_related(
        Prefetch("versions", queryset=versions, to_attr="version_rows")
    ).order_by("name")


def template_version_detail(template: PathwayTemplate, number: int) -> PathwayTemplateVersion | None:
    """One version of a template with its milestones in order and its running pathway count."""
    return (
        PathwayTemplateVersion.objects.filter(template=template, version=number)
        .select_related("template", "created_by")
        .annotate(running_count=Count("pathways", filter=Q(pathways__status=PathwayStatus.ACTIVE)))
        .prefetch_related(Prefetch("milestones", queryset=MilestoneTemplate.objects.order_by("order", "id")))
        .first()
    )
