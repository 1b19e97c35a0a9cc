"""Reads of the coordination desk: what the referral page gathers from the apps below it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet

from jalon.core.labels import choice_labels
from jalon.core.vocabulary import Urgency
from jalon.directory.models import Professional
from jalon.pathways.models import Pathway, Task
from jalon.patients.models import Patient
from jalon.referrals.models import Referral, Status
from jalon.referrals.selectors import answer_calendars, referral_detail_queryset
from jalon.referrals.services import answer_countdown
from jalon.triage.models import TriageDecision

# A worklist page with no row counting down is rendered again at least this often on refresh.
MAX_ROWS_UNCHANGED = timedelta(minutes=10)


def referral_page_queryset(user) -> QuerySet[Referral]:
    """The referrals `user` reaches, with what the referral page shows joined: the referral's own
    (`referral_detail_queryset`) and its pathway and triage decision (read in the same query, issue 15)."""
    return referral_detail_queryset(user).select_related(
        "pathway__template_version__template",
        "triage_decision__rule",
        "triage_decision__rule_set",
        "triage_decision__decided_by",
    )


def _joined(referral: Referral, name: str):
    try:
        return getattr(referral, name)
    except ObjectDoesNotExist:
        return None


def referral_pathway_summary(referral: Referral) -> tuple[Pathway | None, TriageDecision | None]:
    """The referral's pathway and recorded triage decision (either may be None), for the referral page; no
    query when the referral comes from `referral_page_queryset`."""
    return _joined(referral, "pathway"), _joined(referral, "triage_decision")


def referral_complement_tasks(referral: Referral) -> list[Task]:
    """The complements asked of the referrer with the acceptance, open and closed, as pathway tasks."""
    return list(
        Task.objects.filter(pathway__referral_id=referral.pk).exclude(complement_item="").order_by("due_at", "id")
    )


@dataclass(frozen=True, slots=True)
class WorklistRow:
    """What one worklist row shows, computed once in Python (the template only places it)."""

    reference: str
    patient_name: str
    birth_date: object
    outside_territory: bool
    site: str
    urgency: str
    urgent: bool
    priority: str
    proposed_priority: str
    answer_deadline: object
    overdue: bool
    hours_left: int | None
    is_complete: bool
    missing_count: int
    channel: str
    referrer_name: str
    status: str
    record_missing: tuple[str, ...] = ()  # the record's missing items, read only under « Dossier incomplet »


def worklist_rows(
    referrals, now, *, record_missing: dict[int, tuple[str, ...]] | None = None
) -> tuple[list[WorklistRow], datetime]:
    """The rows of a worklist page (`referrals`: the page's `.values(*WORKLIST_FIELDS)` dicts), in three
    queries whatever their number and the moment one of them next changes by itself (working hours left,
    overdue): a refresh before it shows the same page when no data changed. `record_missing`: per referral id,
    the record items missing (boards' record completeness), when the page asked for them."""
    record_missing = record_missing or {}
    sites = choice_labels(Referral, "suspected_site")
    urgencies = choice_labels(Referral, "declared_urgency")
    channels = choice_labels(Referral, "channel")
    statuses = choice_labels(Referral, "status")
    referrals = list(referrals)
    calendars = answer_calendars(r["entry_point_id"] for r in referrals if r["status"] == Status.RECEIVED)
    patients = {
        row["id"]: row
        for row in Patient.objects.filter(pk__in={r["patient_id"] for r in referrals}).values(
            "id", "used_name", "birth_name", "first_names", "birth_date"
        )
    }
    referrers = {
        row["id"]: Professional.name_for(row["profession"], row["first_name"], row["last_name"])
        for row in Professional.objects.filter(pk__in={r["referrer_id"] for r in referrals}).values(
            "id", "profession", "first_name", "last_name"
        )
    }
    next_change = now + MAX_ROWS_UNCHANGED
    rows = []
    for referral in referrals:
        hours_left, overdue = None, False
        deadline = referral["answer_deadline"]
        if referral["status"] == Status.RECEIVED:
            overdue = deadline < now
            if not overdue:  # an overdue row shows « en retard », no hours left, and stays so
                hours_left, changes_at = answer_countdown(deadline, now, calendars[referral["entry_point_id"]])
                next_change = min(next_change, changes_at)
        patient = patients[referral["patient_id"]]
        rows.append(
            WorklistRow(
                reference=referral["reference"],
                patient_name=Patient.name_for(patient["used_name"], patient["birth_name"], patient["first_names"]),
                birth_date=patient["birth_date"],
                outside_territory=referral["outside_territory"],
                site=sites.get(referral["suspected_site"], referral["suspected_site"]),
                urgency=urgencies.get(referral["declared_urgency"], referral["declared_urgency"]),
                urgent=referral["declared_urgency"] != Urgency.ROUTINE,
                priority=referral["priority"],
                proposed_priority=referral["proposed_priority"],
                answer_deadline=deadline,
                overdue=overdue,
                hours_left=hours_left,
                is_complete=referral["is_complete"],
                missing_count=len(referral["missing_items"]),
                channel=channels.get(referral["channel"], referral["channel"]),
                referrer_name=referrers.get(referral["referrer_id"], ""),
                status=statuses.get(referral["status"], referral["status"]),
                record_missing=record_missing.get(referral["id"], ()),
            )
        )
    return rows, next_change
