"""The coordination's actions on messages that could not be delivered."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jalon.accounts.access import Capability, capability_required
from jalon.accounts.audit import audit
from jalon.accounts.models import AuditAction
from jalon.core.actor import Actor
from jalon.messaging.selectors import failed_messages_for_coordinator
from jalon.messaging.services import outbox_failure_handle, outbox_retry


@login_required
@capability_required(Capability.WORK_REFERRALS)
@require_POST
def failed_message_action(request, message_id: int, action: str):
    message = failed_messages_for_coordinator(request.user).filter(pk=message_id).first()
    if message is None or action not in ("renvoyer", "traite"):
        raise Http404
    if action == "renvoyer":
        outbox_retry(message_id=message.pk)
        messages.success(request, _("Message remis dans la file d'envoi."))
    else:
        outbox_failure_handle(message_id=message.pk, user=request.user)
        messages.success(request, _("Échec d'envoi pris en compte."))
    audit(
        Actor.from_request(request),
        action=AuditAction.UPDATE,
        patient_id=message.patient_id,
        object_type="outbox_message",
        object_id=message.pk,
    )
    return redirect("coordination:worklist")
