"""Reads of pathways: the pathway page in a fixed number of queries, milestone statuses, the timeline
and the triage explanation put into words. Access is decided by jalon.referrals.access."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jalon.core.formatting import delay_text
from jalon.core.vocabulary import AlarmSign, CancerSite, PathwayKind, Priority, Urgency
from jalon.events.history import history_entry
from jalon.events.models import Event
from jalon.messaging.models import OutboxMessage
from jalon.pathways.alerts import current_policy, open_alerts
from jalon.pathways.models import (
    REQUEST_REFERENCE,
    Alert,
    AlertKind,
    Milestone,
    MilestoneStatus,
    MilestoneTemplate,
    Outcome,
    Pathway,
    ResponsibleRole,
    Task,
    warning_window,
)
from jalon.referrals.access import referral_for_user, referrals_visible_to
from jalon.referrals.models import ExamKind, Question, Referral, ReferralDocument

# Milestone statuses as the page shows them: (French label, badge class).
MILESTONE_DISPLAY = {
    "done": (gettext_lazy("Fait"), "badge-ok"),
    "skipped": (gettext_lazy("Sans objet"), "badge-muted"),
    "overdue": (gettext_lazy("En retard"), "badge-danger"),
    "due_soon": (gettext_lazy("Échéance proche"), "badge-warn"),
    "planned": (gettext_lazy("Prévu"), "badge-muted"),
    "not_done": (gettext_lazy("Non réalisé"), "badge-muted"),
}


def pathway_for_user(user, reference: str) -> Pathway:
    """The pathway of the referral `reference`, if the user reaches that referral (404 otherwise)."""
    queryset = referrals_visible_to(user).select_related(
        "pathway__template_version__template",
        "pathway__patient",
        "entry_point__organization",
        "gp",
        "referrer",
        "triage_decision__rule",
        "triage_decision__rule_set",
        "triage_decision__decided_by",
    )
    referral = referral_for_user(user, reference, queryset)
    try:
        pathway = referral.pathway
    except Pathway.DoesNotExist as exc:
        raise Http404 from exc
    pathway.referral = referral  # keep the referral and what was joined to it
    return pathway


def milestone_of(pathway: Pathway, milestone_id: int) -> Milestone:
    """A milestone of this pathway (404 for any other id)."""
    milestone = Milestone.objects.filter(pk=milestone_id, pathway_id=pathway.pk).first()
    if milestone is None:
        raise Http404
    return milestone


def task_of(pathway: Pathway, task_id: int) -> Task:
    """A task of this pathway (404 for any other id)."""
    task = Task.objects.filter(pk=task_id, pathway_id=pathway.pk).first()
    if task is None:
        raise Http404
    return task


def referral_documents(referral: Referral) -> list[ReferralDocument]:
    """Every document of the referral (with or without an exam), oldest first: what a milestone may link to."""
    return list(ReferralDocument.objects.filter(referral_id=referral.pk).order_by("uploaded_at", "id"))


def milestone_status(
    milestone: Milestone,
    *,
    now: datetime,
    warning_horizon: timedelta,
    warning_share_percent: int = 100,
    pathway_closed: bool = False,
) -> str:
    """done, skipped, overdue (pending and past due), due_soon (within the alerts' warning window:
    `warning_window`), planned or not_done."""
    if milestone.status == MilestoneStatus.DONE:
        return "done"
    if milestone.status == MilestoneStatus.SKIPPED:
        return "skipped"
    if pathway_closed:
        return "not_done"
    if milestone.due_at is not None and milestone.due_at < now:
        return "overdue"
    window = warning_window(
        milestone.due_at, milestone.counted_from, horizon=warning_horizon, share_percent=warning_share_percent
    )
    if milestone.due_at is not None and milestone.due_at <= now + window:
        return "due_soon"
    return "planned"


def target_text(template: MilestoneTemplate, labels_by_code: dict[str, str], priority: str = "") -> str:
    """« 48 heures ouvrées après « Accueil » » (the target for the pathway's priority), or « – » when the
    step has no target delay."""
    target = template.target_for(priority)
    if target is None:
        return "–"
    delay = delay_text(*target)
    if not template.reference_code:
        return _("%(delay)s après le début du parcours") % {"delay": delay}
    if template.reference_code == REQUEST_REFERENCE:
        return _("%(delay)s après la réception de la demande") % {"delay": delay}
    reference = labels_by_code.get(template.reference_code, template.reference_code)
    return _("%(delay)s après « %(reference)s »") % {"delay": delay, "reference": reference}


@dataclass(frozen=True)
class MilestoneRow:
    milestone: Milestone
    status: str
    target: str = ""  # the target delay in words (the pathway page; the GP portal leaves it out)

    @property
    def status_label(self) -> str:
        return str(MILESTONE_DISPLAY[self.status][0])

    @property
    def badge_class(self) -> str:
        return MILESTONE_DISPLAY[self.status][1]

    @property
    def is_pending(self) -> bool:
        return self.milestone.status == MilestoneStatus.PENDING

    @property
    def is_overdue(self) -> bool:
        return self.status == "overdue"

    @property
    def may_skip(self) -> bool:
        return self.is_pending and not self.milestone.template.required


@dataclass(frozen=True)
class TimelineEntry:
    event: Event
    label: str
    details: list[str]
    messages: list = field(default_factory=list)  # what the event sent, with its delivery status


# Sections the apps above pathways add to the pathway page, by name: provider(pathway, milestones) returns
# what the section's template shows. An app registers in its AppConfig.ready() (scheduling: "appointments").
PAGE_SECTIONS: dict[str, Callable[[Pathway, list[Milestone]], object]] = {}


def page_section_register(name: str, provider: Callable[[Pathway, list[Milestone]], object]) -> None:
    PAGE_SECTIONS[name] = provider


@dataclass
class PathwayPage:
    pathway: Pathway
    milestones: list[MilestoneRow]
    tasks: list[Task]
    alerts: list[Alert]
    timeline: list[TimelineEntry]
    documents: list[ReferralDocument]
    decision: object | None = None  # the referral's TriageDecision, when the rules were used
    explanation: list[dict] = field(default_factory=list)
    letters: list = field(default_factory=list)  # the PDF letters written to the GP
    sections: dict = field(default_factory=dict)  # what the apps above add (PAGE_SECTIONS), by name

    @property
    def appointments(self):
        """The scheduling section: booked and cancelled appointments, with their letters (None without it)."""
        return self.sections.get("appointments")

    @property
    def pending_milestones(self) -> list[MilestoneRow]:
        return [row for row in self.milestones if row.is_pending]


def pathway_page(pathway: Pathway, *, now: datetime | None = None) -> PathwayPage:
    """Everything the pathway page shows, in a number of queries that does not grow with its rows."""
    now = now or timezone.now()
    referral = pathway.referral
    milestones = list(
        Milestone.objects.filter(pathway=pathway)
        .select_related("template", "done_by", "document")
        .order_by("order", "id")
    )
    labels_by_code = dict(
        MilestoneTemplate.objects.filter(template_version_id=pathway.template_version_id).values_list("code", "label")
    )
    labels_by_code.update({milestone.code: milestone.label for milestone in milestones})
    policy = current_policy()
    horizon = timedelta(hours=policy.warning_horizon_hours)
    rows = [
        MilestoneRow(
            milestone=milestone,
            status=milestone_status(
                milestone,
                now=now,
                warning_horizon=horizon,
                warning_share_percent=policy.warning_share_percent,
                pathway_closed=pathway.is_closed,
            ),
            target=target_text(milestone.template, labels_by_code, pathway.priority),
        )
        for milestone in milestones
    ]
    tasks = list(Task.objects.filter(pathway=pathway).select_related("done_by").order_by("done_at", "due_at", "id"))
    alerts = list(open_alerts(now).filter(pathway=pathway).select_related("milestone").order_by("due_at", "id"))
    events = (
        Event.objects.filter(referral_id=referral.pk)
        .select_related("actor")
        .prefetch_related(
            Prefetch("messages", queryset=OutboxMessage.objects.select_related("recipient_professional").order_by("id"))
        )
        .order_by("occurred_at", "id")
    )
    timeline = []
    for event in events:
        entry = history_entry(event, value_labels=_HISTORY_VALUE_LABELS)
        timeline.append(
            TimelineEntry(event=event, label=entry.label, details=entry.details, messages=list(event.messages.all()))
        )
    documents = referral_documents(referral)
    decision = _decision_of(referral)
    return PathwayPage(
        pathway=pathway,
        milestones=rows,
        tasks=tasks,
        alerts=alerts,
        timeline=timeline,
        documents=documents,
        decision=decision,
        explanation=explanation_rows(decision.explanation) if decision else [],
        sections={name: provider(pathway, milestones) for name, provider in PAGE_SECTIONS.items()},
        letters=list(pathway.letters.order_by("created_at", "id")),
    )


def _decision_of(referral: Referral):
    try:
        return referral.triage_decision
    except ObjectDoesNotExist:
        return None


# --- putting events and explanations into words ---------------------------------------------------

_OUTCOME_LABELS = dict(Outcome.choices)
_ALERT_KIND_LABELS = dict(AlertKind.choices)
_PATHWAY_KIND_LABELS = dict(PathwayKind.choices)


# The French labels of the codes a history's payload may hold (jalon/events/history.py writes the lines).
_HISTORY_VALUE_LABELS = {"pathway_kind": _PATHWAY_KIND_LABELS, "alert": _ALERT_KIND_LABELS, "outcome": _OUTCOME_LABELS}


# Codes a triage condition may name, with their French labels.
_CONDITION_VALUE_LABELS = {
    "suspected_site_in": dict(CancerSite.choices),
    "declared_urgency_in": dict(Urgency.choices),
    "question_in": dict(Question.choices),
    "alarm_signs_any": dict(AlarmSign.choices),
    "history_any": dict(AlarmSign.choices),
    "exams_any": dict(ExamKind.choices),
    "exams_none": dict(ExamKind.choices),
}


def _value_text(condition: str, value, read_from_text=()) -> str:
    """A check's value in words; the items (or the whole value, `read_from_text` True) read in the referral's
    text rather than ticked are marked « lu dans le texte » (issue 14)."""
    labels = _CONDITION_VALUE_LABELS.get(condition, {})
    if value is None:
        return _("non renseigné")
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, list | tuple | set | frozenset):
        if not value:
            return _("aucun")
        read = set(read_from_text) if isinstance(read_from_text, list | tuple | set | frozenset) else set()
        return ", ".join(
            str(labels.get(item, item)) + (" " + _("(lu dans le texte)") if item in read else "") for item in value
        )
    text = str(labels.get(value, value))
    return text + " " + _("(lu dans le texte)") if read_from_text is True else text


def explanation_rows(explanation: list[dict]) -> list[dict]:
    """Each check of a rule as words: the condition's French label, what it expects, what the referral has."""
    return [
        {
            "label": check.get("label", check.get("condition", "")),
            "expected": _value_text(check.get("condition", ""), check.get("expected")),
            "actual": _value_text(check.get("condition", ""), check.get("actual"), check.get("read_from_text", ())),
            "holds": bool(check.get("holds")),
        }
        for check in explanation or []
    ]


def first_task_rows(first_tasks: list[dict]) -> list[dict]:
    """A rule's first tasks as the referral page lists them: label, who, and within what delay."""
    roles = dict(ResponsibleRole.choices)
    return [
        {
            "label": task.get("label", ""),
            "role": str(roles.get(task.get("responsible_role", "coordinator"), task.get("responsible_role", ""))),
            "delay": delay_text(task["due_amount"], task.get("due_unit", "days"))
            if task.get("due_amount") is not None
            else "",
        }
        for task in first_tasks or []
    ]


def proposal_summary(proposal) -> dict:
    """What the triage rules propose for a referral (a triage.services.Proposal), ready for the page."""
    rule = proposal.rule
    return {
        "has_rules": proposal.rule_set is not None,
        "rule_set": proposal.rule_set,
        "rule": rule,
        "pathway_kind": proposal.pathway_kind,
        "priority": proposal.priority,
        "pathway_label": str(dict(PathwayKind.choices).get(proposal.pathway_kind, proposal.pathway_kind)),
        "priority_label": str(dict(Priority.choices).get(proposal.priority, proposal.priority)),
        "checks": explanation_rows(proposal.explanation),
        "tasks": first_task_rows(rule.first_tasks if rule else []),
        "read_from_text": [
            {"code": code, "label": str(dict(AlarmSign.choices).get(code, code))}
            for code in sorted(getattr(proposal, "read_from_text", ()))
        ],
    }
