"""Pages of the single entry point and of the coordinator's worklist."""

from __future__ import annotations

import html

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jalon.accounts.access import Capability, capability_required, has_capability, require
from jalon.accounts.audit import audit, audit_many
from jalon.accounts.models import AuditAction
from jalon.core import formatting
from jalon.core.actor import Actor
from jalon.core.documents import stored_file_response
from jalon.directory import lookup
from jalon.referrals import forms, selectors, services
from jalon.referrals.access import (
    may_complete_referral,
    referral_for_user,
    sees_patient_record,
)
from jalon.referrals.completeness import item_label, may_be_not_done
from jalon.referrals.errors import ReferralError
from jalon.referrals.models import ReferralDocument, Status


def _exam_inputs(formset) -> list[services.ExamInput]:
    return [
        services.ExamInput(
            kind=form.cleaned_data["kind"],
            done_on=form.cleaned_data.get("done_on"),
            place=form.cleaned_data.get("place", ""),
            summary=form.cleaned_data.get("summary", ""),
            files=tuple(form.cleaned_data.get("files") or ()),
        )
        for form in formset
        if form.cleaned_data.get("kind")
    ]


def _submit_form(request, *, phone_intake: bool):
    """Shared by the web form and the phone intake: validate, call referral_submit, show the acknowledgment."""
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    form = forms.ReferralForm(data, files, phone_intake=phone_intake, user=request.user)
    exam_formset = forms.ExamFormSet(data, files, prefix="exams")
    if request.method == "POST" and form.is_valid() and exam_formset.is_valid():
        cleaned = form.cleaned_data
        referrer = cleaned["referrer"] if phone_intake else request.user.professional
        identity = forms.identity_from_cleaned(cleaned)
        try:
            result = services.referral_submit(
                actor=Actor.from_request(request),
                entry_point=cleaned["entry_point"],
                channel="phone" if phone_intake else "web",
                patient=identity,
                referrer=referrer,
                suspected_site=cleaned["suspected_site"],
                clinical_reason=cleaned["clinical_reason"],
                first_symptoms_date=cleaned["first_symptoms_date"],
                declared_urgency=cleaned["declared_urgency"],
                question=cleaned["question"],
                patient_informed=form.patient_informed_value,
                exams=_exam_inputs(exam_formset),
                documents=cleaned["documents"],
                caller_name=cleaned.get("caller_name", ""),
                alarm_signs=cleaned["alarm_signs"],
                imaging_findings=cleaned.get("imaging_findings", {}),
            )
        except ReferralError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            return redirect("referrals:acknowledgment", reference=result.referral.reference)
    if request.method == "POST" and request.FILES:
        messages.warning(
            request,
            _(
                "La demande n'est pas encore enregistrée : corrigez les champs signalés et joignez à nouveau les "
                "fichiers."
            ),
        )
    context = {"form": form, "exam_formset": exam_formset, "phone_intake": phone_intake}
    context["form_body"] = referral_form_body(request, context)
    return render(request, "referrals/referral_form.html", context)


# The empty web form's fields as HTML, per language, script prefix and entry points offered (issue 15: its
# widgets render one template per option and per field, some 30 ms a page, and they never change otherwise).
_FORM_BODY_HTML: dict[tuple, str] = {}
_FORM_BODY_HTML_MAX = 200


def referral_form_body(request, context: dict) -> str:
    """The fields of the referral form (referrals/_referral_form_body.html). An empty web form is rendered once
    per process for its language and the entry points the user may file to (their values and labels, read by
    the one query the select needs anyway); a bound form (with what was typed and its errors) and the phone
    intake (its list of professionals) are rendered each time."""
    form = context["form"]
    if form.is_bound or context["phone_intake"]:
        return render_to_string("referrals/_referral_form_body.html", context, request=request)
    entry_points = tuple((str(value), str(label)) for value, label in form.fields["entry_point"].choices)
    key = (get_language(), get_script_prefix(), entry_points)
    html = _FORM_BODY_HTML.get(key)
    if html is None:
        html = render_to_string("referrals/_referral_form_body.html", context, request=request)
        if len(_FORM_BODY_HTML) >= _FORM_BODY_HTML_MAX:
            _FORM_BODY_HTML.clear()
        _FORM_BODY_HTML[key] = html
    return html


@login_required
@capability_required(Capability.SUBMIT_OWN)
def referral_new(request):
    return _submit_form(request, phone_intake=False)


@login_required
@capability_required(Capability.SUBMIT_FOR_OTHERS)
def phone_intake(request):
    return _submit_form(request, phone_intake=True)


@login_required
def acknowledgment(request, reference: str):
    referral = referral_for_user(request.user, reference, selectors.referral_detail_queryset(request.user))
    audit(
        Actor.from_request(request),
        action=AuditAction.READ,
        patient_id=referral.patient_id,
        object_type="referral.acknowledgment",
        object_id=reference,
    )
    return render(
        request,
        "referrals/acknowledgment.html",
        {
            "referral": referral,
            "patient": referral.patient
            if sees_patient_record(request.user, referral)
            else selectors.patient_as_submitted(referral),
            "missing": [item_label(item) for item in referral.missing_items],
            "wished": [item_label(item) for item in services.wished_missing_items(referral)],
            "commitment": services.answer_commitment(referral.entry_point, referral.declared_urgency),
        },
    )


@login_required
@capability_required(Capability.LIST_OWN_REFERRALS)
def my_referrals(request):
    queryset = selectors.referrals_of_referrer(request.user).values(*selectors.MY_REFERRALS_FIELDS)
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    rows = selectors.my_referral_rows(page)
    audit_many(
        Actor.from_request(request),
        action=AuditAction.READ,
        patient_ids=[row.patient_id for row in rows],
        object_type="referral.list",
    )
    # One reverse() of each link for the page instead of one per row ("_" stands for the reference).
    referral_url = reverse("coordination:referral", args=["_"]).rpartition("_")[::2]
    complete_url = reverse("referrals:complete", args=["_"]).rpartition("_")[::2]
    context = {
        "page": page,
        "rows": rows,
        "rows_html": my_referral_rows_html(rows, referral_url=referral_url, complete_url=complete_url),
        # Support providers list what they were sent but do not refer: no button to a form that answers 403.
        "can_submit": has_capability(request.user, Capability.SUBMIT_OWN),
    }
    return render(request, "referrals/my_referrals.html", context)


def my_referral_rows_html(rows, *, referral_url: tuple[str, str], complete_url: tuple[str, str]) -> SafeString:
    """The `<tr>` of each `selectors.MyReferralRow`, written in Python (issue 15: 50 rows through the template
    engine were most of the page). `referral_url` and `complete_url`: each link before and after the reference."""
    to_referral, after_referral = (html.escape(part) for part in referral_url)
    to_complete, after_complete = (html.escape(part) for part in complete_url)
    complete = html.escape(gettext("Compléter la demande"))
    parts = []
    for row in rows:
        reference = html.escape(row.reference)
        todo = f'<a href="{to_complete}{reference}{after_complete}">{complete}</a>' if row.awaits_complement else ""
        parts.append(
            f'<tr>\n      <td><a href="{to_referral}{reference}{after_referral}">{reference}</a></td>\n'
            f"      <td>{html.escape(row.patient_name)}</td>\n"
            f"      <td>{html.escape(row.entry_point_name)}</td>\n"
            f"      <td>{html.escape(formatting.datetime_numeric(row.received_at))}</td>\n"
            f"      <td>{html.escape(row.status_label)}</td>\n"
            f"      <td>{todo}</td>\n    </tr>\n    "
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value escaped above


@login_required
def referral_complete(request, reference: str):
    referral = referral_for_user(request.user, reference, selectors.referral_detail_queryset(request.user))
    require(may_complete_referral(request.user, referral))
    not_done_choices = [(item, item_label(item)) for item in referral.missing_items if may_be_not_done(item)]
    form = forms.ComplementForm(request.POST or None, request.FILES or None, not_done_choices=not_done_choices)
    exam_formset = forms.ExamFormSet(request.POST or None, request.FILES or None, prefix="exams")
    if request.method == "POST" and form.is_valid() and exam_formset.is_valid():
        cleaned = form.cleaned_data
        try:
            services.referral_complete(
                actor=Actor.from_request(request),
                referral=referral,
                message=cleaned["message"],
                clinical_reason=cleaned["clinical_reason"] or None,
                first_symptoms_date=cleaned["first_symptoms_date"],
                patient_informed=form_patient_informed(cleaned),
                patient_phone=cleaned["phone"] or None,
                patient_commune_code=cleaned["commune"].code if cleaned["commune"] else None,
                exams=_exam_inputs(exam_formset),
                documents=cleaned["documents"],
                not_done=cleaned.get("not_done") or (),
            )
        except ReferralError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            accepted = referral.status == Status.ACCEPTED
            messages.success(
                request,
                _("Complément envoyé à la coordination ; le parcours continue.")
                if accepted
                else _("Complément envoyé : la demande revient dans la file de la coordination."),
            )
            return redirect("referrals:acknowledgment", reference=reference)
    else:
        audit(
            Actor.from_request(request),
            action=AuditAction.READ,
            patient_id=referral.patient_id,
            object_type="referral",
            object_id=reference,
        )
    return render(
        request,
        "referrals/complement_form.html",
        {
            "referral": referral,
            "form": form,
            "exam_formset": exam_formset,
            "missing": [item_label(i) for i in referral.missing_items],
            "wished": [item_label(i) for i in services.wished_missing_items(referral)],
            "request_message": selectors.complement_request_message(referral),
        },
    )


def form_patient_informed(cleaned: dict) -> bool | None:
    return {"yes": True, "no": False}.get(cleaned.get("patient_informed") or "")


@login_required
def document_download(request, reference: str, document_id: int):
    referral = referral_for_user(request.user, reference)
    document = ReferralDocument.objects.filter(pk=document_id, referral=referral).first()
    if document is None:
        raise Http404
    audit(
        Actor.from_request(request),
        action=AuditAction.DOWNLOAD,
        patient_id=referral.patient_id,
        object_type="referral.document",
        object_id=document.pk,
    )
    return stored_file_response(
        document.file, content_type=document.content_type, as_attachment=False, filename=document.original_name
    )


@login_required
@require_GET
def commune_suggestions(request):
    """Options for the commune field's datalist (public reference data: no audit)."""
    query = request.GET.get("commune", "") or request.GET.get("q", "")
    options = [lookup.commune_option_label(c) for c in lookup.commune_suggestions(query)]
    return render(request, "referrals/_datalist_options.html", {"options": options})


@login_required
@require_GET
def physician_suggestions(request):
    """Options for the GP field's datalist: physicians by name, commune or RPPS, homonyms told apart by
    their commune and RPPS (the public directory of health professionals: no audit)."""
    query = request.GET.get("gp", "") or request.GET.get("q", "")
    options = [lookup.physician_option_label(p) for p in lookup.physician_suggestions(query)]
    return render(request, "referrals/_datalist_options.html", {"options": options})
