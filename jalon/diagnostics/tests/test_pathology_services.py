"""Pathology requests: the enriched prescription, the expected dates, results that record the pathway's steps,
the non-contributive result that opens the re-biopsy at once, the late scan (clock moved)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from jalon.accounts.models import AuditRecord
from jalon.core.actor import Actor
from jalon.diagnostics.errors import DiagnosticsError
from jalon.diagnostics.models import PathologyRequest, PathologyStatus
from jalon.diagnostics.selectors import pathology_state
from jalon.diagnostics.services import pathology_result_record, pathology_scan_late
from jalon.diagnostics.tests.conftest import MONDAY_9H, PARIS
from jalon.events.models import Event
from jalon.indicators.models import PathwayFacts
from jalon.messaging.models import OutboxMessage
from jalon.pathways.models import MilestoneStatus, Task


def _result(request, user, *, stage="preliminary", contributive=True, at=None, tests=(), text="Adénocarcinome."):
    return pathology_result_record(
        actor=Actor(user=user),
        request=request,
        stage=stage,
        recorded_at=at or datetime.now(PARIS),
        contributive=contributive,
        text=text,
        molecular_tests_received=list(tests),
    )


def test_no_result_is_expected_while_the_coordination_is_closed(pathway, send_specimen, clock):
    """A specimen sent on Monday at 19:30 (the entry point closes at 18:00): J+4 working days ends on Friday at
    19:30, so the preliminary result is expected at the next opening (Monday 23 November, 8:00), as the
    pathway's own steps are (issue 14: nothing due while the entry point is closed)."""
    clock.move_to(MONDAY_9H.replace(hour=19, minute=30))
    request = send_specimen(pathway, taken_at=MONDAY_9H.replace(hour=18, minute=0))

    assert request.preliminary_due_at == datetime(2026, 11, 23, 8, 0, tzinfo=PARIS)
    assert request.final_due_at >= request.preliminary_due_at
    assert 8 <= request.final_due_at.astimezone(PARIS).hour < 18


def test_it_sends_the_specimen_with_its_prescription_and_expected_dates(pathway, send_specimen):
    """Preliminary at J+4 working days from the request (Monday 9:00 → Friday 9:00), the final at the pathway's
    `pathology_final` due date; the biopsy step is recorded at the specimen's time; event and audit written."""
    request = send_specimen(pathway)

    assert request.preliminary_due_at == datetime(2026, 11, 20, 9, 0, tzinfo=PARIS)
    final_step = pathway.milestones.get(code="pathology_final")
    assert request.final_due_at == final_step.due_at >= request.preliminary_due_at
    biopsy = pathway.milestones.get(code="biopsy")
    assert biopsy.status == MilestoneStatus.DONE and biopsy.done_at == MONDAY_9H - timedelta(minutes=10)
    assert request.prescription["smoker"] == "yes" and request.prescription["molecular_tests"] == [
        "egfr",
        "alk",
        "pdl1",
    ]
    assert Event.objects.filter(kind="pathology.requested", referral_id=pathway.referral_id).count() == 1
    assert AuditRecord.objects.filter(object_type="pathology", object_id=str(request.pk)).exists()


def test_the_addressed_pathologist_is_told_and_no_one_else(pathway, send_specimen, pathologist, coordinator):
    """One message per channel to the addressed pathologist only (in Jalon at least), linking to the request on their
    screen; the patient and the specimen stay in the secure body, never in the subject or the plain notice."""
    request = send_specimen(pathway)

    event = Event.objects.get(kind="pathology.requested", referral_id=pathway.referral_id)
    told = OutboxMessage.objects.filter(event=event, kind="pathology.requested")
    assert set(told.values_list("recipient_professional_id", flat=True)) == {pathologist.professional_id}
    in_app = told.get(channel="in_app")
    assert in_app.recipient_user_id == pathologist.pk
    assert f"/anapath/{request.pk}/" in in_app.body and "Biopsie bronchique" in in_app.body
    assert "20 novembre 2026 à 9 h 00" in in_app.body  # the preliminary result's expected date
    patient = pathway.patient
    for message in told:
        assert patient.birth_name not in message.subject and "Biopsie" not in message.subject
        if message.channel in ("email", "sms"):
            assert patient.birth_name not in message.body and "Biopsie" not in message.body


def test_it_refuses_an_incomplete_prescription_naming_each_field(pathway, send_specimen):
    """The lung prescription asks whether the patient smokes: left empty, nothing is saved and the field is named."""
    with pytest.raises(DiagnosticsError) as refused:
        send_specimen(pathway, prescription={"metastatic": "maybe", "diagnosis_context": "first"})

    assert refused.value.errors["smoker"] == "Renseignez « Patient fumeur »."
    assert "metastatic" in refused.value.errors
    assert not PathologyRequest.objects.exists()
    assert pathway.milestones.get(code="biopsy").status == MilestoneStatus.PENDING


def test_it_addresses_a_request_only_to_a_pathologist(pathway, send_specimen, specialist):
    """A specialist is not a pathologist: the request is refused."""
    with pytest.raises(DiagnosticsError) as refused:
        send_specimen(pathway, to=specialist)
    assert refused.value.field == "pathologist"


def test_contributive_results_record_the_pathways_steps_and_the_indicators_follow(
    pathway, send_specimen, pathologist, clock
):
    """Preliminary on Thursday, final the next Monday: the steps are done then, and the facts row holds the
    delays from the biopsy (3 days and 7 days, to the minute)."""
    request = send_specimen(pathway, taken_at=MONDAY_9H)
    clock.move_to(MONDAY_9H + timedelta(days=3))
    _result(request, pathologist, tests=["egfr"])
    clock.move_to(MONDAY_9H + timedelta(days=7))
    request = _result(request, pathologist, stage="final", tests=["egfr", "alk"])

    assert request.status == PathologyStatus.FINAL and request.contributive is True
    assert request.molecular_tests_received == ["egfr", "alk"]
    steps = {m.code: m for m in pathway.milestones.all()}
    assert steps["pathology_preliminary"].done_at == MONDAY_9H + timedelta(days=3)
    assert steps["pathology_final"].done_at == MONDAY_9H + timedelta(days=7)
    facts = PathwayFacts.objects.get(pathway_id=pathway.pk)
    assert (facts.biopsy_to_pathology_preliminary, facts.biopsy_to_pathology_final) == (3.0, 7.0)
    assert pathology_state(pathway.pk).final_in and pathology_state(pathway.pk).contributive


@pytest.mark.parametrize("kind", ["lung", "breast", "lymphoma"])
def test_a_non_contributive_result_opens_the_rebiopsy_at_once_for_every_template(
    kind, make_pathway, send_specimen, pathologist, coordinator, clock
):
    """Two days after the biopsy the pathologist says the specimen is not contributive: the re-biopsy task is
    open for the coordination, due the next working day, the event is recorded and the coordinator is told."""
    pathway = make_pathway(kind)
    request = send_specimen(pathway)
    clock.move_to(MONDAY_9H + timedelta(days=2))  # Wednesday 9:00

    request = _result(request, pathologist, contributive=False, text="Matériel insuffisant, nécrose.")

    assert request.status == PathologyStatus.NON_CONTRIBUTIVE and request.contributive is False
    task = Task.objects.get(pathway=pathway, done_at__isnull=True, source__startswith="Anatomopathologie")
    assert task.pk == request.rebiopsy_task_id
    assert "nouvelle biopsie" in task.label and task.responsible_role == "coordinator"
    assert task.due_at == datetime(2026, 11, 19, 9, 0, tzinfo=PARIS)  # Thursday 9:00
    event = Event.objects.get(kind="pathology.non_contributive", referral_id=pathway.referral_id)
    told = OutboxMessage.objects.filter(event=event, recipient_professional_id=coordinator.professional_id)
    assert told.exists() and "nouvelle biopsie" in told.first().subject
    assert pathway.milestones.get(code="pathology_preliminary").status == MilestoneStatus.PENDING
    assert pathology_state(pathway.pk).waiting_rebiopsy


def test_the_next_specimen_is_the_rebiopsy_and_closes_its_task(pathway, send_specimen, pathologist, clock):
    """The re-biopsy request is linked to the non-contributive one and its task is done."""
    first = _result(send_specimen(pathway), pathologist, contributive=False, text="Non contributif.")
    clock.move_to(MONDAY_9H + timedelta(days=1))

    second = send_specimen(pathway, taken_at=MONDAY_9H + timedelta(days=1))

    assert second.rebiopsy_of_id == first.pk
    assert Task.objects.get(pk=first.rebiopsy_task_id).done_at is not None
    assert not pathology_state(pathway.pk).waiting_rebiopsy


def test_it_refuses_a_result_in_the_future_or_with_tests_not_asked(pathway, send_specimen, pathologist):
    """French messages; nothing is recorded."""
    request = send_specimen(pathway)
    with pytest.raises(DiagnosticsError) as future:
        _result(request, pathologist, at=MONDAY_9H + timedelta(days=2))
    assert future.value.field == "recorded_at" and "futur" in future.value.message
    with pytest.raises(DiagnosticsError) as not_asked:
        _result(request, pathologist, tests=["ros1"])
    assert "non demandés" in not_asked.value.message
    request.refresh_from_db()
    assert request.status == PathologyStatus.REQUESTED


def test_the_final_result_closes_the_request_to_any_other_result(pathway, send_specimen, pathologist):
    """Once final, no preliminary nor second final result is taken."""
    request = _result(send_specimen(pathway), pathologist, stage="final")
    for stage in ("preliminary", "final"):
        with pytest.raises(DiagnosticsError):
            _result(request, pathologist, stage=stage)


def test_late_results_raise_one_alert_per_stage_whatever_the_runs(
    pathway, send_specimen, pathologist, coordinator, clock
):
    """Past the preliminary due date, one late event and message to the pathologist and the coordinator; a second
    run raises nothing; past the final due date, one more."""
    request = send_specimen(pathway)
    clock.move_to(request.preliminary_due_at - timedelta(minutes=1))
    assert pathology_scan_late() == 0

    clock.move_to(request.preliminary_due_at + timedelta(minutes=1))
    assert pathology_scan_late() == 1
    assert pathology_scan_late() == 0
    late = Event.objects.get(kind="pathology.late", referral_id=pathway.referral_id)
    assert late.payload["stage"] == "preliminary"
    recipients = set(OutboxMessage.objects.filter(event=late).values_list("recipient_professional_id", flat=True))
    assert recipients == {pathologist.professional_id, coordinator.professional_id}

    clock.move_to(request.final_due_at + timedelta(minutes=1))
    assert pathology_scan_late() == 1
    assert Event.objects.filter(kind="pathology.late", payload__stage="final").count() == 1


def test_a_result_in_time_raises_no_late_alert(pathway, send_specimen, pathologist, clock):
    """A preliminary result given in time stops the preliminary alert; the final one still counts."""
    request = send_specimen(pathway)
    clock.move_to(MONDAY_9H + timedelta(days=1))
    _result(request, pathologist)
    clock.move_to(request.preliminary_due_at + timedelta(hours=1))
    assert pathology_scan_late() == 0
