"""The coordinator's pages of received secure mails: the list, one mail, completing it into a referral, dismissing
it."""

from __future__ import annotations

import re

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from jalon.accounts.access import Capability, capability_required
from jalon.accounts.audit import audit, audit_objects
from jalon.accounts.models import AuditAction
from jalon.core.actor import Actor
from jalon.core.documents import stored_file_response
from jalon.mailin import selectors, services
from jalon.mailin.access import inbound_mail_for_user
from jalon.mailin.errors import MailInError
from jalon.mailin.forms import DismissForm, MailReferralForm
from jalon.mailin.models import MailStatus
from jalon.referrals.errors import ReferralError
from jalon.referrals.forms import ExamFormSet, identity_from_cleaned
from jalon.referrals.services import ExamInput

RAW_TEXT_SHOWN = 200_000  # characters of an unreadable mail shown on its page; the whole file is downloadable
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
coordinators_only = capability_required(Capability.READ_MAILIN, or_404=True)


class MailFilterForm(django_forms.Form):
    status = django_forms.ChoiceField(
        label=_lazy("Afficher"),
        required=False,
        choices=[
            (MailStatus.TO_COMPLETE, _lazy("À compléter")),
            (MailStatus.CONVERTED, _lazy("Transformés en demande")),
            (MailStatus.DISMISSED, _lazy("Écartés")),
        ],
    )


@login_required
@coordinators_only
@require_GET
def mail_list(request):
    filters = MailFilterForm(request.GET)
    status = (filters.cleaned_data.get("status") if filters.is_valid() else "") or MailStatus.TO_COMPLETE
    page = Paginator(selectors.mails_for_coordinator(request.user, status=status), 50).get_page(request.GET.get("page"))
    audit_objects(
        Actor.from_request(request),
        action=AuditAction.READ,
        object_type="inbound_mail",
        object_ids=[mail.pk for mail in page],
    )
    return render(request, "mailin/mail_list.html", {"filters": filters, "page": page, "status": status})


def _raw_text(mail) -> tuple[str, bool]:
    """The raw mail as text to show escaped (and whether it was cut); empty if the file is gone."""
    try:
        with mail.raw.open("rb") as handle:
            data = handle.read(RAW_TEXT_SHOWN * 4)
    except (FileNotFoundError, ValueError):
        return "", False
    text = CONTROL_CHARACTERS.sub("\ufffd", data.decode("utf-8", errors="replace"))
    return text[:RAW_TEXT_SHOWN], len(text) > RAW_TEXT_SHOWN or mail.raw_size > len(data)


def _render_detail(
    request, mail, *, convert_form=None, exam_formset=None, dismiss_form=None, open_action="", status=200
):
    patient_id = mail.referral.patient_id if mail.referral_id else None
    audit(
        Actor.from_request(request),
        action=AuditAction.READ,
        patient_id=patient_id,
        object_type="inbound_mail",
        object_id=mail.pk,
    )
    context = {"mail": mail, "attachments": list(mail.attachments.all()), "open_action": open_action}
    if mail.is_unreadable:
        context["raw_text"], context["raw_cut"] = _raw_text(mail)
    if mail.is_to_complete:
        context["form"] = convert_form or MailReferralForm(initial=MailReferralForm.initial_for(mail), mail=mail)
        context["exam_formset"] = exam_formset or ExamFormSet(prefix="exams")
        context["dismiss_form"] = dismiss_form or DismissForm(prefix="dismiss")
    return render(request, "mailin/mail_detail.html", context, status=status)


@login_required
@coordinators_only
@require_GET
def mail_detail(request, pk: int):
    mail = inbound_mail_for_user(request.user, pk, selectors.mail_detail_queryset(request.user))
    return _render_detail(request, mail)


def _exam_inputs(formset) -> list[ExamInput]:
    return [
        ExamInput(
            kind=form.cleaned_data["kind"],
            done_on=form.cleaned_data.get("done_on"),
            place=form.cleaned_data.get("place", ""),
            summary=form.cleaned_data.get("summary", ""),
            files=tuple(form.cleaned_data.get("files") or ()),
        )
        for form in formset
        if form.cleaned_data.get("kind")
    ]


def _already_handled(request, mail):
    messages.error(request, _("Ce courriel a déjà été traité (%(status)s).") % {"status": mail.get_status_display()})
    return redirect("mailin:detail", pk=mail.pk)


@login_required
@coordinators_only
@require_POST
def mail_convert(request, pk: int):
    mail = inbound_mail_for_user(request.user, pk, selectors.mail_detail_queryset(request.user))
    if not mail.is_to_complete:
        return _already_handled(request, mail)
    form = MailReferralForm(request.POST, request.FILES, mail=mail)
    exam_formset = ExamFormSet(request.POST, request.FILES, prefix="exams")
    if form.is_valid() and exam_formset.is_valid():
        cleaned = form.cleaned_data
        try:
            result = services.inbound_mail_convert(
                actor=Actor.from_request(request),
                mail=mail,
                patient=identity_from_cleaned(cleaned),
                referrer=cleaned["referrer"],
                suspected_site=cleaned["suspected_site"],
                clinical_reason=cleaned["clinical_reason"],
                first_symptoms_date=cleaned["first_symptoms_date"],
                declared_urgency=cleaned["declared_urgency"],
                question=cleaned["question"],
                patient_informed=form.patient_informed_value,
                alarm_signs=cleaned["alarm_signs"],
                imaging_findings=cleaned.get("imaging_findings", {}),
                exams=_exam_inputs(exam_formset),
                attachment_ids=[attachment.pk for attachment in cleaned["attachments"]],
                documents=cleaned["documents"],
            )
        except (ReferralError, MailInError) as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request,
                _("Demande %(reference)s créée à partir du courriel.") % {"reference": result.referral.reference},
            )
            return redirect("coordination:referral", reference=result.referral.reference)
    messages.error(
        request, _("La demande n'est pas enregistrée : corrigez les champs signalés ; le courriel reste à compléter.")
    )
    if request.FILES:
        messages.warning(
            request,
            _("Joignez à nouveau les fichiers ajoutés à la main : les pièces jointes du courriel restent cochées."),
        )
    mail.refresh_from_db()
    return _render_detail(
        request, mail, convert_form=form, exam_formset=exam_formset, open_action="convert", status=400
    )


@login_required
@coordinators_only
@require_POST
def mail_dismiss(request, pk: int):
    mail = inbound_mail_for_user(request.user, pk, selectors.mail_detail_queryset(request.user))
    if not mail.is_to_complete:
        return _already_handled(request, mail)
    form = DismissForm(request.POST, prefix="dismiss")
    if form.is_valid():
        try:
            services.inbound_mail_dismiss(
                actor=Actor.from_request(request), mail=mail, reason=form.cleaned_data["reason"]
            )
        except MailInError as error:
            form.add_error("reason" if error.field == "reason" else None, error.message)
        else:
            messages.success(request, _("Courriel écarté. Il reste consultable dans les courriels écartés."))
            return redirect("mailin:list")
    messages.error(request, _("Le courriel n'est pas écarté : indiquez un motif."))
    return _render_detail(request, mail, dismiss_form=form, open_action="dismiss", status=400)


@login_required
@coordinators_only
@require_GET
def attachment_download(request, pk: int, attachment_id: int):
    mail = inbound_mail_for_user(request.user, pk)
    attachment = mail.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404
    audit(
        Actor.from_request(request),
        action=AuditAction.DOWNLOAD,
        patient_id=None,
        object_type="inbound_mail.attachment",
        object_id=attachment.pk,
    )
    # Only a PDF, PNG or JPEG (by its bytes) is shown; anything else only downloads (stored_file_response).
    return stored_file_response(
        attachment.file, content_type=attachment.detected_content_type, filename=attachment.original_name
    )


@login_required
@coordinators_only
@require_GET
def raw_download(request, pk: int):
    mail = inbound_mail_for_user(request.user, pk)
    audit(
        Actor.from_request(request),
        action=AuditAction.DOWNLOAD,
        patient_id=None,
        object_type="inbound_mail.raw",
        object_id=mail.pk,
    )
    return stored_file_response(
        mail.raw, content_type="message/rfc822", as_attachment=True, filename=f"courriel-{mail.pk}.eml"
    )
