"""Every write on exams and pathology requests (issue 16, item 1).

A request sent tells the addressed pathologist (outbox, kind `pathology.requested`). Results drive the pathway:
an exam done records its milestone; a contributive pathology result records the pathway's `pathology_preliminary` /
`pathology_final` milestones through `pathways.services.milestone_record` (so due dates, alerts and the indicators'
facts follow); a non-contributive result, for every template, opens the re-biopsy task for the coordination at
once, records the event and notifies the coordinators (seed 001, fiche 5: « communication à J+2 ou J+3 en cas de
biopsie non contributive »). `pathology_scan_late` raises one late event and message per result expected and not
in.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jalon.accounts.audit import audit
from jalon.accounts.models import AuditAction
from jalon.core.actor import Actor
from jalon.core.documents import check_document
from jalon.core.formatting import date_at_time
from jalon.core.validation import future_date_error
from jalon.core.vocabulary import Urgency
from jalon.core.workcalendar import due_at_opening
from jalon.diagnostics.access import coordinators_of, pathologists
from jalon.diagnostics.errors import DiagnosticsError, DiagnosticsErrorCode
from jalon.diagnostics.models import (
    ExamReport,
    ExamRequest,
    ExamStatus,
    PathologyRequest,
    PathologyStage,
    PathologyStatus,
)
from jalon.diagnostics.prescription import prescription_clean, prescription_version
from jalon.events.services import event_record
from jalon.messaging.notify import notify
from jalon.pathways.errors import PathwayError
from jalon.pathways.models import Milestone, MilestoneStatus, Pathway, PathwayStatus
from jalon.pathways.services import milestone_record, task_add, task_complete
from jalon.referrals.models import ExamKind
from jalon.referrals.notifications import patient_text
from jalon.referrals.services import opening_calendar

# The preliminary result when the template names no target: « à J+4 au plus tard (à partir de la date de la
# demande de l'analyse anatomopathologique) » (seed 001, fiche 5), counted in working days (Jalon's choice,
# the one the templates make).
PRELIMINARY_FALLBACK = (4, "working_days")
# The final result when the template has no `pathology_final` step: « entre 1 et 3 semaines » (seed 001, fiche 5).
FINAL_FALLBACK = (14, "days")
# The re-biopsy task is due the next working day: the seed's point is to plan it « rapidement » (fiche 5).
REBIOPSY_DUE = (1, "working_days")
PATHOLOGY_MILESTONE = {PathologyStage.PRELIMINARY: "pathology_preliminary", PathologyStage.FINAL: "pathology_final"}
# The lymphoma template checks the specimen's adequacy as its own step: the first contributive result records it.
ADEQUACY_MILESTONE = "biopsy_adequacy"
SPECIMEN_MILESTONES = ("biopsy", "eus_biopsy")

EXAM_TRANSITIONS: dict[str, tuple[str, ...]] = {
    ExamStatus.REQUESTED: (ExamStatus.SCHEDULED, ExamStatus.DONE, ExamStatus.CANCELLED),
    ExamStatus.SCHEDULED: (ExamStatus.SCHEDULED, ExamStatus.DONE, ExamStatus.CANCELLED),
    ExamStatus.DONE: (),
    ExamStatus.CANCELLED: (),
}


def _open_pathway(pathway: Pathway) -> Pathway:
    pathway = (
        Pathway.objects.select_for_update()
        .select_related("referral__entry_point", "patient", "template_version__template")
        .get(pk=pathway.pk)
    )
    if pathway.is_closed:
        raise DiagnosticsError(
            DiagnosticsErrorCode.PATHWAY_REFUSED, _("Ce parcours est clôturé : il ne peut plus être modifié.")
        )
    return pathway


def _check_moment(moment: datetime, *, what: str, field: str, not_before: datetime | None = None) -> None:
    if future_error := future_date_error(moment, what=what):
        raise DiagnosticsError(DiagnosticsErrorCode.FUTURE_DATE, future_error, field=field)
    if not_before is not None and moment < not_before:
        raise DiagnosticsError(
            DiagnosticsErrorCode.INVALID_DATE,
            _("%(what)s ne peut pas précéder le %(when)s.") % {"what": what, "when": date_at_time(not_before)},
            field=field,
        )


def _record_step(*, actor: Actor, pathway: Pathway, code: str, done_at: datetime, note: str) -> None:
    """Record the pathway's step `code` as done when it exists and is still pending (a step the coordination
    recorded by hand is left as it is); the pathway's refusal (a step it depends on) is the form's error."""
    milestone = Milestone.objects.filter(pathway_id=pathway.pk, code=code, status=MilestoneStatus.PENDING).first()
    if milestone is None:
        return
    try:
        milestone_record(actor=actor, milestone=milestone, done_at=done_at, note=note[:1000])
    except PathwayError as error:
        raise DiagnosticsError(DiagnosticsErrorCode.PATHWAY_REFUSED, error.message, field=error.field) from error


# --- Exams -------------------------------------------------------------------------------------------


def _exam_payload(exam: ExamRequest, **extra) -> dict:
    return {
        "exam": exam.pk,
        "kind": exam.kind,
        "milestone": exam.milestone.code if exam.milestone_id else "",
        **extra,
    }


@transaction.atomic
def exam_request_create(
    *,
    actor: Actor,
    pathway: Pathway,
    kind: str,
    site,
    urgency: str = Urgency.ROUTINE,
    milestone: Milestone | None = None,
    note: str = "",
) -> ExamRequest:
    """Ask for an exam of the pathway (for one of its steps, or none), at a site, with its urgency."""
    pathway = _open_pathway(pathway)
    if kind not in ExamKind.values:
        raise DiagnosticsError(DiagnosticsErrorCode.INVALID_INPUT, _("Examen inconnu."), field="kind")
    if urgency not in Urgency.values:
        raise DiagnosticsError(DiagnosticsErrorCode.INVALID_INPUT, _("Urgence inconnue."), field="urgency")
    if milestone is not None and milestone.pathway_id != pathway.pk:
        raise DiagnosticsError(DiagnosticsErrorCode.INVALID_INPUT, _("Étape inconnue."), field="milestone")
    if site is None:
        raise DiagnosticsError(DiagnosticsErrorCode.INVALID_INPUT, _("Indiquez le lieu de l'examen."), field="site")
    exam = ExamRequest.objects.create(
        pathway=pathway,
        milestone=milestone,
        kind=kind,
        site=site,
        urgency=urgency,
        note=note.strip(),
        requested_by=actor.user,
        requested_at=timezone.now(),
    )
    event_record(
        actor=actor,
        kind="exam.requested",
        patient_id=pathway.patient_id,
        referral_id=pathway.referral_id,
        payload=_exam_payload(exam, site=site.name, urgency=urgency),
    )
    audit(actor, action=AuditAction.CREATE, patient_id=pathway.patient_id, object_type="exam", object_id=exam.pk)
    return exam


@transaction.atomic
def exam_request_update(
    *,
    actor: Actor,
    exam: ExamRequest,
    status: str,
    at: datetime | None = None,
    reason: str = "",
    report=None,
) -> ExamRequest:
    """Move an exam on: scheduled for `at`, done at `at` (its report stored when given; its step recorded), or
    cancelled with a reason. The allowed moves are EXAM_TRANSITIONS."""
    pathway = _open_pathway(exam.pathway)
    exam = ExamRequest.objects.select_for_update(of=("self",)).select_related("milestone", "site").get(pk=exam.pk)
    if status not in EXAM_TRANSITIONS.get(exam.status, ()):
        raise DiagnosticsError(
            DiagnosticsErrorCode.TRANSITION_NOT_ALLOWED,
            _("Cet examen est « %(status)s » : il ne peut plus changer ainsi.") % {"status": exam.get_status_display()},
            field="status",
        )
    payload: dict
    if status == ExamStatus.SCHEDULED:
        if at is None:
            raise DiagnosticsError(DiagnosticsErrorCode.INVALID_INPUT, _("Indiquez la date prévue."), field="at")
        if at < exam.requested_at - timedelta(days=1):
            raise DiagnosticsError(
                DiagnosticsErrorCode.INVALID_DATE, _("La date prévue précède la demande."), field="at"
            )
        exam.scheduled_for = at
        payload = _exam_payload(exam, scheduled_for=at.isoformat())
    elif status == ExamStatus.DONE:
        if at is None:
            raise DiagnosticsError(
                DiagnosticsErrorCode.INVALID_INPUT, _("Indiquez la date de réalisation."), field="at"
            )
        _check_moment(
            at, what=_("La date de réalisation"), field="at", not_before=pathway.started_at - timedelta(days=365)
        )
        exam.done_at = at
        stored = None
        if report is not None:
            try:
                checked = check_document(report)
            except ValidationError as error:
                raise DiagnosticsError(
                    DiagnosticsErrorCode.INVALID_DOCUMENT, " ".join(error.messages), field="report"
                ) from error
            stored = ExamReport.store(checked, uploaded_by=actor.user, exam=exam)
        payload = _exam_payload(exam, done_at=at.isoformat(), report=stored.original_name if stored else "")
    else:
        if not reason.strip():
            raise DiagnosticsError(DiagnosticsErrorCode.INVALID_INPUT, _("Indiquez un motif."), field="reason")
        exam.cancelled_at = timezone.now()
        exam.cancel_reason = reason.strip()[:300]
        payload = _exam_payload(exam, reason=exam.cancel_reason)
    exam.status = status
    exam.save()
    event_record(
        actor=actor,
        kind=f"exam.{status}",
        patient_id=pathway.patient_id,
        referral_id=pathway.referral_id,
        payload=payload,
    )
    audit(actor, action=AuditAction.UPDATE, patient_id=pathway.patient_id, object_type="exam", object_id=exam.pk)
    if status == ExamStatus.DONE and exam.milestone_id:
        _record_step(
            actor=actor,
            pathway=pathway,
            code=exam.milestone.code,
            done_at=at,
            note=_("%(exam)s réalisé(e) (%(site)s).") % {"exam": exam.get_kind_display(), "site": exam.site.name},
        )
    return exam


# --- Pathology -----------------------------------------------------------------------------------------


def _pathology_payload(request: PathologyRequest, **extra) -> dict:
    return {
        "pathology_request": request.pk,
        "milestone": request.milestone.code,
        "specimen": request.specimen,
        **extra,
    }


def _calendar(pathway: Pathway) -> dict:
    """The entry point's working calendar (opening hours, closures, department): a result or a task is never
    due while the coordination that acts on it is closed, as for the pathway's own steps."""
    return {**opening_calendar(pathway.referral.entry_point), "department": pathway.department or None}


def expected_dates(pathway: Pathway, *, requested_at: datetime) -> tuple[datetime, datetime]:
    """When the preliminary and the final results are expected for a request sent at `requested_at`.

    Preliminary: the template's `pathology_preliminary` target (seed 001: « J+4 au plus tard, à partir de la date de
    la demande ») counted from the request. Final: the pathway's `pathology_final` step due date (the template's
    target for the pathway's priority), never before the preliminary one; from the request with the template's
    target, or 14 days, when the step has no due date. Each moved to the entry point's next opening."""
    calendar = _calendar(pathway)
    steps = {
        milestone.code: milestone
        for milestone in Milestone.objects.filter(
            pathway_id=pathway.pk, code__in=PATHOLOGY_MILESTONE.values()
        ).select_related("template")
    }
    preliminary_step = steps.get(PATHOLOGY_MILESTONE[PathologyStage.PRELIMINARY])
    target = preliminary_step.template.target_for(pathway.priority) if preliminary_step else None
    preliminary_due = due_at_opening(requested_at, *(target or PRELIMINARY_FALLBACK), **calendar)
    final_step = steps.get(PATHOLOGY_MILESTONE[PathologyStage.FINAL])
    final_due = None
    if final_step is not None and final_step.status == MilestoneStatus.PENDING and final_step.due_at:
        final_due = final_step.due_at
    if final_due is None:
        target = final_step.template.target_for(pathway.priority) if final_step else None
        final_due = due_at_opening(requested_at, *(target or FINAL_FALLBACK), **calendar)
    return preliminary_due, max(final_due, preliminary_due)


@transaction.atomic
def pathology_request_create(
    *,
    actor: Actor,
    pathway: Pathway,
    milestone: Milestone,
    pathologist,
    specimen: str,
    specimen_taken_at: datetime,
    prescription: dict,
) -> PathologyRequest:
    """Send a specimen to a pathologist with the enriched prescription of the pathway's template.

    The biopsy step it comes from is recorded done at the specimen's time if it was still pending (the specimen
    proves it). A request made while a non-contributive one waits for its re-biopsy is that re-biopsy: it is
    linked to it and the re-biopsy task is done."""
    pathway = _open_pathway(pathway)
    if milestone.pathway_id != pathway.pk or milestone.code not in SPECIMEN_MILESTONES:
        raise DiagnosticsError(DiagnosticsErrorCode.INVALID_INPUT, _("Choisissez le prélèvement."), field="milestone")
    if pathologist is None or not pathologists().filter(pk=pathologist.pk).exists():
        raise DiagnosticsError(
            DiagnosticsErrorCode.NOT_A_PATHOLOGIST,
            _("Choisissez un anatomopathologiste inscrit dans Jalon."),
            field="pathologist",
        )
    if not specimen.strip():
        raise DiagnosticsError(DiagnosticsErrorCode.INVALID_INPUT, _("Décrivez le prélèvement."), field="specimen")
    _check_moment(
        specimen_taken_at,
        what=_("La date du prélèvement"),
        field="specimen_taken_at",
        not_before=pathway.started_at - timedelta(days=365),
    )
    template_kind = pathway.template_version.template.kind
    cleaned, errors = prescription_clean(template_kind, prescription)
    if errors:
        raise DiagnosticsError(
            DiagnosticsErrorCode.INVALID_INPUT, _("Le bon de prescription est incomplet."), errors=errors
        )
    _record_step(
        actor=actor,
        pathway=pathway,
        code=milestone.code,
        done_at=specimen_taken_at,
        note=_("Prélèvement adressé en anatomopathologie : %(specimen)s.") % {"specimen": specimen.strip()},
    )
    now = timezone.now()
    preliminary_due, final_due = expected_dates(pathway, requested_at=now)
    waiting = (
        PathologyRequest.objects.filter(
            pathway_id=pathway.pk, status=PathologyStatus.NON_CONTRIBUTIVE, rebiopsies__isnull=True
        )
        .order_by("-non_contributive_at")
        .first()
    )
    request = PathologyRequest.objects.create(
        pathway=pathway,
        milestone=milestone,
        specimen=specimen.strip()[:200],
        specimen_taken_at=specimen_taken_at,
        pathologist=pathologist,
        template_kind=template_kind,
        prescription=cleaned,
        prescription_version=prescription_version(),
        requested_at=now,
        requested_by=actor.user,
        preliminary_due_at=preliminary_due,
        final_due_at=final_due,
        rebiopsy_of=waiting,
    )
    if waiting is not None and waiting.rebiopsy_task_id and waiting.rebiopsy_task.done_at is None:
        task_complete(actor=actor, task=waiting.rebiopsy_task)
    event = event_record(
        actor=actor,
        kind="pathology.requested",
        patient_id=pathway.patient_id,
        referral_id=pathway.referral_id,
        payload=_pathology_payload(
            request,
            pathologist=pathologist.display_name,
            preliminary_due_at=preliminary_due.isoformat(),
            final_due_at=final_due.isoformat(),
            rebiopsy_of=waiting.pk if waiting else None,
        ),
    )
    audit(
        actor, action=AuditAction.CREATE, patient_id=pathway.patient_id, object_type="pathology", object_id=request.pk
    )
    _tell_pathologist(pathway=pathway, request=request, event=event)
    return request


def _tell_pathologist(*, pathway: Pathway, request: PathologyRequest, event) -> None:
    """The addressed pathologist is told through the outbox (kind `pathology.requested`: the patient and the specimen
    travel only in the secure body), with the link to the request on their screen."""
    referral = pathway.referral
    notify(
        kind="pathology.requested",
        event=event,
        recipients=[request.pathologist],
        values={
            "reference": referral.reference,
            "guichet": referral.entry_point.name,
            "patient": patient_text(pathway.patient),
            "etape": request.specimen,
            "attendue_le": date_at_time(request.preliminary_due_at),
        },
        link_path=reverse("diagnostics:pathology_detail", kwargs={"request_id": request.pk}),
    )


@transaction.atomic
def pathology_result_record(
    *,
    actor: Actor,
    request: PathologyRequest,
    stage: str,
    recorded_at: datetime,
    contributive: bool,
    text: str,
    molecular_tests_received: list[str] | tuple = (),
) -> PathologyRequest:
    """Record a preliminary or final result.

    Contributive: the pathway's matching step is recorded (and the lymphoma's adequacy step, on the first result).
    Non-contributive, at either stage and for every template: the request ends, the re-biopsy task is opened for
    the coordination, due the next working day, and the coordinators are told at once."""
    pathway = _open_pathway(request.pathway)
    request = (
        PathologyRequest.objects.select_for_update(of=("self",))
        .select_related("milestone", "pathologist")
        .get(pk=request.pk)
    )
    if stage not in PathologyStage.values:
        raise DiagnosticsError(DiagnosticsErrorCode.INVALID_INPUT, _("Type de résultat inconnu."), field="stage")
    allowed = {
        PathologyStage.PRELIMINARY: (PathologyStatus.REQUESTED,),
        PathologyStage.FINAL: (PathologyStatus.REQUESTED, PathologyStatus.PRELIMINARY),
    }[stage]
    if request.status not in allowed:
        raise DiagnosticsError(
            DiagnosticsErrorCode.TRANSITION_NOT_ALLOWED,
            _("Cette demande est « %(status)s » : ce résultat ne peut plus être enregistré.")
            % {"status": request.get_status_display()},
            field="stage",
        )
    _check_moment(recorded_at, what=_("La date du résultat"), field="recorded_at", not_before=request.specimen_taken_at)
    if not text.strip():
        raise DiagnosticsError(
            DiagnosticsErrorCode.INVALID_INPUT, _("Indiquez la conclusion du résultat."), field="text"
        )
    received = list(molecular_tests_received or [])
    unknown = sorted(set(received) - set(request.molecular_tests_asked()))
    if unknown:
        raise DiagnosticsError(
            DiagnosticsErrorCode.INVALID_INPUT,
            _("Examens non demandés : %(items)s.") % {"items": ", ".join(unknown)},
            field="molecular_tests_received",
        )
    if stage == PathologyStage.PRELIMINARY:
        request.preliminary_at, request.preliminary_text = recorded_at, text.strip()
    else:
        request.final_at, request.final_text = recorded_at, text.strip()
    request.molecular_tests_received = [code for code in request.molecular_tests_asked() if code in set(received)]
    request.contributive = bool(contributive)
    request.recorded_by = actor.user
    if contributive:
        request.status = PathologyStatus.PRELIMINARY if stage == PathologyStage.PRELIMINARY else PathologyStatus.FINAL
    else:
        request.status = PathologyStatus.NON_CONTRIBUTIVE
        request.non_contributive_at = recorded_at
    request.save()
    event_record(
        actor=actor,
        kind="pathology.result_recorded",
        patient_id=pathway.patient_id,
        referral_id=pathway.referral_id,
        occurred_at=recorded_at,
        payload=_pathology_payload(
            request,
            stage=stage,
            contributive=bool(contributive),
            molecular_tests_received=request.molecular_tests_received,
        ),
    )
    audit(
        actor, action=AuditAction.UPDATE, patient_id=pathway.patient_id, object_type="pathology", object_id=request.pk
    )
    if contributive:
        note = _("Anatomopathologie (%(specimen)s) : %(text)s") % {"specimen": request.specimen, "text": text.strip()}
        _record_step(actor=actor, pathway=pathway, code=ADEQUACY_MILESTONE, done_at=recorded_at, note=note)
        _record_step(actor=actor, pathway=pathway, code=PATHOLOGY_MILESTONE[stage], done_at=recorded_at, note=note)
    else:
        _open_rebiopsy(actor=actor, pathway=pathway, request=request, stage=stage)
    return request


def _open_rebiopsy(*, actor: Actor, pathway: Pathway, request: PathologyRequest, stage: str) -> None:
    """The re-biopsy task for the coordination, the event, and the message to the entry point's coordinators."""
    now = timezone.now()
    task = task_add(
        actor=actor,
        pathway=pathway,
        label=_("Programmer une nouvelle biopsie : prélèvement « %(specimen)s » non contributif")
        % {"specimen": request.specimen},
        due_at=due_at_opening(now, *REBIOPSY_DUE, **_calendar(pathway)),
        source=_("Anatomopathologie : prélèvement non contributif"),
    )
    request.rebiopsy_task = task
    request.save(update_fields=["rebiopsy_task"])
    event = event_record(
        actor=actor,
        kind="pathology.non_contributive",
        patient_id=pathway.patient_id,
        referral_id=pathway.referral_id,
        payload=_pathology_payload(request, stage=stage, task=task.pk),
    )
    referral = pathway.referral
    notify(
        kind="pathology.non_contributive",
        event=event,
        recipients=coordinators_of(referral.entry_point.organization_id),
        values={
            "reference": referral.reference,
            "guichet": referral.entry_point.name,
            "patient": patient_text(pathway.patient),
            "etape": request.specimen,
            "date": date_at_time(request.non_contributive_at),
        },
        link_path=reverse("pathways:detail", kwargs={"reference": referral.reference}),
    )


def pathology_scan_late(*, now: datetime | None = None) -> int:
    """Raise one `pathology.late` event and message per result expected and not in (preliminary, final); return
    how many were raised. Idempotent: each stage of each request is claimed by a conditional update of its
    `*_late_at` column in its own transaction, so a second run or a second worker finds nothing left to claim."""
    now = now or timezone.now()
    stages = (
        (PathologyStage.PRELIMINARY, "preliminary_due_at", "preliminary_late_at", (PathologyStatus.REQUESTED,)),
        (
            PathologyStage.FINAL,
            "final_due_at",
            "final_late_at",
            (PathologyStatus.REQUESTED, PathologyStatus.PRELIMINARY),
        ),
    )
    actor = Actor.system()
    raised = 0
    for stage, due_field, claim_field, statuses in stages:
        due = PathologyRequest.objects.filter(
            status__in=statuses,
            pathway__status=PathwayStatus.ACTIVE,
            **{f"{claim_field}__isnull": True, f"{due_field}__lte": now},
        ).order_by(due_field, "pk")
        for request_id in list(due.values_list("pk", flat=True)):
            with transaction.atomic():
                claimed = PathologyRequest.objects.filter(
                    pk=request_id, status__in=statuses, **{f"{claim_field}__isnull": True}
                ).update(**{claim_field: now})
                if not claimed:
                    continue
                _announce_late(actor=actor, request_id=request_id, stage=stage, due_field=due_field)
                raised += 1
    return raised


def _announce_late(*, actor: Actor, request_id: int, stage: str, due_field: str) -> None:
    request = PathologyRequest.objects.select_related(
        "pathway__referral__entry_point", "pathway__patient", "milestone", "pathologist"
    ).get(pk=request_id)
    pathway = request.pathway
    referral = pathway.referral
    due_at = getattr(request, due_field)
    event = event_record(
        actor=actor,
        kind="pathology.late",
        patient_id=pathway.patient_id,
        referral_id=pathway.referral_id,
        payload=_pathology_payload(request, stage=stage, due_at=due_at.isoformat()),
    )
    audit(
        actor,
        action=AuditAction.UPDATE,
        patient_id=pathway.patient_id,
        object_type="pathology.late",
        object_id=request.pk,
    )
    pathologist_id = request.pathologist_id
    pathway_path = reverse("pathways:detail", kwargs={"reference": referral.reference})
    request_path = reverse("diagnostics:pathology_detail", kwargs={"request_id": request.pk})
    notify(
        kind="pathology.late",
        event=event,
        recipients=[request.pathologist, *coordinators_of(referral.entry_point.organization_id)],
        values={
            "reference": referral.reference,
            "guichet": referral.entry_point.name,
            "patient": patient_text(pathway.patient),
            "etape": "%s (%s)" % (PathologyStage(stage).label, request.specimen),
            "attendue_le": date_at_time(due_at),
        },
        link_for=lambda professional: request_path if professional.pk == pathologist_id else pathway_path,
        key=f"pathology-late-{request.pk}-{stage}",
    )
