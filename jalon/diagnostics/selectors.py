"""Reads of exams and pathology: the pathway page's section, the pathologist's screen, and what the tumour
boards (issue 16, items 2-4, an app above) ask of a pathway: which exams are done, is the final pathology
result in and contributive."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from jalon.diagnostics.access import pathology_requests_visible_to
from jalon.diagnostics.models import ExamRequest, ExamStatus, PathologyRequest, PathologyStatus
from jalon.diagnostics.prescription import molecular_test_labels, prescription_lines


@dataclass(frozen=True)
class PathologyRow:
    request: PathologyRequest
    late: list[str]  # "preliminary", "final": expected and not in
    prescription: list[tuple[str, str]]
    tests_asked: list[str]
    tests_received: list[str]


def pathology_row(request: PathologyRequest, *, now: datetime) -> PathologyRow:
    labels = molecular_test_labels(request.template_kind)
    return PathologyRow(
        request=request,
        late=[str(stage) for stage in request.late_stages(now)],
        prescription=prescription_lines(request.template_kind, request.prescription),
        tests_asked=[labels.get(code, code) for code in request.molecular_tests_asked()],
        tests_received=[labels.get(code, code) for code in request.molecular_tests_received],
    )


@dataclass
class PathwayDiagnostics:
    exams: list[ExamRequest] = field(default_factory=list)
    pathology: list[PathologyRow] = field(default_factory=list)


def pathway_diagnostics(pathway, milestones=None, *, now: datetime | None = None) -> PathwayDiagnostics:
    """The pathway page's section (`pathways.selectors.PAGE_SECTIONS`): exams and pathology requests, in three
    queries whatever their number."""
    now = now or timezone.now()
    exams = list(
        ExamRequest.objects.filter(pathway_id=pathway.pk)
        .select_related("site", "milestone")
        .prefetch_related("reports")
        .order_by("requested_at", "id")
    )
    requests = (
        PathologyRequest.objects.filter(pathway_id=pathway.pk)
        .select_related("pathologist", "milestone", "rebiopsy_task")
        .order_by("requested_at", "id")
    )
    return PathwayDiagnostics(exams=exams, pathology=[pathology_row(request, now=now) for request in requests])


def pathologist_requests(user, *, now: datetime | None = None) -> tuple[list[PathologyRow], list[PathologyRow]]:
    """The pathologist's screen: (requests waiting for a result, late first then by due date; the last results
    given), only the requests addressed to them."""
    now = now or timezone.now()
    mine = (
        pathology_requests_visible_to(user)
        .filter(pathologist_id=user.professional_id)
        .select_related("pathway__referral", "pathway__patient", "milestone")
    )
    waiting = [
        pathology_row(request, now=now)
        for request in mine.filter(status__in=(PathologyStatus.REQUESTED, PathologyStatus.PRELIMINARY)).order_by(
            "final_due_at", "id"
        )
    ]
    waiting.sort(
        key=lambda row: (
            not row.late,
            row.request.preliminary_due_at if row.request.status == "requested" else row.request.final_due_at,
        )
    )
    done = [
        pathology_row(request, now=now)
        for request in mine.filter(status__in=(PathologyStatus.FINAL, PathologyStatus.NON_CONTRIBUTIVE)).order_by(
            "-requested_at", "-id"
        )[:50]
    ]
    return waiting, done


# --- What a tumour board's checklist asks (issue 16, item 2) --------------------------------------------


@dataclass(frozen=True)
class PathologyState:
    final_in: bool  # a final result is recorded
    contributive: bool | None  # that result's contributive flag (None: no final result yet)
    waiting_rebiopsy: bool  # a non-contributive specimen whose re-biopsy is not yet sent


def pathology_state(pathway_id: int) -> PathologyState:
    """Is the final pathology result in, and contributive? (The newest request decides; a non-contributive one
    with no re-biopsy sent yet says the file is waiting for one.)"""
    requests = list(
        PathologyRequest.objects.filter(pathway_id=pathway_id)
        .order_by("-requested_at", "-id")
        .values("status", "contributive", "rebiopsy_of_id")
    )
    if not requests:
        return PathologyState(final_in=False, contributive=None, waiting_rebiopsy=False)
    newest = requests[0]
    if newest["status"] == PathologyStatus.FINAL:
        return PathologyState(final_in=True, contributive=True, waiting_rebiopsy=False)
    if newest["status"] == PathologyStatus.NON_CONTRIBUTIVE:
        return PathologyState(final_in=False, contributive=False, waiting_rebiopsy=True)
    return PathologyState(final_in=False, contributive=None, waiting_rebiopsy=False)


def exams_done(pathway_id: int) -> QuerySet[ExamRequest]:
    """The pathway's exams done (kind, site, when, reports), oldest first."""
    return (
        ExamRequest.objects.filter(pathway_id=pathway_id, status=ExamStatus.DONE)
        .select_related("site")
        .prefetch_related("reports")
        .order_by("done_at", "id")
    )


def exam_kinds_done(pathway_id: int) -> set[str]:
    """The kinds of exam done for the pathway (a checklist asks « scanner fait ? »)."""
    return set(exams_done(pathway_id).values_list("kind", flat=True))
