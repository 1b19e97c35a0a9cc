"""The GP portal: the user's patients, one patient's pathway followed live, the letters, and the thread
with the coordination (written from the portal or, by the coordination, from its own pages)."""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jalon.accounts.access import Capability, capability_required
from jalon.accounts.audit import audit, audit_many
from jalon.accounts.freshness import data_version, poll_token
from jalon.accounts.models import AuditAction
from jalon.core.actor import Actor
from jalon.core.documents import stored_file_response
from jalon.core.redirects import local_path
from jalon.patients.access import patients_visible_to
from jalon.portal import selectors, services
from jalon.portal.access import thread_referral_for_user, thread_side_of
from jalon.portal.errors import PortalError
from jalon.portal.forms import ThreadMessageForm
from jalon.portal.models import ThreadSide
from jalon.referrals.access import may_complete_referral

PAGE_SIZE = 25
# Event ids and times the poll sends back: digits only, short enough for any database integer.
MAX_TOKEN_DIGITS = 15
# A live part is rendered again on refresh at least this often, sooner when a date it shows passes.
LIVE_TOKEN_SECONDS = 600


@login_required
@capability_required(Capability.FOLLOW_IN_PORTAL)
@require_GET
def patients(request):
    """The user's patients, most recent activity first, with progress, next step and unread messages."""
    page = Paginator(selectors.my_patients(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.patient_rows(request.user, list(page))
    audit_many(
        Actor.from_request(request),
        action=AuditAction.READ,
        patient_ids=[row.patient_id for row in rows],
        object_type="portal.patients",
    )
    context = {
        "page": page,
        "rows": rows,
        # One reverse() for the page instead of one per row.
        "patient_url_prefix": reverse("portal:patient", args=["_"]).removesuffix("_/"),
    }
    return render(request, "portal/patients.html", context)


def _live_context(request, referral, version: int) -> dict:
    """The live part of the patient page, read and audited, the thread marked read (it is on screen); its
    refresh carries the token of `version` (the data stamp read before the referral)."""
    page = selectors.portal_patient_page(referral)
    audit(
        Actor.from_request(request),
        action=AuditAction.READ,
        patient_id=referral.patient_id,
        object_type="portal.patient",
        object_id=referral.reference,
    )
    services.thread_mark_read(user=request.user, referral=referral)
    return {
        "page": page,
        "referral": referral,
        "patient": referral.patient,
        "refresh_seconds": settings.PORTAL_REFRESH_SECONDS,
        "can_complete": may_complete_referral(request.user, referral),
        # The poll answers 204 before anything is read while this token is good (accounts.freshness).
        "refresh_token": poll_token(
            request,
            reverse("portal:patient_live", args=[referral.reference])
            + f"?depuis={page.last_event_id}&echeance={page.next_change_epoch}",
            version=version,
            until=min(page.next_change_epoch or math.inf, time.time() + LIVE_TOKEN_SECONDS),
        ),
    }


@login_required
@require_http_methods(["GET", "POST"])
def patient(request, reference: str):
    """One patient's pathway; a POST writes to the coordination (refused input: 400, the text kept)."""
    version = data_version()
    referral = selectors.portal_referral(request.user, reference)
    form = ThreadMessageForm(request.POST if request.method == "POST" else None, side=ThreadSide.CITY)
    status = 200
    if request.method == "POST":
        try:
            services.thread_message_post(actor=Actor.from_request(request), referral=referral, body=form.typed_body)
        except PortalError as error:
            form.is_valid()
            form.add_error("body", error.message)
            status = 400
        else:
            messages.success(request, _("Votre message a été envoyé à la coordination."))
            return redirect("portal:patient", reference=referral.reference)
    context = _live_context(request, referral, version)
    context["form"] = form
    context["reaches_patient"] = patients_visible_to(request.user).filter(pk=referral.patient_id).exists()
    return render(request, "portal/patient.html", context, status=status)


def _token(request, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= MAX_TOKEN_DIGITS else None


@require_GET
def patient_live(request, reference: str):
    """The poll of the patient page: 204 (nothing read, nothing audited) when no event happened since the
    one the page last saw and no date it shows has passed; else the live part, read and audited."""
    if not request.user.is_authenticated:
        # The session ended while the page was open: the whole window goes to the login form (htmx
        # would otherwise put the login page inside the live part).
        page = reverse("portal:patient", args=[reference])
        return HttpResponse(
            status=204, headers={"HX-Redirect": f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': page})}"}
        )
    version = data_version()
    referral = selectors.portal_referral(request.user, reference)
    since = _token(request, "depuis")
    change_at = _token(request, "echeance")
    clock_moved = bool(change_at) and timezone.now().timestamp() >= change_at
    if since is not None and not clock_moved and not selectors.has_news(referral.pk, since_event_id=since):
        return HttpResponse(status=204)
    return render(request, "portal/_live.html", _live_context(request, referral, version))


@login_required
@require_GET
def letter_download(request, reference: str, letter_id: int):
    """A letter of the patient's pathway (PDF), for the referrer or the GP; the download is audited."""
    referral = selectors.portal_referral(request.user, reference)
    letter = selectors.letter_of(referral, letter_id)
    audit(
        Actor.from_request(request),
        action=AuditAction.DOWNLOAD,
        patient_id=referral.patient_id,
        object_type="pathway.letter",
        object_id=letter.pk,
    )
    return stored_file_response(
        letter.file,
        content_type="application/pdf",
        as_attachment=False,
        filename=f"{referral.reference}-{letter.kind}.pdf",
    )


def _back_to(request, referral, side: str, wanted: str) -> str:
    """Where to go after a reply: the page it came from when it is ours, else the side's own page."""
    if local_path(request, wanted):
        return wanted
    if side == ThreadSide.COORDINATION:
        return reverse("coordination:referral", args=[referral.reference])
    return reverse("portal:patient", args=[referral.reference])


@login_required
@require_POST
def thread_post(request, reference: str):
    """A message from the thread panel of the referral and pathway pages; back to that page, or the form
    again (400) with the text kept and the reason."""
    referral = thread_referral_for_user(request.user, reference)
    side = thread_side_of(request.user, referral)
    form = ThreadMessageForm(request.POST, side=side)
    form.is_valid()
    back = _back_to(request, referral, side, form.cleaned_data.get("next", ""))
    try:
        services.thread_message_post(actor=Actor.from_request(request), referral=referral, body=form.typed_body)
    except PortalError as error:
        form.add_error("body", error.message)
        audit(
            Actor.from_request(request),
            action=AuditAction.READ,
            patient_id=referral.patient_id,
            object_type="thread",
            object_id=referral.reference,
        )
        context = {
            "form": form,
            "referral": referral,
            "back": back,
            "messages_list": selectors.thread_messages(referral),
            "side": side,
        }
        return render(request, "portal/thread_reply.html", context, status=400)
    messages.success(request, _("Message envoyé."))
    return redirect(back)
