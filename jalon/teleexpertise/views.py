"""Pages of tele-expertise: the list, the GP's question, the request with its answer."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jalon.accounts.access import Capability, capability_required, has_capability, require
from jalon.accounts.audit import audit, audit_many
from jalon.accounts.models import AuditAction
from jalon.core.actor import Actor
from jalon.core.documents import stored_file_response
from jalon.core.formatting import when_in_words
from jalon.events.kinds import event_label
from jalon.patients.access import reaches_patient_file
from jalon.referrals.access import referrals_visible_to
from jalon.referrals.forms import identity_from_cleaned
from jalon.teleexpertise import forms, selectors, services
from jalon.teleexpertise.access import (
    is_teleexpertise_answerer,
    is_teleexpertise_requester,
    may_answer_teleexpertise,
    may_convert_teleexpertise,
    may_withdraw_teleexpertise,
    teleexpertise_request_for_user,
)
from jalon.teleexpertise.errors import TeleExpertiseError
from jalon.teleexpertise.models import TeleExpertiseDocument


@login_required
@capability_required(Capability.READ_TELEEXPERTISE)
def request_list(request):
    now = timezone.now()
    page = Paginator(selectors.requests_for_list(request.user, now), 50).get_page(request.GET.get("page"))
    audit_many(
        Actor.from_request(request),
        action=AuditAction.READ,
        patient_ids=[r.patient_id for r in page],
        object_type="teleexpertise.list",
    )
    return render(
        request,
        "teleexpertise/request_list.html",
        {
            "page": page,
            "is_specialist": has_capability(request.user, Capability.ANSWER_TELEEXPERTISE),
            "can_ask": has_capability(request.user, Capability.ASK_TELEEXPERTISE),
        },
    )


@login_required
@capability_required(Capability.ASK_TELEEXPERTISE)
def request_new(request):
    form = forms.TeleExpertiseRequestForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            cleaned = form.cleaned_data
            try:
                created = services.teleexpertise_request_submit(
                    actor=Actor.from_request(request),
                    offer=cleaned["offer"],
                    requester=request.user.professional,
                    patient=identity_from_cleaned(cleaned),
                    suspected_site=cleaned["suspected_site"],
                    question=cleaned["question"],
                    clinical_summary=cleaned["clinical_summary"],
                    documents=cleaned["documents"],
                )
            except TeleExpertiseError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(
                    request,
                    _("Question envoyée à %(service)s : réponse attendue avant le %(deadline)s.")
                    % {"service": created.service, "deadline": when_in_words(created.answer_deadline)},
                )
                return redirect("teleexpertise:detail", reference=created.reference)
        if request.FILES:
            messages.warning(
                request,
                _(
                    "La demande n'est pas encore envoyée : corrigez les champs signalés et joignez à nouveau les "
                    "fichiers."
                ),
            )
        return render(request, "teleexpertise/request_form.html", {"form": form}, status=400)
    return render(request, "teleexpertise/request_form.html", {"form": form})


def _show_error(request, form, error: TeleExpertiseError) -> None:
    """A field's error goes beside the field; any other (the request changed meanwhile) on top of the page."""
    if error.field in form.fields:
        form.add_error(error.field, error.message)
    else:
        messages.error(request, error.message)


def _render_detail(request, tex, *, answer_form=None, withdraw_form=None, status: int = 200):
    context = {
        "tex": tex,
        "patient": tex.patient,
        # A match on traits teaches nothing of the known patient's record to whoever does not reach their file.
        "shows_record": reaches_patient_file(request.user, tex.patient_id),
        "events": [(event, event_label(event.kind)) for event in selectors.request_events(tex)],
        "referral_visible": tex.converted_referral_id is not None
        and referrals_visible_to(request.user).filter(pk=tex.converted_referral_id).exists(),
        "can_answer": may_answer_teleexpertise(request.user, tex),
        "can_withdraw": may_withdraw_teleexpertise(request.user, tex),
        "can_convert": may_convert_teleexpertise(request.user, tex),
        "answer_form": answer_form or forms.AnswerForm(),
        "withdraw_form": withdraw_form or forms.WithdrawForm(),
    }
    return render(request, "teleexpertise/request_detail.html", context, status=status)


def _get(request, reference: str):
    return teleexpertise_request_for_user(request.user, reference, selectors.request_detail_queryset(request.user))


@login_required
def request_detail(request, reference: str):
    tex = _get(request, reference)
    audit(
        Actor.from_request(request),
        action=AuditAction.READ,
        patient_id=tex.patient_id,
        object_type="teleexpertise",
        object_id=reference,
    )
    return _render_detail(request, tex)


@login_required
@require_POST
def request_answer(request, reference: str):
    tex = _get(request, reference)
    require(is_teleexpertise_answerer(request.user, tex))  # a second answer is refused by the service, in words
    form = forms.AnswerForm(request.POST)
    if form.is_valid():
        try:
            answered = services.teleexpertise_answer(
                actor=Actor.from_request(request),
                request=tex,
                answer=form.cleaned_data["answer"],
                convert_to_referral=form.cleaned_data["convert_to_referral"],
            )
        except TeleExpertiseError as error:
            _show_error(request, form, error)
        else:
            if answered.converted_referral_id:
                messages.success(
                    request,
                    _("Réponse envoyée ; la demande de prise en soins %(reference)s est créée.")
                    % {"reference": answered.converted_referral.reference},
                )
            else:
                messages.success(request, _("Réponse envoyée au médecin."))
            return redirect("teleexpertise:detail", reference=reference)
    messages.error(request, _("La réponse n'a pas été enregistrée : voyez le formulaire ci-dessous."))
    audit(
        Actor.from_request(request),
        action=AuditAction.READ,
        patient_id=tex.patient_id,
        object_type="teleexpertise",
        object_id=reference,
    )
    return _render_detail(request, _get(request, reference), answer_form=form, status=400)


@login_required
@require_POST
def request_withdraw(request, reference: str):
    tex = _get(request, reference)
    require(is_teleexpertise_requester(request.user, tex))
    form = forms.WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.teleexpertise_withdraw(
                actor=Actor.from_request(request), request=tex, reason=form.cleaned_data["reason"]
            )
        except TeleExpertiseError as error:
            _show_error(request, form, error)
        else:
            messages.success(request, _("Demande de téléexpertise retirée."))
            return redirect("teleexpertise:detail", reference=reference)
    messages.error(request, _("La demande n'a pas été retirée : voyez le formulaire ci-dessous."))
    audit(
        Actor.from_request(request),
        action=AuditAction.READ,
        patient_id=tex.patient_id,
        object_type="teleexpertise",
        object_id=reference,
    )
    return _render_detail(request, _get(request, reference), withdraw_form=form, status=400)


@login_required
@require_POST
def request_convert(request, reference: str):
    tex = _get(request, reference)
    require(is_teleexpertise_requester(request.user, tex) or is_teleexpertise_answerer(request.user, tex))
    try:
        referral = services.teleexpertise_convert(actor=Actor.from_request(request), request=tex)
    except TeleExpertiseError as error:
        messages.error(request, error.message)
        audit(
            Actor.from_request(request),
            action=AuditAction.READ,
            patient_id=tex.patient_id,
            object_type="teleexpertise",
            object_id=reference,
        )
        return _render_detail(request, _get(request, reference), status=400)
    messages.success(
        request, _("La demande de prise en soins %(reference)s est créée.") % {"reference": referral.reference}
    )
    return redirect("teleexpertise:detail", reference=reference)


@login_required
def document_download(request, reference: str, document_id: int):
    tex = teleexpertise_request_for_user(request.user, reference)
    document = TeleExpertiseDocument.objects.filter(pk=document_id, request=tex).first()
    if document is None:
        raise Http404
    audit(
        Actor.from_request(request),
        action=AuditAction.DOWNLOAD,
        patient_id=tex.patient_id,
        object_type="teleexpertise.document",
        object_id=document.pk,
    )
    return stored_file_response(
        document.file, content_type=document.content_type, as_attachment=False, filename=document.original_name
    )
