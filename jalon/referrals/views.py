"""Pages of the single entry point and of the coordinator's worklist."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from jalon.accounts.access import (
    RECORD_EVENT_KINDS,
    Capability,
    capability_required,
    has_capability,
    may_complete_referral,
    may_work_referral,
    patients_visible_to,
    referral_for_user,
    referrals_visible_to,
    require,
    sees_patient_record,
)
from jalon.accounts.audit import audit, audit_many
from jalon.accounts.models import AuditAction
from jalon.core.actor import Actor
from jalon.core.files import stored_file_response
from jalon.directory.models import Commune
from jalon.events.kinds import event_label
from jalon.messaging.selectors import failed_messages_for_coordinator
from jalon.pathways import selectors as pathway_selectors
from jalon.pathways.alerts import alerts_for_coordinator
from jalon.pathways.errors import PathwayError
from jalon.patients.models import Patient
from jalon.patients.services import patient_record_sharing_opposition
from jalon.portal.services import thread_mark_read
from jalon.referrals import forms, selectors, services
from jalon.referrals.completeness import item_label
from jalon.referrals.errors import ReferralError
from jalon.referrals.models import ReferralDocument
from jalon.referrals.status import allowed_actions
from jalon.triage.services import referral_accept_into_pathway, triage_propose


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
        messages.warning(request, _("La demande n'est pas encore enregistrée : corrigez les champs signalés et joignez à nouveau les fichiers."))
    return render(
        request,
        "referrals/referral_form.html",
        {"form": form, "exam_formset": exam_formset, "phone_intake": phone_intake},
    )


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
    audit(Actor.from_request(request), action=AuditAction.READ, patient_id=referral.patient_id, object_type="referral.acknowledgment", object_id=reference)
    return render(
        request,
        "referrals/acknowledgment.html",
        {
            "referral": referral,
            "patient": referral.patient if sees_patient_record(request.user, referral) else _as_submitted(referral),
            "missing": [item_label(item) for item in referral.missing_items],
        },
    )


@login_required
@capability_required(Capability.LIST_OWN_REFERRALS)
def my_referrals(request):
    page = Paginator(selectors.referrals_of_referrer(request.user), 50).get_page(request.GET.get("page"))
    audit_many(Actor.from_request(request), action=AuditAction.READ, patient_ids=[r.patient_id for r in page], object_type="referral.list")
    # Support providers list what they were sent but do not refer: no button to a form that answers 403.
    context = {"page": page, "can_submit": has_capability(request.user, Capability.SUBMIT_OWN)}
    return render(request, "referrals/my_referrals.html", context)


@login_required
@capability_required(Capability.WORK_REFERRALS)
def worklist(request):
    filters = forms.WorklistFilterForm(request.GET or {"status": "open"})
    values = filters.cleaned_data if filters.is_valid() else {"status": "open"}
    queue = selectors.worklist(request.user, **{k: v or "" for k, v in values.items()})
    page = Paginator(queue, 50).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [
        {
            "referral": referral,
            "overdue": referral.status == "received" and referral.answer_deadline < now,
            "hours_left": services.answer_hours_left(referral, now) if referral.status == "received" else None,
        }
        for referral in page
    ]
    alerts = list(alerts_for_coordinator(request.user, now)[:10])
    failed_messages = list(failed_messages_for_coordinator(request.user)[:10])
    audit_many(
        Actor.from_request(request),
        action=AuditAction.READ,
        patient_ids=[r.patient_id for r in page]
        + [alert.pathway.patient_id for alert in alerts]
        + [message.patient_id for message in failed_messages],
        object_type="worklist",
    )
    context = {
        "filters": filters,
        "page": page,
        "rows": rows,
        "now": now,
        "alerts": alerts,
        "alert_count": alerts_for_coordinator(request.user, now).count(),
        "failed_messages": failed_messages,
    }
    template = "referrals/_worklist_table.html" if request.htmx else "referrals/worklist.html"
    return render(request, template, context)


def _render_detail(request, referral, *, bound_form=None, bound_action: str = "", status: int = 200):
    """The referral page; after a refused action the submitted form is shown again with what was typed."""
    visible_related_ids = set(
        referrals_visible_to(request.user).filter(pk__in=[r.pk for r in referral.related_referrals.all()]).values_list("pk", flat=True)
    )
    can_work = may_work_referral(request.user, referral)
    action_forms = {name: form_class(prefix=prefix) for name, (form_class, prefix) in ACTION_FORMS.items()}
    action_forms["accept"].initial = {"priority": referral.priority or "P2", "pathway_kind": referral.pathway_kind or ""}
    actions = allowed_actions(referral.status) if can_work else []
    proposal = pathway_selectors.proposal_summary(triage_propose(referral)) if "accept" in actions else None
    if proposal and proposal["has_rules"]:
        action_forms["accept"].initial = {"pathway_kind": proposal["pathway_kind"], "priority": proposal["priority"]}
    if bound_form is not None:
        action_forms[bound_action] = bound_form
    pathway, decision = pathway_selectors.referral_pathway_summary(referral)
    origin = _origin_of(request.user, referral, can_work=can_work)
    shows_record = sees_patient_record(request.user, referral)
    context = {
        "origin": origin,
        "referral": referral,
        "patient": referral.patient if shows_record else _as_submitted(referral),
        "contact_phone": referral.contact_phone if shows_record else referral.submitted_identity.get("phone", ""),
        "missing": [item_label(item) for item in referral.missing_items],
        "events": [
            (event, event_label(event.kind))
            for event in referral.events.all()
            if shows_record or event.kind not in RECORD_EVENT_KINDS
        ],
        "related": [r for r in referral.related_referrals.all() if r.pk in visible_related_ids],
        "can_work": can_work,
        "can_confirm_gp": can_work and referral.gp_id is not None and referral.gp_confirmed_at is None,
        "reaches_patient": patients_visible_to(request.user).filter(pk=referral.patient_id).exists(),
        "can_complete": may_complete_referral(request.user, referral),
        "actions": actions,
        "proposal": proposal,
        "pathway": pathway,
        "decision": decision,
        "decision_checks": pathway_selectors.explanation_rows(decision.explanation) if decision else [],
        "forms": action_forms,
        "open_action": bound_action,
        "now": timezone.now(),
    }
    return render(request, "referrals/referral_detail.html", context, status=status)


def _as_submitted(referral) -> Patient:
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


def _origin_of(user, referral, *, can_work: bool) -> dict | None:
    """What the referral was made from, when typed once elsewhere: a received mail (the coordination opens
    it) or a tele-expertise request (linked for those who reach it)."""
    from jalon.accounts.access import teleexpertise_requests_visible_to
    from jalon.mailin.models import InboundMail
    from jalon.teleexpertise.models import TeleExpertiseRequest

    if referral.channel == "mail" and can_work:
        mail_id = InboundMail.objects.filter(referral=referral).values_list("pk", flat=True).first()
        if mail_id:
            return {"label": _("Courriel reçu"), "url": reverse("mailin:detail", args=[mail_id])}
    if referral.channel == "teleexpertise":
        tex = TeleExpertiseRequest.objects.filter(converted_referral=referral).values_list("reference", flat=True).first()
        if tex:
            reachable = teleexpertise_requests_visible_to(user).filter(reference=tex).exists()
            return {"label": _("Téléexpertise %(reference)s") % {"reference": tex},
                    "url": reverse("teleexpertise:detail", args=[tex]) if reachable else ""}
    return None


@login_required
def referral_detail(request, reference: str):
    if not has_capability(request.user, Capability.READ_OWN_REFERRALS):
        raise Http404
    referral = referral_for_user(request.user, reference, selectors.referral_detail_queryset(request.user))
    audit(Actor.from_request(request), action=AuditAction.READ, patient_id=referral.patient_id, object_type="referral", object_id=reference)
    thread_mark_read(user=request.user, referral=referral)  # the page shows the thread (portal_thread)
    return _render_detail(request, referral)


ACTION_FORMS = {
    "accept": (forms.AcceptForm, "accept"),
    "decline": (forms.ReasonForm, "decline"),
    "redirect": (forms.RedirectForm, "redirect"),
    "request_complement": (forms.ComplementRequestForm, "complement"),
    "close": (forms.ReasonForm, "close"),
}


def _run_action(action: str, actor: Actor, referral, data: dict):
    if action == "accept":
        return referral_accept_into_pathway(actor=actor, referral=referral, **data)
    if action == "decline":
        return services.referral_decline(actor=actor, referral=referral, reason=data["reason"])
    if action == "redirect":
        return services.referral_redirect(actor=actor, referral=referral, redirected_to=data["redirected_to"], reason=data["reason"])
    if action == "request_complement":
        return services.referral_request_complement(actor=actor, referral=referral, message=data["message"])
    return services.referral_close(actor=actor, referral=referral, reason=data["reason"])


SUCCESS_MESSAGES = {
    "accept": _lazy("Demande acceptée : le parcours est démarré."),
    "decline": _lazy("Demande refusée ; l'adresseur est prévenu."),
    "redirect": _lazy("Demande réorientée ; l'adresseur est prévenu."),
    "request_complement": _lazy("Complément demandé à l'adresseur."),
    "close": _lazy("Demande clôturée."),
}


@login_required
@require_POST
def referral_action(request, reference: str, action: str):
    if action not in ACTION_FORMS:
        raise Http404
    referral = referral_for_user(request.user, reference, selectors.referral_detail_queryset(request.user))
    require(may_work_referral(request.user, referral))
    form_class, prefix = ACTION_FORMS[action]
    form = form_class(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            _run_action(action, Actor.from_request(request), referral, form.cleaned_data)
        except (ReferralError, PathwayError) as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, SUCCESS_MESSAGES[action])
            if action == "accept":
                return redirect("pathways:detail", reference=reference)
            return redirect("referrals:detail", reference=reference)
    messages.error(request, _("L'action n'a pas été enregistrée : voyez le formulaire ci-dessous."))
    return _render_detail(request, referral, bound_form=form, bound_action=action, status=400)


@login_required
@require_POST
def sharing_opposition(request, reference: str):
    """The coordination records (or lifts) the patient's opposition to sharing their data."""
    referral = referral_for_user(request.user, reference)
    require(may_work_referral(request.user, referral))
    opposes = request.POST.get("opposes") == "yes"
    patient_record_sharing_opposition(actor=Actor.from_request(request), patient=referral.patient, opposes=opposes)
    messages.success(request, _("Opposition au partage enregistrée.") if opposes else _("Opposition au partage levée."))
    return redirect("referrals:detail", reference=reference)


@login_required
@capability_required(Capability.MANAGE_CARE_TEAM)
@require_POST
def confirm_gp(request, reference: str):
    """The coordination confirms the GP named on the referral: they join the patient's care team."""
    referral = referral_for_user(request.user, reference)
    require(may_work_referral(request.user, referral))
    try:
        services.referral_confirm_gp(actor=Actor.from_request(request), referral=referral)
    except ReferralError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Médecin traitant confirmé : ce médecin rejoint l'équipe de soins du patient."))
    return redirect("referrals:detail", reference=reference)


@login_required
def referral_complete(request, reference: str):
    referral = referral_for_user(request.user, reference, selectors.referral_detail_queryset(request.user))
    require(may_complete_referral(request.user, referral))
    form = forms.ComplementForm(request.POST or None, request.FILES or None)
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
            )
        except ReferralError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Complément envoyé : la demande revient dans la file de la coordination."))
            return redirect("referrals:acknowledgment", reference=reference)
    else:
        audit(Actor.from_request(request), action=AuditAction.READ, patient_id=referral.patient_id, object_type="referral", object_id=reference)
    return render(
        request,
        "referrals/complement_form.html",
        {"referral": referral, "form": form, "exam_formset": exam_formset, "missing": [item_label(i) for i in referral.missing_items]},
    )


def form_patient_informed(cleaned: dict) -> bool | None:
    return {"yes": True, "no": False}.get(cleaned.get("patient_informed") or "")


@login_required
def document_download(request, reference: str, document_id: int):
    referral = referral_for_user(request.user, reference)
    document = ReferralDocument.objects.filter(pk=document_id, referral=referral).first()
    if document is None:
        raise Http404
    audit(Actor.from_request(request), action=AuditAction.DOWNLOAD, patient_id=referral.patient_id, object_type="referral.document", object_id=document.pk)
    return stored_file_response(document.file, content_type=document.content_type, as_attachment=False, filename=document.original_name)


@login_required
@require_GET
def commune_suggestions(request):
    """Options for the commune field's datalist (public reference data: no audit)."""
    query = request.GET.get("commune", "") or request.GET.get("q", "")
    query = query.strip()
    communes = []
    if len(query) >= 2:
        if query[:2].isdigit():
            communes = Commune.objects.filter(postal_codes__contains=query[:5]) | Commune.objects.filter(code__startswith=query[:5])
        else:
            communes = Commune.objects.filter(name__istartswith=query)
        communes = communes.order_by("name")[:20]
    return render(request, "referrals/_commune_options.html", {"options": [forms.commune_option_label(c) for c in communes]})
