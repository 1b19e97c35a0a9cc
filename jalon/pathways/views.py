"""The pathway page: milestones, tasks, alerts and timeline; the coordination records what happened."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jalon.accounts.access import require
from jalon.accounts.audit import audit
from jalon.accounts.models import AuditAction
from jalon.core.actor import Actor
from jalon.core.documents import stored_file_response
from jalon.pathways import forms, selectors, services
from jalon.pathways.errors import PathwayError
from jalon.pathways.letters import attachment_name
from jalon.pathways.models import Pathway
from jalon.pathways.signals import pathway_page_shown
from jalon.patients.access import patients_visible_to
from jalon.referrals.access import may_work_referral
from jalon.referrals.errors import ReferralError
from jalon.referrals.services import referral_document_add


def _render(request, pathway, *, bound: tuple[str, object] | None = None, status: int = 200):
    """The page; after a refused input the submitted form is shown again with what was typed."""
    page = selectors.pathway_page(pathway)
    audit(
        Actor.from_request(request),
        action=AuditAction.READ,
        patient_id=pathway.patient_id,
        object_type="pathway",
        object_id=pathway.pk,
    )
    can_work = may_work_referral(request.user, pathway.referral) and not pathway.is_closed
    bound_key, bound_form = bound or ("", None)

    def form_for(key: str, build: Callable[[], object]):
        return bound_form if key == bound_key else build()

    milestone_forms = []
    if can_work:
        for index, row in enumerate(page.pending_milestones):
            pk = row.milestone.pk
            record = form_for(
                f"record-{pk}", lambda pk=pk: forms.MilestoneRecordForm(prefix=f"record-{pk}", documents=page.documents)
            )
            skip = (
                form_for(f"skip-{pk}", lambda pk=pk: forms.MilestoneSkipForm(prefix=f"skip-{pk}"))
                if row.may_skip
                else None
            )
            is_open = bound_key in (f"record-{pk}", f"skip-{pk}") or (not bound_key and index == 0)
            milestone_forms.append({"row": row, "record": record, "skip": skip, "open": is_open})
    context = {
        "page": page,
        "pathway": pathway,
        "referral": pathway.referral,
        "patient": pathway.patient,
        "can_work": can_work,
        "reaches_patient": patients_visible_to(request.user).filter(pk=pathway.patient_id).exists(),
        "milestone_forms": milestone_forms,
        "outcome_form": form_for("outcome", lambda: forms.OutcomeForm(prefix="outcome"))
        if can_work and not pathway.outcome
        else None,
        "close_form": form_for("close", lambda: forms.CloseForm(prefix="close")) if can_work else None,
        "stay_form": form_for("stay", lambda: forms.StayEventForm(prefix="stay")) if can_work else None,
        "document_form": form_for("document", lambda: forms.DocumentAddForm(prefix="document")) if can_work else None,
        "open_form": bound_key,
        # A refusal whose form is not shown any more (the pathway was closed meanwhile) is shown on top.
        "refusal_errors": bound_form.non_field_errors() if bound_form is not None and not can_work else [],
    }
    return render(request, "pathways/pathway_detail.html", context, status=status)


@login_required
@require_GET
def pathway_detail(request, reference: str):
    pathway = selectors.pathway_for_user(request.user, reference)
    pathway_page_shown.send(sender=Pathway, user=request.user, referral=pathway.referral)
    return _render(request, pathway)


def _workable_pathway(request, reference: str):
    """The pathway, if the user reaches it (404) and coordinates its entry point (403)."""
    pathway = selectors.pathway_for_user(request.user, reference)
    require(may_work_referral(request.user, pathway.referral))
    return pathway


def _submit(request, pathway, key: str, form, run: Callable[[dict], object], success: str):
    """Clean, call the one service, redirect; else show the page again with the bound form (400)."""
    if form.is_valid():
        try:
            run(form.cleaned_data)
        except PathwayError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, success)
            return redirect("pathways:detail", reference=pathway.referral.reference)
    messages.error(request, _("Rien n'a été enregistré : voyez le formulaire ci-dessous."))
    return _render(request, pathway, bound=(key, form), status=400)


@login_required
@require_POST
def milestone_record(request, reference: str, milestone_id: int):
    pathway = _workable_pathway(request, reference)
    milestone = selectors.milestone_of(pathway, milestone_id)
    documents = selectors.referral_documents(pathway.referral)
    form = forms.MilestoneRecordForm(request.POST, prefix=f"record-{milestone.pk}", documents=documents)
    return _submit(
        request,
        pathway,
        f"record-{milestone.pk}",
        form,
        lambda data: services.milestone_record(
            actor=Actor.from_request(request),
            milestone=milestone,
            done_at=data["done_at"],
            note=data["note"],
            document_id=data["document"],
            appointment_reference=data["appointment_reference"],
        ),
        _("Étape « %(label)s » enregistrée.") % {"label": milestone.label},
    )


@login_required
@require_POST
def milestone_skip(request, reference: str, milestone_id: int):
    pathway = _workable_pathway(request, reference)
    milestone = selectors.milestone_of(pathway, milestone_id)
    form = forms.MilestoneSkipForm(request.POST, prefix=f"skip-{milestone.pk}")
    return _submit(
        request,
        pathway,
        f"skip-{milestone.pk}",
        form,
        lambda data: services.milestone_skip(
            actor=Actor.from_request(request), milestone=milestone, reason=data["reason"]
        ),
        _("Étape « %(label)s » passée.") % {"label": milestone.label},
    )


@login_required
@require_POST
def outcome_record(request, reference: str):
    pathway = _workable_pathway(request, reference)
    form = forms.OutcomeForm(request.POST, prefix="outcome")
    return _submit(
        request,
        pathway,
        "outcome",
        form,
        lambda data: services.pathway_record_outcome(
            actor=Actor.from_request(request), pathway=pathway, outcome=data["outcome"], note=data["note"]
        ),
        _("Issue du diagnostic enregistrée."),
    )


@login_required
@require_POST
def pathway_close(request, reference: str):
    pathway = _workable_pathway(request, reference)
    form = forms.CloseForm(request.POST, prefix="close")
    return _submit(
        request,
        pathway,
        "close",
        form,
        lambda data: services.pathway_close(actor=Actor.from_request(request), pathway=pathway, reason=data["reason"]),
        _("Parcours clôturé."),
    )


@login_required
@require_POST
def task_done(request, reference: str, task_id: int):
    pathway = _workable_pathway(request, reference)
    task = selectors.task_of(pathway, task_id)
    try:
        services.task_complete(actor=Actor.from_request(request), task=task)
    except PathwayError as error:
        messages.error(request, error.message)
        return _render(request, pathway, status=400)
    messages.success(request, _("Tâche « %(label)s » faite.") % {"label": task.label})
    return redirect("pathways:detail", reference=reference)


@login_required
@require_POST
def stay_record(request, reference: str):
    pathway = _workable_pathway(request, reference)
    form = forms.StayEventForm(request.POST, prefix="stay")
    return _submit(
        request,
        pathway,
        "stay",
        form,
        lambda data: services.stay_event_record(
            actor=Actor.from_request(request),
            pathway=pathway,
            stay_kind=data["stay_kind"],
            occurred_at=data["occurred_at"],
            place=data["place"],
            note=data["note"],
        ),
        _("Événement enregistré ; le médecin traitant et l'adresseur sont prévenus."),
    )


@login_required
@require_POST
def document_add(request, reference: str):
    pathway = _workable_pathway(request, reference)
    if pathway.is_closed:
        raise PermissionDenied
    form = forms.DocumentAddForm(request.POST, request.FILES, prefix="document")
    if form.is_valid():
        try:
            referral_document_add(
                actor=Actor.from_request(request), referral=pathway.referral, upload=form.cleaned_data["document"]
            )
        except ReferralError as error:
            form.add_error("document", error.message)
        else:
            messages.success(request, _("Document ajouté ; le médecin traitant et l'adresseur sont prévenus."))
            return redirect("pathways:detail", reference=reference)
    messages.error(request, _("Rien n'a été enregistré : voyez le formulaire ci-dessous."))
    return _render(request, pathway, bound=("document", form), status=400)


@login_required
@require_GET
def letter_download(request, reference: str, letter_id: int):
    """A letter written to the GP, for whoever reaches the pathway (audited)."""
    pathway = selectors.pathway_for_user(request.user, reference)
    letter = pathway.letters.filter(pk=letter_id).first()
    if letter is None:
        raise Http404
    audit(
        Actor.from_request(request),
        action=AuditAction.DOWNLOAD,
        patient_id=pathway.patient_id,
        object_type="pathway.letter",
        object_id=letter.pk,
    )
    return stored_file_response(
        letter.file, content_type="application/pdf", as_attachment=True, filename=attachment_name(letter)
    )
