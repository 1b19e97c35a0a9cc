"""Nothing slips silently: the periodic scan that raises alerts on due and overdue milestones and on
pathways with no activity, escalates old ones to managers, and the acknowledgment by a person.

Idempotent by construction: an alert's `key` names the situation it reports (kind, milestone and
due date, or pathway and last activity), the database refuses a second row with the same key, and
escalation is a conditional update. Running the scan twice, or on two workers at once, or again
after a crash, neither loses nor duplicates an alert or its messages (outbox keys derive from it).
An alert whose situation has passed (milestone done or rescheduled, pathway closed or active again)
is no longer "open"; that is computed, not stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Min, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jalon.accounts.audit import audit
from jalon.accounts.freshness import data_changed
from jalon.accounts.models import AuditAction, Role, User
from jalon.core.actor import Actor
from jalon.core.formatting import date_at_time, day_month_year
from jalon.events.services import event_record
from jalon.messaging.notify import notify
from jalon.pathways.errors import PathwayError, PathwayErrorCode
from jalon.pathways.models import Alert, AlertKind, AlertPolicy, Milestone, MilestoneStatus, Pathway, PathwayStatus
from jalon.patients.models import Patient

DEFAULT_POLICY = AlertPolicy(
    version=0, warning_horizon_hours=24, warning_share_percent=20, escalation_after_hours=48, lost_to_follow_up_days=14
)


def current_policy() -> AlertPolicy:
    return AlertPolicy.objects.filter(published_at__isnull=False).order_by("-version").first() or DEFAULT_POLICY


@dataclass
class ScanReport:
    raised: int = 0
    escalated: int = 0


def open_alerts(now=None) -> QuerySet[Alert]:
    """Unacknowledged alerts whose situation still holds."""
    now = now or timezone.now()
    still_due = Q(
        milestone__isnull=False,
        milestone__status=MilestoneStatus.PENDING,
        milestone__due_at=F("due_at"),
    ) & ~Q(kind=AlertKind.DUE_SOON, due_at__lte=now)
    still_lost = Q(kind=AlertKind.LOST_TO_FOLLOW_UP, pathway__lost_to_follow_up=True)
    return Alert.objects.filter(acknowledged_at__isnull=True, pathway__status=PathwayStatus.ACTIVE).filter(
        still_due | still_lost
    )


def _people(organization_id: int, role: str) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True, role=role, professional__memberships__organization_id=organization_id
        ).select_related("professional")
    )


def _notify(alert: Alert, users: list[User], *, kind: str, suffix: str, link_path: str) -> None:
    """The alert's message to each user, through the managed texts (`messaging.notify`): the step's name
    is a clinical variable, so it travels only in the secure body (MSSanté, in Jalon), never by plain
    e-mail or SMS. The entry point's organisation's own text applies when its managers published one."""
    referral = alert.pathway.referral
    values = {
        "reference": referral.reference,
        "guichet": referral.entry_point.name,
        "etape": alert.milestone.label if alert.milestone_id else "",
        "attendue_le": date_at_time(alert.due_at),
        "depuis": day_month_year(alert.due_at),
    }
    notify(
        kind=kind,
        key=f"alert-{alert.key}-{suffix}",
        patient_id=alert.pathway.patient_id,
        organization_id=referral.entry_point.organization_id,
        recipients=[user.professional for user in users if user.professional_id],
        values=values,
        link_path=link_path,
    )


def _alert_kind(alert: Alert) -> str:
    return f"alert.{alert.kind}"


def _raise(*, key: str, kind: str, pathway: Pathway, milestone: Milestone | None, due_at, now) -> bool:
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                key=key, kind=kind, pathway=pathway, milestone=milestone, due_at=due_at, raised_at=now
            )
            _notify(
                alert,
                _people(pathway.referral.entry_point.organization_id, Role.COORDINATOR),
                kind=_alert_kind(alert),
                suffix="raised",
                link_path=reverse("pathways:detail", args=[pathway.referral.reference]),
            )
    except IntegrityError:
        return False  # already raised, by an earlier run or another worker
    return True


def alerts_scan(*, now=None) -> ScanReport:
    """Raise due-soon, overdue and lost-to-follow-up alerts and escalate old overdue ones.

    A pending step is due soon once the policy's share of its window is left (20 %: 4.8 h of a 24-hour
    step, 24 h at most), overdue once its due date has passed."""
    now = now or timezone.now()
    policy = current_policy()
    report = ScanReport()
    horizon = now + timedelta(hours=policy.warning_horizon_hours)
    milestones = Milestone.objects.filter(
        status=MilestoneStatus.PENDING, due_at__isnull=False, due_at__lt=horizon, pathway__status=PathwayStatus.ACTIVE
    ).select_related("pathway__referral__entry_point", "pathway__patient")
    for milestone in milestones.iterator(chunk_size=500):
        kind = AlertKind.OVERDUE if milestone.due_at <= now else AlertKind.DUE_SOON
        # "Due soon" is a share of the step's own window (AlertPolicy.warning_window), never its first minute.
        counted_from = milestone.counted_from or milestone.pathway.started_at
        if kind == AlertKind.DUE_SOON and now < milestone.due_at - policy.warning_window(
            milestone.due_at, counted_from
        ):
            continue
        key = f"{kind}:m{milestone.pk}:{milestone.due_at:%Y%m%dT%H%M}"
        report.raised += _raise(
            key=key, kind=kind, pathway=milestone.pathway, milestone=milestone, due_at=milestone.due_at, now=now
        )

    quiet_since = now - timedelta(days=policy.lost_to_follow_up_days)
    for pathway in Pathway.objects.filter(status=PathwayStatus.ACTIVE, last_activity_at__lt=quiet_since).select_related(
        "referral__entry_point"
    ):
        Pathway.objects.filter(pk=pathway.pk, last_activity_at=pathway.last_activity_at).update(lost_to_follow_up=True)
        data_changed()  # no signal for update(): the polled pages must see it
        key = f"{AlertKind.LOST_TO_FOLLOW_UP}:p{pathway.pk}:{pathway.last_activity_at:%Y%m%dT%H%M}"
        report.raised += _raise(
            key=key,
            kind=AlertKind.LOST_TO_FOLLOW_UP,
            pathway=pathway,
            milestone=None,
            due_at=pathway.last_activity_at,
            now=now,
        )

    escalate_before = now - timedelta(hours=policy.escalation_after_hours)
    to_escalate = open_alerts(now).filter(kind=AlertKind.OVERDUE, escalated_at__isnull=True, due_at__lt=escalate_before)
    for alert in to_escalate.select_related("pathway__referral__entry_point", "milestone"):
        with transaction.atomic():
            if not Alert.objects.filter(pk=alert.pk, escalated_at__isnull=True).update(escalated_at=now):
                continue
            data_changed()  # no signal for update(): the polled pages must see it
            # Managers reach no nominative page: their link is Jalon's home.
            _notify(
                alert,
                _people(alert.pathway.referral.entry_point.organization_id, Role.MANAGER),
                kind="alert.escalated",
                suffix="escalated",
                link_path=reverse("accounts:home"),
            )
            report.escalated += 1
    return report


@transaction.atomic
def alert_acknowledge(*, actor: Actor, alert: Alert, note: str) -> Alert:
    """A person takes the alert into account, saying what they did."""
    if not note.strip():
        raise PathwayError(PathwayErrorCode.REASON_REQUIRED, _("Indiquez ce qui a été fait."), field="note")
    updated = Alert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now(), acknowledged_by=actor.user, note=note.strip()
    )
    data_changed()  # no signal for update(): the polled pages must see it
    alert.refresh_from_db()
    if updated:
        event_record(
            actor=actor,
            kind="alert.acknowledged",
            patient_id=alert.pathway.patient_id,
            referral_id=alert.pathway.referral_id,
            payload={
                "alert": alert.kind,
                "milestone": alert.milestone.label if alert.milestone_id else None,
                "note": note.strip(),
            },
        )
        audit(
            actor,
            action=AuditAction.UPDATE,
            patient_id=alert.pathway.patient_id,
            object_type="alert",
            object_id=alert.pk,
        )
    return alert


def alerts_summary_for_coordinator(user, now) -> tuple[int, datetime | None]:
    """How many open alerts `alerts_for_coordinator` gives, and when the next one of them stops being open by
    itself (an « échéance proche » alert whose due time passes), in one query."""
    figures = alerts_for_coordinator(user, now).aggregate(
        count=Count("id"), next_change=Min("due_at", filter=Q(kind=AlertKind.DUE_SOON, due_at__gt=now))
    )
    return figures["count"], figures["next_change"]


# What a row of pathways/_alert_rows.html shows: the other columns of five joined tables cost more to read
# than the rows themselves.
ALERT_ROW_FIELDS = (
    "kind",
    "due_at",
    "escalated_at",
    "pathway__referral__reference",
    *(f"pathway__patient__{name}" for name in Patient.NAME_FIELDS),
    "milestone__label",
)


def alerts_panel_for_coordinator(user, now, *, shown: int = 10) -> tuple[list[Alert], int, datetime | None]:
    """The worklist's alerts panel: the first `shown` open alerts (read only when there is one), how many
    there are, and when the next one stops being open by itself (`alerts_summary_for_coordinator`)."""
    count, next_change = alerts_summary_for_coordinator(user, now)
    alerts = list(alerts_for_coordinator(user, now).only(*ALERT_ROW_FIELDS)[:shown]) if count else []
    return alerts, count, next_change


def alerts_for_coordinator(user, now=None) -> QuerySet[Alert]:
    """Open alerts on pathways of the coordinator's organisations' entry points, most urgent first."""
    organizations = user.organization_ids()
    return (
        open_alerts(now)
        .filter(pathway__referral__entry_point__organization_id__in=organizations)
        .select_related("pathway__referral", "pathway__patient", "milestone")
        .order_by("-kind", "due_at", "id")
    )
