"""Pages of exams and pathology: the coordination asks for exams and pathology from the pathway page, moves an
exam on, and records a result; the pathologist's screen `/anapath/` lists the requests addressed to them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jalon.accounts.access import Capability, capability_required, require
from jalon.accounts.audit import audit, audit_many
from jalon.accounts.models import AuditAction
from jalon.core.actor import Actor
from jalon.core.documents import stored_file_response
from jalon.diagnostics import forms, selectors, services
from jalon.diagnostics.access import (
    is_addressed_pathologist,
    may_record_pathology_result,
    pathology_request_for_user,
)
from jalon.diagnostics.errors import DiagnosticsError
from jalon.diagnostics.models import ExamRequest
from jalon.pathways.selectors import pathway_for_user
from jalon.referrals.access import may_work_referral

_NOTHING_SAVED = _("Rien n'a été enregistré : voyez le formulaire ci-dessous.")


def _workable_pathway(request, reference: str):
    """The pathway, if the user reaches it (404) and coordinates its entry point (403); open pathways only."""
    pathway = pathway_for_user(request.user, reference)
    require(may_work_referral(request.user, pathway.referral) and not pathway.is_closed)
    return pathway


def _exam_of(pathway, exam_id: int) -> ExamRequest:
    exam = ExamRequest.objects.filter(pk=exam_id, pathway_id=pathway.pk).select_related("site", "milestone").first()
    if exam is None:
        raise Http404
    return exam


def _show_error(form, error: DiagnosticsError) -> None:
    for code, message in error.errors.items():
        name = forms.PRESCRIPTION_PREFIX + code
        form.add_error(name if name in form.fields else None, message)
    if not error.errors or error.field:
        form.add_error(error.field if error.field in form.fields else None, error.message)


def _audit_read(request, pathway, object_type: str, object_id) -> None:
    audit(
        Actor.from_request(request),
        action=AuditAction.READ,
        patient_id=pathway.patient_id,
        object_type=object_type,
        object_id=object_id,
    )


@login_required
@require_http_methods(["GET", "POST"])
def exam_new(request, reference: str):
    pathway = _workable_pathway(request, reference)
    form = forms.ExamRequestForm(request.POST or None, pathway=pathway)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.exam_request_create(
                    actor=Actor.from_request(request),
                    pathway=pathway,
                    kind=data["kind"],
                    site=data["site"],
                    urgency=data["urgency"],
                    milestone=form.milestones.get(data["milestone"]),
                    note=data["note"],
                )
            except DiagnosticsError as error:
                _show_error(form, error)
            else:
                messages.success(request, _("Examen demandé."))
                return redirect("pathways:detail", reference=reference)
        messages.error(request, _NOTHING_SAVED)
        status = 400
    _audit_read(request, pathway, "pathway", pathway.pk)
    return render(request, "diagnostics/exam_form.html", {"pathway": pathway, "form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def exam_detail(request, reference: str, exam_id: int):
    pathway = _workable_pathway(request, reference)
    exam = _exam_of(pathway, exam_id)
    form = forms.ExamUpdateForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.exam_request_update(
                    actor=Actor.from_request(request),
                    exam=exam,
                    status=data["status"],
                    at=data["at"],
                    reason=data["reason"],
                    report=data["report"],
                )
            except DiagnosticsError as error:
                _show_error(form, error)
            else:
                messages.success(request, _("Examen mis à jour."))
                return redirect("pathways:detail", reference=reference)
        messages.error(request, _NOTHING_SAVED)
        status = 400
    _audit_read(request, pathway, "exam", exam.pk)
    return render(
        request, "diagnostics/exam_detail.html", {"pathway": pathway, "exam": exam, "form": form}, status=status
    )


@login_required
@require_GET
def exam_report(request, reference: str, exam_id: int, report_id: int):
    """An exam's report, for whoever reaches the pathway (audited)."""
    pathway = pathway_for_user(request.user, reference)
    report = _exam_of(pathway, exam_id).reports.filter(pk=report_id).first()
    if report is None:
        raise Http404
    audit(
        Actor.from_request(request),
        action=AuditAction.DOWNLOAD,
        patient_id=pathway.patient_id,
        object_type="exam.report",
        object_id=report.pk,
    )
    return stored_file_response(report.file, content_type=report.content_type, filename=report.original_name)


@login_required
@require_http_methods(["GET", "POST"])
def pathology_new(request, reference: str):
    pathway = _workable_pathway(request, reference)
    form = forms.PathologyRequestForm(request.POST or None, pathway=pathway)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.pathology_request_create(
                    actor=Actor.from_request(request),
                    pathway=pathway,
                    milestone=form.milestones.get(data["milestone"]),
                    pathologist=data["pathologist"],
                    specimen=data["specimen"],
                    specimen_taken_at=data["specimen_taken_at"],
                    prescription=form.prescription(),
                )
            except DiagnosticsError as error:
                _show_error(form, error)
            else:
                messages.success(request, _("Demande d'anatomopathologie envoyée."))
                return redirect("pathways:detail", reference=reference)
        messages.error(request, _NOTHING_SAVED)
        status = 400
    _audit_read(request, pathway, "pathway", pathway.pk)
    return render(request, "diagnostics/pathology_form.html", {"pathway": pathway, "form": form}, status=status)


@login_required
@capability_required(Capability.ANSWER_PATHOLOGY)
@require_GET
def pathology_worklist(request):
    """The pathologist's screen: their requests, due dates, what is late (only theirs)."""
    waiting, done = selectors.pathologist_requests(request.user)
    audit_many(
        Actor.from_request(request),
        action=AuditAction.READ,
        patient_ids=[row.request.pathway.patient_id for row in (*waiting, *done)],
        object_type="pathology.list",
    )
    return render(request, "diagnostics/pathology_worklist.html", {"waiting": waiting, "done": done})


def _render_pathology(request, pathology, *, form=None, status: int = 200):
    can_record = may_record_pathology_result(request.user, pathology)
    if can_record and form is None:
        form = forms.PathologyResultForm(request=pathology)
    _audit_read(request, pathology.pathway, "pathology", pathology.pk)
    return render(
        request,
        "diagnostics/pathology_detail.html",
        {
            "row": selectors.pathology_row(pathology, now=timezone.now()),
            "pathology": pathology,
            "pathway": pathology.pathway,
            "patient": pathology.pathway.patient,
            "form": form if can_record else None,
            "is_pathologist": is_addressed_pathologist(request.user, pathology),
        },
        status=status,
    )


@login_required
@require_GET
def pathology_detail(request, request_id: int):
    return _render_pathology(request, pathology_request_for_user(request.user, request_id))


@login_required
@require_POST
def pathology_result(request, request_id: int):
    pathology = pathology_request_for_user(request.user, request_id)
    require(may_record_pathology_result(request.user, pathology))
    form = forms.PathologyResultForm(request.POST, request=pathology)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.pathology_result_record(
                actor=Actor.from_request(request),
                request=pathology,
                stage=data["stage"],
                recorded_at=data["recorded_at"],
                contributive=data["contributive"],
                text=data["text"],
                molecular_tests_received=data.get("molecular_tests_received", []),
            )
        except DiagnosticsError as error:
            _show_error(form, error)
        else:
            if data["contributive"]:
                messages.success(request, _("Résultat enregistré."))
            else:
                messages.success(
                    request,
                    _(
                        "Prélèvement non contributif enregistré : la coordination est prévenue et doit programmer une "
                        "nouvelle biopsie."
                    ),
                )
            return redirect("diagnostics:pathology_detail", request_id=pathology.pk)
    messages.error(request, _NOTHING_SAVED)
    return _render_pathology(request, pathology, form=form, status=400)
