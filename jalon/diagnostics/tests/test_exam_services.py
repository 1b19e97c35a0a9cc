"""Exam requests: asked for a step, scheduled, done with their report (the step recorded), or cancelled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import pdf_upload
from jalon.core.actor import Actor
from jalon.diagnostics.errors import DiagnosticsError
from jalon.diagnostics.models import ExamStatus
from jalon.diagnostics.selectors import exam_kinds_done
from jalon.diagnostics.services import exam_request_create, exam_request_update
from jalon.diagnostics.tests.conftest import MONDAY_9H
from jalon.events.models import Event
from jalon.pathways.models import MilestoneStatus


@pytest.fixture
def exam(pathway, coordinator, hospital):
    return exam_request_create(
        actor=Actor(user=coordinator),
        pathway=pathway,
        kind="ct",
        site=hospital,
        urgency="urgent",
        milestone=pathway.milestones.get(code="imaging"),
    )


def test_an_exam_goes_from_requested_to_scheduled_to_done_and_records_its_step(exam, coordinator, clock):
    """Scheduled for Tuesday, done Tuesday with its report: the imaging step is done at that time."""
    actor = Actor(user=coordinator)
    exam_request_update(actor=actor, exam=exam, status=ExamStatus.SCHEDULED, at=MONDAY_9H + timedelta(days=1))
    clock.move_to(MONDAY_9H + timedelta(days=1, hours=3))
    exam = exam_request_update(
        actor=actor, exam=exam, status=ExamStatus.DONE, at=MONDAY_9H + timedelta(days=1), report=pdf_upload()
    )

    assert exam.status == ExamStatus.DONE and exam.reports.count() == 1
    imaging = exam.pathway.milestones.get(code="imaging")
    assert imaging.status == MilestoneStatus.DONE and imaging.done_at == MONDAY_9H + timedelta(days=1)
    assert [e.kind for e in Event.objects.filter(kind__startswith="exam.").order_by("id")] == [
        "exam.requested",
        "exam.scheduled",
        "exam.done",
    ]
    assert exam_kinds_done(exam.pathway_id) == {"ct"}


def test_it_refuses_a_report_that_is_not_a_document_and_saves_nothing(exam, coordinator):
    """An HTML file passed off as a PDF is refused in French; the exam stays requested."""
    fake = SimpleUploadedFile("cr.pdf", b"<html>no</html>", content_type="application/pdf")
    with pytest.raises(DiagnosticsError) as refused:
        exam_request_update(actor=Actor(user=coordinator), exam=exam, status=ExamStatus.DONE, at=MONDAY_9H, report=fake)
    assert refused.value.field == "report" and "n'est pas accepté" in refused.value.message
    exam.refresh_from_db()
    assert exam.status == ExamStatus.REQUESTED and not exam.reports.exists()


def test_a_cancelled_exam_needs_a_reason_and_stays_cancelled(exam, coordinator):
    actor = Actor(user=coordinator)
    with pytest.raises(DiagnosticsError, match="motif"):
        exam_request_update(actor=actor, exam=exam, status=ExamStatus.CANCELLED)
    exam_request_update(actor=actor, exam=exam, status=ExamStatus.CANCELLED, reason="Fait en ville")
    with pytest.raises(DiagnosticsError) as refused:
        exam_request_update(actor=actor, exam=exam, status=ExamStatus.DONE, at=MONDAY_9H)
    assert refused.value.code == "transition_not_allowed"
