"""Changing the triage rules: a draft copied from the published set, edited rule by rule, tried on
past referrals (jalon.triage.dry_run), then published. A published set is never changed again.

Every write here refuses to touch a published set, validates before it saves, and leaves an audit
record (no patient: patient_id None).
"""

from __future__ import annotations

import re
from collections import defaultdict
from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jalon.accounts.audit import audit
from jalon.accounts.models import AuditAction
from jalon.core.actor import Actor
from jalon.core.vocabulary import PathwayKind, Priority
from jalon.core.workcalendar import DELAY_UNITS
from jalon.pathways.models import ResponsibleRole
from jalon.triage.engine import validate_conditions
from jalon.triage.models import TriageRule, TriageRuleSet

_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
_UNITS = {value for value, _label in DELAY_UNITS}
TASK_KEYS = ("label", "responsible_role", "due_amount", "due_unit")


class RuleSetErrorCode(StrEnum):
    PUBLISHED_READ_ONLY = "published_read_only"
    DRAFT_EXISTS = "draft_exists"
    NO_CATCH_ALL = "no_catch_all"
    OUTDATED_DRAFT = "outdated_draft"
    INVALID_RULE = "invalid_rule"


class RuleSetError(Exception):
    """A refused change; `errors` maps a rule field to its French messages (None: the rule as a whole)."""

    def __init__(
        self, code: RuleSetErrorCode, message: str, errors: dict[str | None, list[str]] | None = None, rule_set=None
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.errors = errors or {}
        self.rule_set = rule_set


def _user(actor: Actor):
    return actor.user if getattr(actor.user, "is_authenticated", False) else None


def _require_draft(rule_set: TriageRuleSet) -> TriageRuleSet:
    rule_set = TriageRuleSet.objects.select_for_update().get(pk=rule_set.pk)
    if rule_set.published_at is not None:
        raise RuleSetError(
            RuleSetErrorCode.PUBLISHED_READ_ONLY,
            _("La version %(version)s est publiée : elle ne peut plus être modifiée. Créez une version de travail.")
            % {"version": rule_set.version},
        )
    return rule_set


def validate_first_tasks(first_tasks: Any) -> None:
    """Refuse anything but a list of {label, responsible_role, due_amount, due_unit}, with a French message."""
    if not isinstance(first_tasks, list):
        raise ValidationError(_("Les premières tâches doivent être une liste JSON ([...])."), code="first_tasks_type")
    for number, task in enumerate(first_tasks, start=1):
        where = {"number": number}
        if not isinstance(task, dict):
            raise ValidationError(
                _("Tâche %(number)s : un objet JSON {...} est attendu.") % where, code="first_tasks_type"
            )
        unknown = sorted(set(task) - set(TASK_KEYS))
        if unknown:
            raise ValidationError(
                _("Tâche %(number)s : clé inconnue « %(key)s » (clés possibles : %(keys)s).")
                % {**where, "key": unknown[0], "keys": ", ".join(TASK_KEYS)},
                code="first_tasks_key",
            )
        label = task.get("label")
        if not isinstance(label, str) or not label.strip() or len(label) > 300:
            raise ValidationError(
                _("Tâche %(number)s : « label » doit être un texte de 1 à 300 caractères.") % where,
                code="first_tasks_value",
            )
        if task.get("responsible_role") not in ResponsibleRole.values:
            raise ValidationError(
                _("Tâche %(number)s : « responsible_role » doit valoir l'une de ces valeurs : %(values)s.")
                % {**where, "values": ", ".join(ResponsibleRole.values)},
                code="first_tasks_value",
            )
        amount, unit = task.get("due_amount"), task.get("due_unit")
        if (amount is None) != (unit is None or unit == ""):
            raise ValidationError(
                _("Tâche %(number)s : indiquez à la fois « due_amount » et « due_unit », ou ni l'un ni l'autre.")
                % where,
                code="first_tasks_value",
            )
        if amount is not None and (not isinstance(amount, int) or isinstance(amount, bool) or amount < 0):
            raise ValidationError(
                _("Tâche %(number)s : « due_amount » doit être un nombre entier positif.") % where,
                code="first_tasks_value",
            )
        if unit and unit not in _UNITS:
            raise ValidationError(
                _("Tâche %(number)s : « due_unit » doit valoir l'une de ces valeurs : %(values)s.")
                % {**where, "values": ", ".join(sorted(_UNITS))},
                code="first_tasks_value",
            )


def _validate_rule(
    *,
    rule_set: TriageRuleSet,
    rule: TriageRule | None,
    code: str,
    comment: str,
    conditions,
    pathway_kind: str,
    priority: str,
    first_tasks,
    order,
) -> None:
    errors: dict[str | None, list[str]] = defaultdict(list)
    if rule is None:
        if not code:
            errors["code"].append(_("Indiquez un code."))
        elif len(code) > 60 or not _SLUG.match(code):
            errors["code"].append(
                _("Le code ne peut contenir que des lettres sans accent, des chiffres, « - » et « _ » (60 au plus).")
            )
        elif rule_set.rules.filter(code=code).exists():
            errors["code"].append(_("Le code « %(code)s » est déjà utilisé dans cette version.") % {"code": code})
    if not comment.strip():
        errors["comment"].append(_("Décrivez la situation clinique que cette règle traite."))
    for field_name, validate, value in (
        ("conditions", validate_conditions, conditions),
        ("first_tasks", validate_first_tasks, first_tasks),
    ):
        try:
            validate(value)
        except ValidationError as error:
            errors[field_name].extend(error.messages)
    if pathway_kind not in PathwayKind.values:
        errors["pathway_kind"].append(_("Parcours inconnu."))
    if priority not in Priority.values:
        errors["priority"].append(_("Priorité inconnue."))
    if not isinstance(order, int) or isinstance(order, bool) or order < 0:
        errors["order"].append(_("L'ordre doit être un nombre entier positif."))
    else:
        clash = rule_set.rules.filter(order=order).exclude(pk=rule.pk if rule else None).first()
        if clash is not None:
            errors["order"].append(
                _("La règle « %(code)s » a déjà l'ordre %(order)s.") % {"code": clash.code, "order": order}
            )
    if errors:
        raise RuleSetError(
            RuleSetErrorCode.INVALID_RULE,
            _("La règle n'est pas enregistrée : corrigez les erreurs signalées."),
            dict(errors),
        )


@transaction.atomic
def rule_set_create_draft(*, actor: Actor) -> TriageRuleSet:
    """A draft (unpublished) version N+1 holding a copy of every rule of the published set.

    One draft at a time: when one exists, RuleSetError(DRAFT_EXISTS) carries it in `rule_set`.
    """
    # Lock the published sets so two managers do not both number their draft N+1.
    list(TriageRuleSet.objects.select_for_update().filter(published_at__isnull=False).values_list("pk", flat=True))
    existing = TriageRuleSet.objects.filter(published_at__isnull=True).order_by("-version").first()
    if existing is not None:
        raise RuleSetError(
            RuleSetErrorCode.DRAFT_EXISTS,
            _("Une version de travail existe déjà (version %(version)s) : reprenez-la.")
            % {"version": existing.version},
            rule_set=existing,
        )
    published = TriageRuleSet.objects.filter(published_at__isnull=False).order_by("-version").first()
    last_number = TriageRuleSet.objects.aggregate(last=Max("version"))["last"] or 0
    draft = TriageRuleSet.objects.create(
        version=last_number + 1,
        created_by=_user(actor),
        note=_("Version de travail copiée de la version %(version)s.") % {"version": published.version}
        if published
        else "",
        source=published.source if published else "",
    )
    if published is not None:
        TriageRule.objects.bulk_create(
            TriageRule(
                rule_set=draft,
                order=rule.order,
                code=rule.code,
                label=rule.label,
                comment=rule.comment,
                conditions=rule.conditions,
                pathway_kind=rule.pathway_kind,
                priority=rule.priority,
                first_tasks=rule.first_tasks,
                source=rule.source,
            )
            for rule in published.rules.order_by("order")
        )
    audit(actor, action=AuditAction.CREATE, patient_id=None, object_type="triage_rule_set", object_id=draft.pk)
    return draft


@transaction.atomic
def rule_update(
    *,
    actor: Actor,
    rule: TriageRule,
    comment: str,
    conditions,
    pathway_kind: str,
    priority: str,
    first_tasks,
    order: int,
    source: str = "",
) -> TriageRule:
    """Change a rule of a draft (its code stays: decisions and explanations name rules by code)."""
    rule_set = _require_draft(rule.rule_set)
    rule = TriageRule.objects.get(pk=rule.pk, rule_set=rule_set)
    _validate_rule(
        rule_set=rule_set,
        rule=rule,
        code=rule.code,
        comment=comment,
        conditions=conditions,
        pathway_kind=pathway_kind,
        priority=priority,
        first_tasks=first_tasks,
        order=order,
    )
    rule.comment, rule.conditions, rule.pathway_kind, rule.priority = (
        comment.strip(),
        conditions,
        pathway_kind,
        priority,
    )
    rule.first_tasks, rule.order, rule.source = first_tasks, order, source.strip()[:300]
    rule.save(update_fields=["comment", "conditions", "pathway_kind", "priority", "first_tasks", "order", "source"])
    audit(actor, action=AuditAction.UPDATE, patient_id=None, object_type="triage_rule", object_id=rule.pk)
    return rule


@transaction.atomic
def rule_create(
    *,
    actor: Actor,
    rule_set: TriageRuleSet,
    code: str,
    comment: str,
    conditions,
    pathway_kind: str,
    priority: str,
    first_tasks,
    order: int,
    source: str = "",
) -> TriageRule:
    """Add a rule to a draft."""
    rule_set = _require_draft(rule_set)
    code = code.strip()
    _validate_rule(
        rule_set=rule_set,
        rule=None,
        code=code,
        comment=comment,
        conditions=conditions,
        pathway_kind=pathway_kind,
        priority=priority,
        first_tasks=first_tasks,
        order=order,
    )
    rule = TriageRule.objects.create(
        rule_set=rule_set,
        code=code,
        comment=comment.strip(),
        conditions=conditions,
        pathway_kind=pathway_kind,
        priority=priority,
        first_tasks=first_tasks,
        order=order,
        source=source.strip()[:300],
    )
    audit(actor, action=AuditAction.CREATE, patient_id=None, object_type="triage_rule", object_id=rule.pk)
    return rule


@transaction.atomic
def rule_delete(*, actor: Actor, rule: TriageRule) -> None:
    """Remove a rule from a draft."""
    rule_set = _require_draft(rule.rule_set)
    rule = TriageRule.objects.get(pk=rule.pk, rule_set=rule_set)
    audit(
        actor,
        action=AuditAction.UPDATE,
        patient_id=None,
        object_type="triage_rule.deleted",
        object_id=f"{rule_set.pk}:{rule.code}",
    )
    rule.delete()


def ends_with_catch_all(rule_set: TriageRuleSet) -> bool:
    """Whether the last rule (by order) fires on every referral, so no referral goes unproposed."""
    last = rule_set.rules.order_by("-order", "-id").first()
    return last is not None and last.conditions == {}


@transaction.atomic
def rule_set_publish(*, actor: Actor, rule_set: TriageRuleSet) -> TriageRuleSet:
    """Publish a draft: from now on triage_propose uses it. Refused without a final catch-all rule `{}`."""
    rule_set = _require_draft(rule_set)
    if not ends_with_catch_all(rule_set):
        raise RuleSetError(
            RuleSetErrorCode.NO_CATCH_ALL,
            _(
                "Publication refusée : la dernière règle doit s'appliquer à toutes les demandes (conditions vides "
                "{}), pour qu'aucune demande ne reste sans proposition."
            ),
        )
    newest = TriageRuleSet.objects.filter(published_at__isnull=False).aggregate(last=Max("version"))["last"]
    if newest is not None and newest > rule_set.version:
        raise RuleSetError(
            RuleSetErrorCode.OUTDATED_DRAFT,
            _("La version %(newest)s a été publiée depuis : créez une nouvelle version de travail à partir d'elle.")
            % {"newest": newest},
        )
    rule_set.published_at = timezone.now()
    rule_set.save(update_fields=["published_at"])
    audit(
        actor,
        action=AuditAction.UPDATE,
        patient_id=None,
        object_type="triage_rule_set.published",
        object_id=rule_set.pk,
    )
    return rule_set


# Reads for the rule pages.


def rules_with_counts(rule_set: TriageRuleSet) -> QuerySet[TriageRule]:
    """The set's rules in order, each with `fired_count` (decisions it proposed) and `overridden_count`."""
    return rule_set.rules.annotate(
        fired_count=Count("decisions"),
        overridden_count=Count("decisions", filter=Q(decisions__overridden=True)),
    ).order_by("order", "id")


def current_draft() -> TriageRuleSet | None:
    return TriageRuleSet.objects.filter(published_at__isnull=True).order_by("-version").first()
