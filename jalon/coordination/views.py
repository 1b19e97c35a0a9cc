"""The coordination desk: the worklist and the referral page with its decisions (accept, decline, redirect,
ask for a complement, close; sharing opposition; the GP's confirmation)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from jalon.accounts.access import Capability, capability_required, has_capability, require
from jalon.accounts.audit import audit, audit_many
from jalon.accounts.freshness import TOKEN_PARAMETER, data_version, poll_token
from jalon.accounts.models import AuditAction
from jalon.boards.selectors import incomplete_record_pathways, record_completeness_by_referral
from jalon.coordination import panels
from jalon.coordination.forms import RECORD_FILTERS, WorklistFilterForm
from jalon.coordination.rendering import worklist_rows_html
from jalon.coordination.selectors import (
    referral_complement_tasks,
    referral_page_queryset,
    referral_pathway_summary,
    worklist_rows,
)
from jalon.core.actor import Actor
from jalon.core.vocabulary import AlarmSign
from jalon.events.kinds import event_label
from jalon.mailin.models import InboundMail
from jalon.messaging.selectors import failed_messages_for_coordinator
from jalon.pathways import selectors as pathway_selectors
from jalon.pathways.alerts import alerts_panel_for_coordinator
from jalon.pathways.errors import PathwayError
from jalon.patients.access import patients_visible_to
from jalon.patients.models import Patient
from jalon.patients.services import patient_record_sharing_opposition
from jalon.portal.services import thread_mark_read
from jalon.referrals import forms, selectors, services
from jalon.referrals.access import (
    RECORD_EVENT_KINDS,
    may_complete_referral,
    may_work_referral,
    referral_for_user,
    referrals_visible_to,
    sees_patient_record,
)
from jalon.referrals.completeness import item_label
from jalon.referrals.errors import ReferralError
from jalon.referrals.status import allowed_actions
from jalon.teleexpertise.access import teleexpertise_requests_visible_to
from jalon.teleexpertise.models import TeleExpertiseRequest
from jalon.triage.services import referral_accept_into_pathway, triage_propose

# The filter form's HTML per language and filter values (its choices are fixed): the select widgets render
# one template per option, more than all the rows of a page cost.
_FILTERS_HTML: dict[tuple, str] = {}
_FILTERS_HTML_MAX = 500


def worklist_filters_html(filters) -> str:
    data = filters.data
    pairs = data.lists() if hasattr(data, "lists") else ((name, [value]) for name, value in data.items())
    key = (get_language(), tuple(sorted((name, tuple(values)) for name, values in pairs)))
    html = _FILTERS_HTML.get(key)
    if html is None:
        html = render_to_string("coordination/_worklist_filters.html", {"filters": filters})
        if len(_FILTERS_HTML) >= _FILTERS_HTML_MAX:
            _FILTERS_HTML.clear()
        _FILTERS_HTML[key] = html
    return html


@login_required
@capability_required(Capability.WORK_REFERRALS)
def worklist(request):
    # A refresh whose token is still good never gets here (accounts.freshness.UnchangedPollMiddleware: 204).
    version = data_version()  # before reading: a change during the render moves the stamp past it
    filters = WorklistFilterForm(request.GET or {"status": "open"})
    values = dict(filters.cleaned_data) if filters.is_valid() else {"status": "open"}
    record = {name: values.pop(name, "") for name in RECORD_FILTERS}
    queue = selectors.worklist(request.user, **{k: v or "" for k, v in values.items()})
    if record["record"] == "incomplete":
        # One rule (boards.selectors), as a subquery of the list's statement.
        queue = queue.filter(pathway__in=incomplete_record_pathways().values("pk"))
    queue = queue.values(*selectors.WORKLIST_FIELDS)
    page = Paginator(queue, 50).get_page(request.GET.get("page"))
    now = timezone.now()
    record_missing = None
    if record["record"] == "incomplete":  # what each listed record misses: one query, only under this filter
        record_missing = {
            referral_id: tuple(completeness.missing_labels())
            for referral_id, completeness in record_completeness_by_referral(r["id"] for r in page).items()
        }
    rows, rows_change_at = worklist_rows(page, now, record_missing=record_missing)
    alerts, alert_count, alerts_change_at = alerts_panel_for_coordinator(request.user, now)
    until = min(filter(None, [rows_change_at, alerts_change_at])).timestamp()
    failed_messages = list(
        failed_messages_for_coordinator(request.user).only(
            "channel",
            "recipient_address",
            "subject",
            "last_error",
            "patient_id",
            "event__referral__reference",
            *(f"patient__{name}" for name in Patient.NAME_FIELDS),
        )[:10]
    )
    audit_many(
        Actor.from_request(request),
        action=AuditAction.READ,
        patient_ids=[r["patient_id"] for r in page]
        + [alert.pathway.patient_id for alert in alerts]
        + [message.patient_id for message in failed_messages],
        object_type="worklist",
    )
    # One reverse() for the page instead of one per row.
    referral_url_prefix = reverse("coordination:referral", args=["_"]).removesuffix("_/")
    refresh_query = urlencode([(k, v) for k, vs in request.GET.lists() if k != TOKEN_PARAMETER for v in vs])
    refresh_url = request.path + (f"?{refresh_query}" if refresh_query else "")
    context = {
        "filters": filters,
        "filters_html": "" if request.htmx else worklist_filters_html(filters),
        "page": page,
        "rows": rows,
        "rows_html": worklist_rows_html(rows, referral_url_prefix=referral_url_prefix),
        "now": now,
        "alerts": alerts,
        "alert_count": alert_count,
        "failed_messages": failed_messages,
        "identity_conflicts_panel": panels.identity_conflicts_panel(request.user),
        "threads_panel": panels.threads_panel(request),
        "mails_panel": panels.mails_panel(request.user),
        "refresh_url": refresh_url,
        "refresh_token": poll_token(request, refresh_url, version=version, until=until),
    }
    template = "coordination/_worklist_table.html" if request.htmx else "coordination/worklist.html"
    return render(request, template, context)


def _render_detail(request, referral, *, bound_form=None, bound_action: str = "", status: int = 200):
    """The referral page; after a refused action the submitted form is shown again with what was typed."""
    visible_related_ids = set(
        referrals_visible_to(request.user)
        .filter(pk__in=[r.pk for r in referral.related_referrals.all()])
        .values_list("pk", flat=True)
    )
    can_work = may_work_referral(request.user, referral)
    action_forms = {name: form_class(prefix=prefix) for name, (form_class, prefix) in ACTION_FORMS.items()}
    action_forms["accept"].initial = {
        "priority": referral.priority or "P2",
        "pathway_kind": referral.pathway_kind or "",
    }
    actions = allowed_actions(referral.status) if can_work else []
    proposal = pathway_selectors.proposal_summary(triage_propose(referral)) if "accept" in actions else None
    if proposal and proposal["has_rules"]:
        action_forms["accept"].initial = {"pathway_kind": proposal["pathway_kind"], "priority": proposal["priority"]}
    if bound_form is not None:
        action_forms[bound_action] = bound_form
    pathway, decision = referral_pathway_summary(referral)
    origin = _origin_of(request.user, referral, can_work=can_work)
    shows_record = sees_patient_record(request.user, referral)
    context = {
        "origin": origin,
        "referral": referral,
        "patient": referral.patient if shows_record else selectors.patient_as_submitted(referral),
        "contact_phone": referral.contact_phone if shows_record else referral.submitted_identity.get("phone", ""),
        "missing": [item_label(item) for item in referral.missing_items],
        "wished": [item_label(item) for item in services.wished_missing_items(referral)],
        "complement_tasks": referral_complement_tasks(referral) if pathway else [],
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
        "identity_conflicts": panels.referral_identity_conflicts(request.user, referral),
    }
    return render(request, "coordination/referral_detail.html", context, status=status)


def _origin_of(user, referral, *, can_work: bool) -> dict | None:
    """What the referral was made from, when typed once elsewhere: a received mail (the coordination opens
    it) or a tele-expertise request (linked for those who reach it)."""
    if referral.channel == "mail" and can_work:
        mail_id = InboundMail.objects.filter(referral=referral).values_list("pk", flat=True).first()
        if mail_id:
            return {"label": _("Courriel reçu"), "url": reverse("mailin:detail", args=[mail_id])}
    if referral.channel == "teleexpertise":
        tex = (
            TeleExpertiseRequest.objects.filter(converted_referral=referral).values_list("reference", flat=True).first()
        )
        if tex:
            reachable = teleexpertise_requests_visible_to(user).filter(reference=tex).exists()
            return {
                "label": _("Téléexpertise %(reference)s") % {"reference": tex},
                "url": reverse("teleexpertise:detail", args=[tex]) if reachable else "",
            }
    return None


@login_required
def referral_detail(request, reference: str):
    if not has_capability(request.user, Capability.READ_OWN_REFERRALS):
        raise Http404
    referral = referral_for_user(request.user, reference, referral_page_queryset(request.user))
    audit(
        Actor.from_request(request),
        action=AuditAction.READ,
        patient_id=referral.patient_id,
        object_type="referral",
        object_id=reference,
    )
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
        return services.referral_redirect(
            actor=actor, referral=referral, redirected_to=data["redirected_to"], reason=data["reason"]
        )
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
    referral = referral_for_user(request.user, reference, selectors.referral_action_queryset(request.user))
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
            return redirect("coordination:referral", reference=reference)
    messages.error(request, _("L'action n'a pas été enregistrée : voyez le formulaire ci-dessous."))
    referral = referral_for_user(request.user, reference, referral_page_queryset(request.user))
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
    return redirect("coordination:referral", reference=reference)


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
    return redirect("coordination:referral", reference=reference)


def _text_sign_decide(request, reference: str, *, confirmed: bool):
    """One click on a sign triage read in the text: confirm it (ticked on the referral) or remove it (no longer
    counted). Only a sign the proposal currently reads in the text is accepted."""
    referral = referral_for_user(request.user, reference, referral_page_queryset(request.user))
    require(may_work_referral(request.user, referral))
    sign = request.POST.get("sign", "")
    if sign not in triage_propose(referral).read_from_text:
        messages.error(request, _("Ce signe n'est pas lu dans le texte de cette demande."))
        return _render_detail(request, referral, status=400)
    try:
        services.referral_text_sign_decide(
            actor=Actor.from_request(request), referral=referral, sign=sign, confirmed=confirmed
        )
    except ReferralError as error:
        messages.error(request, error.message)
        return _render_detail(request, referral, status=400)
    label = dict(AlarmSign.choices).get(sign, sign)
    if confirmed:
        messages.success(
            request, _("Signe confirmé : « %(sign)s » est ajouté aux signes d'alerte de la demande.") % {"sign": label}
        )
    else:
        messages.success(
            request, _("Signe écarté : « %(sign)s » n'est plus compté par la proposition.") % {"sign": label}
        )
    return redirect("coordination:referral", reference=reference)


@login_required
@capability_required(Capability.WORK_REFERRALS)
@require_POST
def text_sign_confirm(request, reference: str):
    return _text_sign_decide(request, reference, confirmed=True)


@login_required
@capability_required(Capability.WORK_REFERRALS)
@require_POST
def text_sign_dismiss(request, reference: str):
    return _text_sign_decide(request, reference, confirmed=False)
