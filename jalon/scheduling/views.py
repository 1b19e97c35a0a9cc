"""Scheduling pages: the planner of a pathway (proposals, booking all or nothing, reschedule), the
cancellation of an appointment, the patient's letter and the professionals' calendar, and the
availability grid of a week."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jalon.accounts.access import Capability, capability_required, require
from jalon.accounts.audit import audit, audit_many
from jalon.accounts.freshness import data_version, poll_token
from jalon.accounts.models import AuditAction
from jalon.core.actor import Actor
from jalon.core.formatting import when_in_words
from jalon.directory.models import Organization
from jalon.pathways.selectors import pathway_for_user
from jalon.referrals.access import may_work_referral
from jalon.scheduling import documents, forms, planner, selectors, services
from jalon.scheduling.errors import SchedulingError, SchedulingErrorCode
from jalon.scheduling.models import Resource


def _workable_pathway(request, reference: str):
    """The pathway, if the user reaches its referral (404) and coordinates its entry point (403)."""
    pathway = pathway_for_user(request.user, reference)
    require(may_work_referral(request.user, pathway.referral))
    return pathway


def _reschedule_target(pathway, data):
    """The step being rescheduled (`reprogrammer` in the query or form), or None; 404 for any other id."""
    raw = str(data.get("reprogrammer") or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 12:
        raise Http404
    return selectors.reschedulable_milestone(pathway, int(raw))


def _render_planner(request, pathway, data, *, error: str = "", status: int = 200):
    """The planner: the steps to book, the patient's unavailable days, and up to three proposals."""
    reschedule = _reschedule_target(pathway, data)
    bookable = [reschedule] if reschedule else planner.bookable_milestones(pathway)
    if reschedule is None and "etapes" not in data and bookable:
        # By default, the steps some active resource can take: a kind nobody offers would leave no plan.
        offered = set(
            Resource.objects.filter(is_active=True, kind__in={m.template.resource_kind for m in bookable})
            .values_list("kind", flat=True)
            .distinct()
        )
        data = data.copy()
        data.setlist(
            "etapes",
            [str(m.pk) for m in bookable if m.template.resource_kind in offered] or [str(m.pk) for m in bookable],
        )
    form = forms.PlannerForm(data, milestones=[] if reschedule else bookable)
    if reschedule:
        del form.fields["etapes"]
    proposals, selected = [], []
    searched = form.is_valid()
    if bookable and searched:
        chosen = set(form.cleaned_data.get("etapes") or ())
        selected = [reschedule] if reschedule else [milestone for milestone in bookable if milestone.pk in chosen]
        plans = planner.propose_plans(
            pathway=pathway, milestones=selected, unavailable_days=form.cleaned_data["indisponibilites"]
        )
        proposals = selectors.proposals_for_page(plans, selected)
    audit(
        Actor.from_request(request),
        action=AuditAction.READ,
        patient_id=pathway.patient_id,
        object_type="pathway.planner",
        object_id=pathway.pk,
    )
    context = {
        "pathway": pathway,
        "referral": pathway.referral,
        "patient": pathway.patient,
        "bookable": bookable,
        "selected": selected,
        "reschedule": reschedule,
        "form": form,
        "searched": searched,
        "unavailable_text": data.get("indisponibilites", ""),
        "proposals": proposals,
        "booking_error": error,
    }
    return render(request, "scheduling/planner.html", context, status=status if searched else 400)


@login_required
@require_GET
def planner_page(request, reference: str):
    pathway = _workable_pathway(request, reference)
    if pathway.is_closed:
        messages.error(request, _("Ce parcours est clôturé : plus rien ne peut y être réservé."))
        return redirect("pathways:detail", reference=reference)
    return _render_planner(request, pathway, request.GET)


@login_required
@require_POST
def book(request, reference: str):
    """Book every slot of the chosen proposal in one call (all or nothing); else say why and propose again."""
    pathway = _workable_pathway(request, reference)
    form = forms.BookForm(request.POST)
    reschedule = _reschedule_target(pathway, request.POST)
    status = 400
    if not form.is_valid():
        error = next(iter(form.errors.values()))[0]
    else:
        try:
            requests = selectors.booking_requests(
                pathway, form.cleaned_data["reservation"], reschedule_milestone_id=reschedule.pk if reschedule else None
            )
            appointments = services.appointments_book(
                actor=Actor.from_request(request),
                pathway=pathway,
                requests=requests,
                replace_existing=reschedule is not None,
            )
        except SchedulingError as refusal:
            error = refusal.message
            status = 409 if refusal.code == SchedulingErrorCode.SLOT_TAKEN else 400
        else:
            booked = " ; ".join(
                f"{appointment.milestone.label} : {when_in_words(appointment.slot.start)}"
                for appointment in appointments
            )
            if reschedule:
                messages.success(request, _("Rendez-vous reprogrammé. %(booked)s") % {"booked": booked})
            else:
                messages.success(request, _("Rendez-vous réservés. %(booked)s") % {"booked": booked})
            return redirect("pathways:detail", reference=reference)
    return _render_planner(request, pathway, request.POST, error=error, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def cancel(request, reference: str, appointment_id: int):
    """Cancel one appointment with a reason: the slot is free again, the pathway keeps the history."""
    pathway = _workable_pathway(request, reference)
    appointment = selectors.appointment_of(pathway, appointment_id)
    form = forms.CancelForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.appointment_cancel(
                    actor=Actor.from_request(request), appointment=appointment, reason=form.cleaned_data["reason"]
                )
            except SchedulingError as refusal:
                form.add_error("reason" if refusal.field == "reason" else None, refusal.message)
            else:
                messages.success(
                    request,
                    _("Rendez-vous « %(label)s » annulé : le créneau est libéré.")
                    % {
                        "label": appointment.milestone.label
                        if appointment.milestone_id
                        else appointment.slot.resource.name,
                    },
                )
                return redirect("pathways:detail", reference=reference)
    else:
        audit(
            Actor.from_request(request),
            action=AuditAction.READ,
            patient_id=pathway.patient_id,
            object_type="appointment",
            object_id=appointment.pk,
        )
    context = {
        "pathway": pathway,
        "referral": pathway.referral,
        "patient": pathway.patient,
        "appointment": appointment,
        "form": form,
    }
    return render(request, "scheduling/cancel.html", context, status=status)


def _attachment(content: bytes, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def letter(request, reference: str, group: str):
    """The patient's letter for one booking group (PDF), for anyone who reaches the pathway."""
    pathway = pathway_for_user(request.user, reference)
    try:
        group_id = uuid.UUID(group)
    except ValueError as exc:
        raise Http404 from exc
    appointments = selectors.booking_group_of(pathway, group_id)
    content = documents.appointment_letter_pdf(pathway=pathway, appointments=appointments)
    audit(
        Actor.from_request(request),
        action=AuditAction.DOWNLOAD,
        patient_id=pathway.patient_id,
        object_type="appointment.letter",
        object_id=group_id,
    )
    return _attachment(content, content_type="application/pdf", filename=f"rendez-vous-{reference}.pdf")


@login_required
@require_GET
def calendar(request, reference: str):
    """The pathway's booked appointments as an iCalendar file for professionals (no patient name)."""
    pathway = pathway_for_user(request.user, reference)
    content = documents.appointments_ics(pathway=pathway, appointments=selectors.booked_appointments_of(pathway))
    audit(
        Actor.from_request(request),
        action=AuditAction.DOWNLOAD,
        patient_id=pathway.patient_id,
        object_type="appointment.calendar",
        object_id=pathway.pk,
    )
    return _attachment(content, content_type="text/calendar; charset=utf-8", filename=f"rendez-vous-{reference}.ics")


# A grid with no slot released by the clock this week is rendered again at least this often on refresh.
AVAILABILITY_TOKEN_MAX = timedelta(minutes=10)


@login_required
@capability_required(Capability.WORK_REFERRALS)
@require_GET
def availability(request):
    """A week of one resource kind: every slot labelled with its state; refreshed every 30 s by htmx."""
    version = data_version()  # before reading; a refresh with a good token never gets here (204)
    form = forms.AvailabilityForm(request.GET)
    valid = form.is_valid()
    # A refused value falls back to its default (consultations, this week), next to its French message.
    kind = form.cleaned_data.get("kind") or forms.ResourceKind.CONSULTATION
    week = selectors.availability_week(
        request.user, kind=kind, monday=form.cleaned_data.get("semaine") or timezone.localdate()
    )
    if week.patient_ids:
        audit_many(
            Actor.from_request(request),
            action=AuditAction.READ,
            patient_ids=week.patient_ids,
            object_type="availability",
        )
    refresh_url = f"{request.path}?{urlencode({'kind': week.kind, 'semaine': week.monday.isoformat()})}"
    until = (week.next_change_at or timezone.now() + AVAILABILITY_TOKEN_MAX).timestamp()
    context = {
        "form": form,
        "week": week,
        "kinds": forms.ResourceKind.choices,
        "refresh_url": refresh_url,
        "refresh_token": poll_token(request, refresh_url, version=version, until=until),
    }
    template = "scheduling/_availability_grid.html" if request.htmx else "scheduling/availability.html"
    return render(request, template, context, status=200 if valid else 400)


@login_required
@capability_required(Capability.WORK_REFERRALS)
@require_http_methods(["GET", "POST"])
def closures(request):
    """Declare a closure (a resource or the whole site, one day) and list the appointments to rebook."""
    resources = selectors.closable_resources(request.user)
    organizations = Organization.objects.filter(
        pk__in=request.user.organization_ids(), resources__is_active=True
    ).distinct()
    form = forms.ClosureForm(request.POST or None, resources=resources, organizations=organizations)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                affected = services.closure_add(
                    actor=Actor.from_request(request),
                    day=data["jour"],
                    reason=data["motif"],
                    resource=data["ressource"],
                    organization=data["etablissement"],
                )
            except SchedulingError as refusal:
                form.add_error(None, refusal.message)
            else:
                messages.success(
                    request,
                    _(
                        "Fermeture enregistrée : les créneaux de ce jour sont bloqués ; %(count)s rendez-vous à "
                        "reprogrammer."
                    )
                    % {"count": len(affected)},
                )
                return redirect("scheduling:closures")
    to_rebook = selectors.appointments_to_rebook(request.user)
    if to_rebook:
        audit_many(
            Actor.from_request(request),
            action=AuditAction.READ,
            patient_ids={a.pathway.patient_id for a in to_rebook},
            object_type="appointment.to_rebook",
        )
    return render(request, "scheduling/closures.html", {"form": form, "to_rebook": to_rebook}, status=status)
