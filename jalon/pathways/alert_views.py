"""The coordinator's alerts: the list and the acknowledgment."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jalon.accounts.access import Capability, capability_required
from jalon.accounts.audit import audit_many
from jalon.accounts.models import AuditAction
from jalon.core.actor import Actor
from jalon.core.redirects import local_path
from jalon.pathways.alerts import alert_acknowledge, alerts_for_coordinator
from jalon.pathways.errors import PathwayError


@login_required
@capability_required(Capability.WORK_REFERRALS)
def alert_list(request):
    alerts = list(alerts_for_coordinator(request.user)[:200])
    audit_many(
        Actor.from_request(request),
        action=AuditAction.READ,
        patient_ids=[a.pathway.patient_id for a in alerts],
        object_type="alerts",
    )
    return render(request, "pathways/alerts.html", {"alerts": alerts})


@login_required
@capability_required(Capability.WORK_REFERRALS)
@require_POST
def alert_acknowledge_view(request, alert_id: int):
    alert = alerts_for_coordinator(request.user).filter(pk=alert_id).first()
    if alert is None:
        raise Http404
    try:
        alert_acknowledge(actor=Actor.from_request(request), alert=alert, note=request.POST.get("note", "")[:2000])
    except PathwayError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Alerte prise en compte."))
    return redirect(local_path(request, request.POST.get("next", "")) or "pathways_alerts:list")
