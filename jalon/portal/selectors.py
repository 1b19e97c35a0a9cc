"""Reads of the portal and of the threads: the user's patients with their progress, one patient's pathway
as the GP follows it, the thread of a referral, unread counts on both sides. Access is decided by
jalon.portal.access; every function here reads through it or is given what it returned."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from jalon.accounts.access import Capability, has_capability
from jalon.boards.selectors import decision_for_city
from jalon.core.formatting import date_numeric
from jalon.core.labels import choice_labels
from jalon.core.lookups import by_unique_key
from jalon.events.history import event_step
from jalon.events.kinds import event_label
from jalon.events.models import Event
from jalon.pathways.models import Letter, Milestone, MilestoneStatus, Pathway, PathwayStatus, Task
from jalon.pathways.selectors import MilestoneRow, milestone_status, referral_documents
from jalon.patients.models import Patient
from jalon.portal.access import portal_referral_for_user, portal_referrals_visible_to
from jalon.portal.models import ThreadMessage, ThreadReadMark, ThreadSide
from jalon.referrals.models import Referral, ReferralDocument
from jalon.scheduling.models import Appointment, AppointmentStatus

# What the GP's timeline shows: the facts of the pathway, not the coordination's internal work
# (tasks, alerts, triage overrides) nor a link to another referral of the patient (that would tell
# the referrer about another team's work, docs/ARCHITECTURE.md).
KEY_EVENT_KINDS = (
    "referral.submitted",
    "referral.complement_requested",
    "referral.completed",
    "referral.complement_answered",
    "referral.accepted",
    "referral.declined",
    "referral.redirected",
    "referral.closed",
    "referral.document_added",
    "pathway.started",
    "milestone.recorded",
    "milestone.corrected",
    "milestone.skipped",
    "pathway.outcome_malignant",
    "pathway.outcome_not_malignant",
    "pathway.closed",
    "appointment.booked",
    "appointment.cancelled",
)
# The portal shows a step as planned, done or overdue (no "due soon": that is the coordination's worry).
NO_WARNING = timedelta(0)


# --- unread counts ------------------------------------------------------------------------------


def _unread_messages(user, *, written_by: str) -> QuerySet[ThreadMessage]:
    """Messages of `written_by`'s side that `user` has not read (after their read mark, or no mark)."""
    mark = ThreadReadMark.objects.filter(user_id=user.pk, referral_id=OuterRef("referral_id")).values("last_read_at")[
        :1
    ]
    return (
        ThreadMessage.objects.filter(side=written_by)
        .annotate(read_until=Subquery(mark))
        .filter(Q(read_until__isnull=True) | Q(created_at__gt=F("read_until")))
    )


def unread_counts_for_city(user, referral_ids: list[int]) -> dict[int, int]:
    """For a referrer or GP: per referral, the coordination's messages they have not read (one query)."""
    if not referral_ids:
        return {}
    rows = (
        _unread_messages(user, written_by=ThreadSide.COORDINATION)
        .filter(referral_id__in=referral_ids)
        .values("referral_id")
        .annotate(unread=Count("id"))
        .order_by()
    )
    return {row["referral_id"]: row["unread"] for row in rows}


@dataclass(frozen=True)
class UnreadThread:
    referral: Referral
    unread: int
    last_message_at: datetime


@dataclass
class CoordinatorThreads:
    total_unread: int
    threads: list[UnreadThread]
    thread_count: int = 0  # threads with unread messages, shown or not

    @property
    def not_shown(self) -> int:
        return self.thread_count - len(self.threads)


def unread_threads_for_coordinator(user, *, limit: int = 20) -> CoordinatorThreads:
    """The threads of the coordinator's entry points with city messages they have not read, newest first,
    and their total unread count (three queries whatever the number of threads)."""
    if not has_capability(user, Capability.WORK_REFERRALS) or not user.organization_ids():
        return CoordinatorThreads(total_unread=0, threads=[])
    groups = list(
        _unread_messages(user, written_by=ThreadSide.CITY)
        .filter(referral__entry_point__organization_id__in=user.organization_ids())
        .values("referral_id")
        .annotate(unread=Count("id"), last_message_at=Max("created_at"))
        .order_by("-last_message_at", "-referral_id")
    )
    shown = groups[:limit]
    referrals = (
        Referral.objects.select_related("patient")
        .only("reference", "patient_id", *(f"patient__{name}" for name in Patient.NAME_FIELDS))
        .in_bulk([group["referral_id"] for group in shown])
    )
    threads = [
        UnreadThread(
            referral=referrals[group["referral_id"]], unread=group["unread"], last_message_at=group["last_message_at"]
        )
        for group in shown
        if group["referral_id"] in referrals
    ]
    return CoordinatorThreads(
        total_unread=sum(group["unread"] for group in groups), threads=threads, thread_count=len(groups)
    )


# --- the thread ---------------------------------------------------------------------------------


def thread_messages(referral: Referral) -> list[ThreadMessage]:
    """The referral's thread, oldest first, with each author's professional record (one query)."""
    return list(
        ThreadMessage.objects.filter(referral_id=referral.pk)
        .select_related("author__professional")
        .order_by("created_at", "id")
    )


# --- the list of the user's patients -------------------------------------------------------------


# What a row of the list reads of the referral, its patient and its pathway (one query with the page).
PATIENT_ROW_FIELDS = (
    "id",
    "reference",
    "patient_id",
    "status",
    "suspected_site",
    "patient__used_name",
    "patient__birth_name",
    "patient__first_names",
    "patient__birth_date",
    "pathway__id",
    "pathway__status",
    "pathway__template_version__template__name",
)


def my_patients(user) -> QuerySet[Referral]:
    """The referrals of the user's patients (portal access), most recent activity first, as the
    `PATIENT_ROW_FIELDS` dicts `patient_rows` reads."""
    latest_event = (
        Event.objects.filter(referral_id=OuterRef("pk")).order_by("-occurred_at", "-id").values("occurred_at")[:1]
    )
    return (
        portal_referrals_visible_to(user)
        .annotate(last_activity_at=Coalesce(Subquery(latest_event), F("received_at")))
        .order_by("-last_activity_at", "-id")
        .values(*PATIENT_ROW_FIELDS)
    )


@dataclass
class PatientRow:
    """One line of the list, in plain values (labels already in words: issue 15)."""

    reference: str
    patient_id: int
    patient_name: str
    birth_date: date
    pathway_name: str | None  # None: no pathway yet
    site: str
    status_label: str
    pathway_closed: bool = False
    done: int = 0
    total: int = 0
    overdue: int = 0
    has_next_step: bool = False
    next_step_label: str = ""
    next_step_planned_at: datetime | None = None
    next_step_due_at: datetime | None = None
    unread: int = 0

    @property
    def has_pathway(self) -> bool:
        return self.pathway_name is not None

    # The row's sentences, built in Python once per row rather than by a {% blocktranslate %} each (the
    # same messages as the template had).
    @property
    def born_text(self) -> str:
        return gettext("né·e le %(born)s") % {"born": date_numeric(self.birth_date)}

    @property
    def progress_text(self) -> str:
        return ngettext("%(done)s étape faite sur %(total)s", "%(done)s étapes faites sur %(total)s", self.done) % {
            "done": self.done,
            "total": self.total,
        }

    @property
    def overdue_text(self) -> str:
        return ngettext("%(counter)s étape en retard", "%(counter)s étapes en retard", self.overdue) % {
            "counter": self.overdue
        }

    @property
    def unread_text(self) -> str:
        return ngettext("%(counter)s non lu", "%(counter)s non lus", self.unread) % {"counter": self.unread}

    @property
    def next_step_at(self) -> datetime | None:
        return self.next_step_planned_at or self.next_step_due_at


def patient_rows(user, referrals: list[dict], *, now: datetime | None = None) -> list[PatientRow]:
    """One row per listed referral (`my_patients` dicts): progress (done / steps that apply), overdue steps,
    next step, unread messages; two queries for the whole page."""
    now = now or timezone.now()
    sites = choice_labels(Referral, "suspected_site")
    referral_statuses = choice_labels(Referral, "status")
    pathway_statuses = choice_labels(Pathway, "status")
    rows, by_pathway = [], {}
    for referral in referrals:
        pathway_id = referral["pathway__id"]
        status = (
            pathway_statuses.get(referral["pathway__status"], referral["pathway__status"])
            if pathway_id is not None
            else referral_statuses.get(referral["status"], referral["status"])
        )
        row = PatientRow(
            reference=referral["reference"],
            patient_id=referral["patient_id"],
            patient_name=Patient.name_for(
                referral["patient__used_name"], referral["patient__birth_name"], referral["patient__first_names"]
            ),
            birth_date=referral["patient__birth_date"],
            pathway_name=referral["pathway__template_version__template__name"] if pathway_id is not None else None,
            site=sites.get(referral["suspected_site"], referral["suspected_site"]),
            status_label=status,
            pathway_closed=referral["pathway__status"] == PathwayStatus.CLOSED,
        )
        rows.append(row)
        if pathway_id is not None:
            by_pathway[pathway_id] = row
    milestones = (
        Milestone.objects.filter(pathway_id__in=list(by_pathway))
        .order_by("pathway_id", "order", "id")
        .values_list("pathway_id", "label", "status", "due_at", "planned_at")
    )
    for pathway_id, label, status, due_at, planned_at in milestones:
        row = by_pathway[pathway_id]
        if status == MilestoneStatus.SKIPPED:
            continue
        row.total += 1
        if status == MilestoneStatus.DONE:
            row.done += 1
            continue
        if row.pathway_closed:
            continue
        if due_at is not None and due_at < now:
            row.overdue += 1
        if not row.has_next_step:
            row.has_next_step = True
            row.next_step_label, row.next_step_planned_at, row.next_step_due_at = label, planned_at, due_at
    unread = unread_counts_for_city(user, [referral["id"] for referral in referrals])
    for row, referral in zip(rows, referrals, strict=True):
        row.unread = unread.get(referral["id"], 0)
    return rows


# --- one patient's page --------------------------------------------------------------------------


def portal_referral(user, reference: str) -> Referral:
    """The referral `reference` of one of the user's patients, with what its page shows joined (404 otherwise)."""
    queryset = Referral.objects.select_related("patient", "entry_point__organization", "referrer", "gp")
    return portal_referral_for_user(user, reference, queryset)


def latest_event_id(referral_id: int) -> int:
    """The newest event of the referral: what a page shows is at least as recent as this."""
    return Event.objects.filter(referral_id=referral_id).aggregate(last=Max("id"))["last"] or 0


def has_news(referral_id: int, *, since_event_id: int) -> bool:
    """Whether something happened to the referral after event `since_event_id`. A thread message always
    comes with its event (thread_message_post), so one indexed lookup answers for both."""
    return Event.objects.filter(referral_id=referral_id, pk__gt=since_event_id).exists()


@dataclass(frozen=True)
class PortalEvent:
    event: Event
    label: str
    detail: str


@dataclass
class PortalPatientPage:
    referral: Referral
    pathway: Pathway | None
    last_event_id: int
    milestones: list[MilestoneRow] = field(default_factory=list)
    appointments: list[Appointment] = field(default_factory=list)
    documents: list[ReferralDocument] = field(default_factory=list)
    letters: list[Letter] = field(default_factory=list)
    events: list[PortalEvent] = field(default_factory=list)
    messages: list[ThreadMessage] = field(default_factory=list)
    # The complements asked of the referrer with the acceptance (pathway tasks), open and answered.
    complement_tasks: list[Task] = field(default_factory=list)
    # When what the page shows changes by the clock alone (a step falls overdue, an appointment passes).
    next_change_at: datetime | None = None
    # The tumour board's latest decision (jalon.boards), with its PPS when handed.
    board_decision: object | None = None

    @property
    def done_count(self) -> int:
        return sum(1 for row in self.milestones if row.status == "done")

    @property
    def counted_steps(self) -> int:
        return sum(1 for row in self.milestones if row.status != "skipped")

    @property
    def overdue_count(self) -> int:
        return sum(1 for row in self.milestones if row.is_overdue)

    @property
    def next_change_epoch(self) -> int:
        return int(self.next_change_at.timestamp()) + 1 if self.next_change_at else 0


def portal_patient_page(referral: Referral, *, now: datetime | None = None) -> PortalPatientPage:
    """What the GP's page of one patient shows, in a number of queries that does not grow with its rows.

    The newest event id is read first: anything recorded while the page is built is after it, so the
    next poll brings it."""
    now = now or timezone.now()
    last_event_id = latest_event_id(referral.pk)
    pathway = by_unique_key(
        Pathway.objects.filter(referral_id=referral.pk).select_related("template_version__template")
    )
    page = PortalPatientPage(referral=referral, pathway=pathway, last_event_id=last_event_id)
    changes = []
    if pathway is not None:
        milestones = list(Milestone.objects.filter(pathway_id=pathway.pk).order_by("order", "id"))
        page.milestones = [
            MilestoneRow(
                milestone,
                milestone_status(milestone, now=now, warning_horizon=NO_WARNING, pathway_closed=pathway.is_closed),
            )
            for milestone in milestones
        ]
        if not pathway.is_closed:
            changes += [
                m.due_at for m in milestones if m.status == MilestoneStatus.PENDING and m.due_at and m.due_at > now
            ]
        page.appointments = list(
            Appointment.objects.filter(pathway_id=pathway.pk, status=AppointmentStatus.BOOKED, slot__start__gt=now)
            .select_related("slot__resource__organization", "milestone")
            .order_by("slot__start", "id")
        )
        changes += [appointment.slot.start for appointment in page.appointments]
        page.letters = list(Letter.objects.filter(pathway_id=pathway.pk).order_by("created_at", "id"))
        page.complement_tasks = list(
            Task.objects.filter(pathway_id=pathway.pk).exclude(complement_item="").order_by("due_at", "id")
        )
        page.board_decision = decision_for_city(pathway.pk)
    page.next_change_at = min(changes) if changes else None
    page.documents = referral_documents(referral)
    events = Event.objects.filter(referral_id=referral.pk, kind__in=KEY_EVENT_KINDS, pk__lte=last_event_id).order_by(
        "occurred_at", "id"
    )
    page.events = [
        PortalEvent(event=event, label=event_label(event.kind), detail=event_step(event)) for event in events
    ]
    page.messages = thread_messages(referral)
    return page


def letter_of(referral: Referral, letter_id: int) -> Letter:
    """A letter of the referral's pathway (404 for any other id)."""
    letter = Letter.objects.filter(pk=letter_id, pathway__referral_id=referral.pk).first()
    if letter is None:
        raise Http404
    return letter
