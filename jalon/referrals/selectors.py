"""Reads of referrals, always through the access rules, with their related rows fetched up front."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Prefetch, Q, QuerySet

from jalon.core.identifiers import normalize_ins
from jalon.core.memo import ReferenceMemo
from jalon.core.text import normalize_name
from jalon.events.models import Event
from jalon.patients.models import Patient
from jalon.referrals.access import referrals_visible_to
from jalon.referrals.models import (
    OPEN_STATUSES,
    WORKLIST_PRIORITY_ORDER,
    WORKLIST_STATUS_ORDER,
    WORKLIST_URGENCY_ORDER,
    EntryPoint,
    ExamDone,
    Referral,
    ReferralDocument,
    ReferralMessage,
    Status,
)
from jalon.referrals.services import answer_calendar
from jalon.referrals.status import awaits_complement

WORKLIST_FIELDS = (
    "id",
    "reference",
    "entry_point_id",
    "patient_id",
    "referrer_id",
    "channel",
    "suspected_site",
    "declared_urgency",
    "priority",
    "proposed_priority",
    "status",
    "answer_deadline",
    "missing_items",
    "is_complete",
    "outside_territory",
)


def worklist(
    user, *, q: str = "", status: str = "open", completeness: str = "", channel: str = "", priority: str = ""
) -> QuerySet[Referral]:
    """The coordinator's queue: what to answer first on top (status, priority decided or proposed, declared
    urgency, then nearest deadline)."""
    referrals = referrals_visible_to(user, _worklist_base())
    if status == "open":
        referrals = referrals.filter(status__in=OPEN_STATUSES)
    elif status:
        referrals = referrals.filter(status=status)
    if completeness:
        referrals = referrals.filter(is_complete=completeness == "complete")
    if channel:
        referrals = referrals.filter(channel=channel)
    if priority:
        referrals = referrals.filter(Q(priority=priority) | Q(priority="", proposed_priority=priority))
    q = q.strip()
    if q:
        condition = Q(reference__iexact=q) | Q(reference__iendswith=q)
        if normalize_ins(q).isalnum() and len(normalize_ins(q)) == 15:
            condition |= Q(patient__ins=normalize_ins(q))
        name = normalize_name(q)
        if name:
            condition |= Q(patient__identity_key__startswith=name) | Q(patient__used_name__icontains=q)
        referrals = referrals.filter(condition)
    return referrals


@functools.cache
def _worklist_base() -> QuerySet[Referral]:
    """The worklist's order, built once per process (never evaluated itself: each request narrows a copy).
    Resolving its three CASE expressions cost 1.2 of the 2.3 ms Django took to build and compile a page's
    query (issue 15).

    Only what a row shows: the list reads it with `.values(*WORKLIST_FIELDS)` and fetches the listed page's
    patients and referrers itself (coordination.selectors.worklist_rows: model instances cost per field;
    joined here, patient and referrer were joined to every open referral before the sort)."""
    return (
        Referral.objects.only(*WORKLIST_FIELDS)
        .annotate(
            status_order=WORKLIST_STATUS_ORDER,
            priority_order=WORKLIST_PRIORITY_ORDER,
            urgency_order=WORKLIST_URGENCY_ORDER,
        )
        .order_by("status_order", "priority_order", "urgency_order", "answer_deadline", "id")
    )


def referrals_of_referrer(user) -> QuerySet[Referral]:
    """A referrer's own referrals, newest first (the closed loop: sent, received, accepted...)."""
    return (
        referrals_visible_to(user)
        .filter(referrer_id=user.professional_id)
        .select_related("patient", "entry_point")
        .order_by("-received_at", "-id")
    )


MY_REFERRALS_FIELDS = (
    "reference",
    "patient_id",
    "status",
    "missing_items",
    "received_at",
    "entry_point__name",
    "patient__used_name",
    "patient__birth_name",
    "patient__first_names",
)


@dataclass(frozen=True)
class MyReferralRow:
    """One line of a referrer's list: what it shows, read with `.values()` (issue 15: 50 model instances of
    referral, patient and entry point cost more than the page's other work)."""

    reference: str
    patient_id: int
    patient_name: str
    entry_point_name: str
    received_at: datetime
    status: str
    status_label: str
    missing_items: list

    @property
    def awaits_complement(self) -> bool:
        return awaits_complement(self)


def my_referral_rows(values) -> list[MyReferralRow]:
    """The rows of a page of `referrals_of_referrer(...).values(*MY_REFERRALS_FIELDS)`; each status translated
    once per page."""
    labels = {value: str(label) for value, label in Status.choices}
    return [
        MyReferralRow(
            reference=row["reference"],
            patient_id=row["patient_id"],
            patient_name=Patient.name_for(
                row["patient__used_name"], row["patient__birth_name"], row["patient__first_names"]
            ),
            entry_point_name=row["entry_point__name"],
            received_at=row["received_at"],
            status=row["status"],
            status_label=labels.get(row["status"], row["status"]),
            missing_items=row["missing_items"] or [],
        )
        for row in values
    ]


def referral_action_queryset(user) -> QuerySet[Referral]:
    """What a decision on a referral reads before its service locks it again: the entry point (who may work
    it) and the patient with their commune (the triage facts). The page's related lists are read only when
    the page is shown again (`referral_detail_queryset`)."""
    return referrals_visible_to(user).select_related("entry_point", "patient__commune")


def referral_detail_queryset(user) -> QuerySet[Referral]:
    return (
        referrals_visible_to(user)
        .select_related(
            "patient",
            "patient__commune",
            "patient__gp",
            "referrer",
            "gp",
            "entry_point",
            "entry_point__organization",
            "created_by",
            "completeness_rule_set",  # the « souhaité » items the page lists (services.wished_missing_items)
        )
        .prefetch_related(
            Prefetch("exams", queryset=ExamDone.objects.prefetch_related("documents")),
            Prefetch("documents", queryset=ReferralDocument.objects.filter(exam__isnull=True)),
            Prefetch(
                "events",
                queryset=Event.objects.select_related("actor")
                .prefetch_related("messages")
                .order_by("occurred_at", "id"),
            ),
            "messages__author",
            "related_referrals",
        )
    )


def patient_as_submitted(referral) -> Patient:
    """The patient as the submitter sent them with this referral (unsaved; the page of a submitter who does
    not reach the patient's file shows this, never the known patient's record)."""
    sent = referral.submitted_identity or {}
    known = referral.patient
    birth_date = sent.get("birth_date")
    return Patient(
        pk=known.pk,
        ins=sent.get("ins") or None,
        birth_name=sent.get("birth_name") or known.birth_name,
        used_name=sent.get("used_name", ""),
        first_names=sent.get("first_names") or known.first_names,
        sex=sent.get("sex") or known.sex,
        birth_date=date.fromisoformat(birth_date) if birth_date else known.birth_date,
        identity_status=sent.get("identity_status") or known.identity_status,
        commune_id=sent.get("commune_code") or None,
        sharing_opposition=known.sharing_opposition,
    )


def patient_referrals_for_user(user, patient) -> QuerySet[Referral]:
    """The patient's referrals the user reaches, newest first, with their entry point (the patient's page)."""
    return referrals_visible_to(user).filter(patient=patient).select_related("entry_point").order_by("-received_at")


def complement_request_message(referral: Referral) -> str:
    """What the coordination last asked the referrer: the newest message not written by the referrer."""
    message = (
        ReferralMessage.objects.filter(referral=referral)
        .exclude(author__professional_id=referral.referrer_id)
        .order_by("-created_at", "-id")
        .values_list("body", flat=True)
        .first()
    )
    return message or referral.status_reason


# An entry point's calendar: its organisation's department and its closures.
_CALENDARS = ReferenceMemo(
    "answer-calendars", watches=("referrals.EntryPoint", "referrals.EntryPointClosure", "directory.Organization")
)


def answer_calendars(entry_point_ids) -> dict[int, dict]:
    """The answer calendar (`services.answer_calendar`) of each of these entry points: from the process's memory,
    else in two queries."""

    def read(missing) -> dict[int, dict]:
        entry_points = EntryPoint.objects.filter(pk__in=missing).select_related("organization")
        return {ep.pk: answer_calendar(ep) for ep in entry_points.prefetch_related("closures")}

    return _CALENDARS.get_many(entry_point_ids, read)
