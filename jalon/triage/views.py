"""Managers' pages on triage rules: the published set with its counts, drafts edited rule by rule,
the dry run on past referrals, publication."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jalon.accounts.access import Capability, capability_required
from jalon.accounts.reauth import recent_auth_required
from jalon.core.actor import Actor
from jalon.core.vocabulary import AlarmSign, CancerSite, PathwayKind, Priority, Urgency
from jalon.core.workcalendar import DELAY_UNITS
from jalon.pathways.models import ResponsibleRole
from jalon.referrals.access import referrals_visible_to
from jalon.referrals.models import ExamKind, Question
from jalon.triage import rule_services
from jalon.triage.dry_run import NO_RULE, dry_run
from jalon.triage.engine import CONDITIONS
from jalon.triage.forms import RuleCreateForm, RuleForm
from jalon.triage.models import TriageRule, TriageRuleSet
from jalon.triage.services import published_rule_set
from jalon.triage.text_signs import text_signs

RULE_FIELDS = ("order", "comment", "conditions", "pathway_kind", "priority", "first_tasks", "source")

# Labels of the values a "choices" condition lists (CONDITIONS keeps the values only).
_CHOICE_LABELS = {
    "suspected_site_in": dict(CancerSite.choices),
    "declared_urgency_in": dict(Urgency.choices),
    "question_in": dict(Question.choices),
    "alarm_signs_any": dict(AlarmSign.choices),
    "history_any": dict(AlarmSign.choices),
    "exams_any": dict(ExamKind.choices),
    "exams_none": dict(ExamKind.choices),
}
_UNIT_LABELS = dict(DELAY_UNITS)


def conditions_in_words(conditions: dict) -> list[str]:
    """Each condition as a French sentence (« cancer suspecté parmi : Poumon, Foie »)."""
    if not conditions:
        return [_("toutes les demandes (règle par défaut)")]
    words = []
    for key, value in conditions.items():
        condition = CONDITIONS.get(key)
        if condition is None:
            words.append(f"{key} : {value}")
        elif condition.kind == "bool":
            words.append(f"{condition.label} : {_('oui') if value else _('non')}")
        elif condition.kind == "int":
            words.append(f"{condition.label} {value}" + (_(" ans") if key.startswith("age_") else ""))
        else:
            labels = _CHOICE_LABELS.get(key, {})
            items = value if isinstance(value, list) else [value]
            words.append(f"{condition.label} : " + ", ".join(str(labels.get(item, item)) for item in items))
    return words


def tasks_in_words(first_tasks: list) -> list[str]:
    """Each first task as « label (responsable, sous N unité) »."""
    roles = dict(ResponsibleRole.choices)
    words = []
    for task in first_tasks or []:
        details = [str(roles.get(task.get("responsible_role"), task.get("responsible_role") or ""))]
        if task.get("due_amount") is not None:
            details.append(
                _("sous %(amount)s %(unit)s")
                % {"amount": task["due_amount"], "unit": _UNIT_LABELS.get(task.get("due_unit"), task.get("due_unit"))}
            )
        words.append(f"{task.get('label', '')} ({', '.join(d for d in details if d)})")
    return words


def condition_help() -> list[tuple[str, str]]:
    """Every condition key with its French label and, for lists, the values it accepts."""
    rows = []
    for key, condition in CONDITIONS.items():
        text = str(condition.label)
        if condition.kind == "bool":
            text += " (true / false)"
        elif condition.kind == "int":
            text += _(" (nombre entier)")
        elif condition.kind == "departments":
            text += _(' (liste de codes de département, par exemple ["67", "68"])')
        else:
            labels = _CHOICE_LABELS.get(key, {})
            text += " : " + ", ".join(f"{value} = {labels.get(value, value)}" for value in condition.choices)
        rows.append((key, text))
    return rows


def _rule_set_or_404(version: int) -> TriageRuleSet:
    return get_object_or_404(TriageRuleSet, version=version)


def _draft_or_redirect(request, version: int):
    """The draft with this number, or (published) a redirect with the read-only message."""
    rule_set = _rule_set_or_404(version)
    if rule_set.published_at is not None:
        messages.error(
            request, _("La version %(version)s est publiée : elle est en lecture seule.") % {"version": version}
        )
        return rule_set, redirect("triage_rules:rule_set", version=version)
    return rule_set, None


def _render_rule_set(request, rule_set: TriageRuleSet | None):
    published = published_rule_set()
    rules = list(rule_services.rules_with_counts(rule_set)) if rule_set else []
    rows = [
        {"rule": rule, "conditions": conditions_in_words(rule.conditions), "tasks": tasks_in_words(rule.first_tasks)}
        for rule in rules
    ]
    context = {
        "rule_set": rule_set,
        "is_draft": rule_set is not None and rule_set.published_at is None,
        "is_published_current": rule_set is not None and published is not None and rule_set.pk == published.pk,
        "rows": rows,
        "fired_total": sum(rule.fired_count for rule in rules),
        "overridden_total": sum(rule.overridden_count for rule in rules),
        "draft": rule_services.current_draft(),
        "versions": TriageRuleSet.objects.order_by("-version")[:30],
        "has_catch_all": bool(rules) and rules[-1].conditions == {},
    }
    return render(request, "triage/rule_set.html", context)


@login_required
@capability_required(Capability.MANAGE_TRIAGE_RULES)
@require_GET
def published(request):
    return _render_rule_set(request, published_rule_set())


@login_required
@capability_required(Capability.MANAGE_TRIAGE_RULES)
@require_GET
def rule_set_detail(request, version: int):
    return _render_rule_set(request, _rule_set_or_404(version))


@login_required
@capability_required(Capability.MANAGE_TRIAGE_RULES)
@require_POST
def draft_create(request):
    try:
        draft = rule_services.rule_set_create_draft(actor=Actor.from_request(request))
    except rule_services.RuleSetError as error:
        if error.code != rule_services.RuleSetErrorCode.DRAFT_EXISTS:
            raise
        messages.warning(request, error.message)
        return redirect("triage_rules:rule_set", version=error.rule_set.version)
    messages.success(
        request,
        _("Version de travail %(version)s créée : modifiez-la, essayez-la, puis publiez-la.")
        % {"version": draft.version},
    )
    return redirect("triage_rules:rule_set", version=draft.version)


def _attach_errors(form, error: rule_services.RuleSetError) -> None:
    for field_name, field_messages in error.errors.items():
        for message in field_messages:
            form.add_error(field_name if field_name in form.fields else None, message)
    if not error.errors:
        form.add_error(None, error.message)


@login_required
@capability_required(Capability.MANAGE_TRIAGE_RULES)
def rule_edit(request, version: int, rule_id: int):
    rule_set, refusal = _draft_or_redirect(request, version)
    if refusal:
        return refusal
    rule = get_object_or_404(TriageRule, pk=rule_id, rule_set=rule_set)
    initial = {name: getattr(rule, name) for name in RULE_FIELDS}
    form = RuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            rule_services.rule_update(actor=Actor.from_request(request), rule=rule, **form.cleaned_data)
        except rule_services.RuleSetError as error:
            _attach_errors(form, error)
        else:
            messages.success(request, _("Règle « %(code)s » enregistrée.") % {"code": rule.code})
            return redirect("triage_rules:rule_set", version=version)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "triage/rule_form.html",
        {"rule_set": rule_set, "rule": rule, "form": form, "condition_help": condition_help()},
        status=status,
    )


@login_required
@capability_required(Capability.MANAGE_TRIAGE_RULES)
def rule_new(request, version: int):
    rule_set, refusal = _draft_or_redirect(request, version)
    if refusal:
        return refusal
    last = rule_set.rules.order_by("-order").first()
    form = RuleCreateForm(
        request.POST or None,
        initial={
            "order": (last.order + 10) if last else 10,
            "conditions": {},
            "first_tasks": [],
            "priority": Priority.P3,
            "pathway_kind": PathwayKind.GENERIC,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            rule = rule_services.rule_create(actor=Actor.from_request(request), rule_set=rule_set, **form.cleaned_data)
        except rule_services.RuleSetError as error:
            _attach_errors(form, error)
        else:
            messages.success(request, _("Règle « %(code)s » ajoutée.") % {"code": rule.code})
            return redirect("triage_rules:rule_set", version=version)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "triage/rule_form.html",
        {"rule_set": rule_set, "rule": None, "form": form, "condition_help": condition_help()},
        status=status,
    )


@login_required
@capability_required(Capability.MANAGE_TRIAGE_RULES)
@require_POST
def rule_delete(request, version: int, rule_id: int):
    rule_set, refusal = _draft_or_redirect(request, version)
    if refusal:
        return refusal
    rule = get_object_or_404(TriageRule, pk=rule_id, rule_set=rule_set)
    rule_services.rule_delete(actor=Actor.from_request(request), rule=rule)
    messages.success(request, _("Règle « %(code)s » supprimée de la version de travail.") % {"code": rule.code})
    return redirect("triage_rules:rule_set", version=version)


def _outcome_words(outcome) -> dict:
    return {
        "pathway": PathwayKind(outcome.pathway_kind).label
        if outcome.pathway_kind in PathwayKind.values
        else outcome.pathway_kind,
        "priority": outcome.priority,
        "rule": outcome.rule_code or _("aucune règle"),
    }


@login_required
@capability_required(Capability.MANAGE_TRIAGE_RULES)
@require_GET
def rule_set_dry_run(request, version: int):
    """What would change on past referrals if this set replaced the published one (references only)."""
    rule_set = _rule_set_or_404(version)
    report = dry_run(candidate=rule_set)
    references = [row.reference for row in report.changed]
    # Managers reach no nominative data: a reference is a link only for someone who may open it.
    reachable = set(
        referrals_visible_to(request.user).filter(reference__in=references).values_list("reference", flat=True)
    )
    rows = [
        {
            "reference": row.reference,
            "linked": row.reference in reachable,
            "before": _outcome_words(row.before),
            "after": _outcome_words(row.after),
            "changes": row.changes,
        }
        for row in report.changed
    ]
    rule_counts = [
        {
            "code": count.code or _("aucune règle"),
            "before": count.before,
            "after": count.after,
            "differs": count.before != count.after,
        }
        for count in report.rule_counts
    ]
    context = {"rule_set": rule_set, "report": report, "rows": rows, "rule_counts": rule_counts, "no_rule": NO_RULE}
    return render(request, "triage/dry_run.html", context)


@login_required
@capability_required(Capability.MANAGE_TRIAGE_RULES)
@require_POST
@recent_auth_required
def rule_set_publish(request, version: int):
    rule_set, refusal = _draft_or_redirect(request, version)
    if refusal:
        return refusal
    try:
        rule_services.rule_set_publish(actor=Actor.from_request(request), rule_set=rule_set)
    except rule_services.RuleSetError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Version %(version)s publiée : elle s'applique aux prochaines demandes.") % {"version": version}
        )
    return redirect("triage_rules:rule_set", version=version)


@login_required
@require_POST
def text_signs_suggest(request):
    """The signs and history facts the lexicon reads in the reason being typed (htmx, on the referral form):
    suggested to tick, those already ticked left out. Reads only the posted text; nothing is stored."""
    text = next((value for key, value in request.POST.items() if key.endswith("clinical_reason")), "")[:5000]
    ticked = {
        value for key in request.POST if key.endswith(("alarm_signs", "history")) for value in request.POST.getlist(key)
    }
    signs = text_signs(text, ticked=ticked)
    labels = dict(AlarmSign.choices)
    suggested = [str(labels.get(code, code)) for code in sorted(signs.codes)]
    return render(request, "triage/_text_signs_suggestion.html", {"suggested": suggested})
