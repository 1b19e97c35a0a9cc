"""Pages on notifications: managers edit and preview message texts; each professional chooses their
channels; everyone reads the messages Jalon wrote to them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from jalon.accounts.access import Capability, capability_required
from jalon.accounts.audit import audit_many
from jalon.accounts.models import AuditAction
from jalon.core.actor import Actor
from jalon.messaging.forms import TemplateForm
from jalon.messaging.kinds import KINDS, VARIABLES
from jalon.messaging.models import Channel, NotificationPreference, NotificationTemplate, OutboxMessage
from jalon.messaging.notify import CHOOSABLE_CHANNELS, available_channels, current_template, default_channels
from jalon.messaging.services import inbox_mark_read, notification_preferences_set, notification_template_publish
from jalon.messaging.sms import SMS_MAX_LENGTH
from jalon.messaging.templating import render as render_text
from jalon.messaging.templating import sample_values


@login_required
@capability_required(Capability.MANAGE_NOTIFICATION_TEXTS)
def template_list(request):
    versions = {}
    for template in NotificationTemplate.objects.filter(published_at__isnull=False).order_by("kind", "-version"):
        versions.setdefault(template.kind, template)
    rows = [{"kind": kind, "current": versions.get(code) or current_template(code)} for code, kind in KINDS.items()]
    return render(request, "messaging/template_list.html", {"rows": rows})


def _previews(kind, data: dict) -> dict:
    values = sample_values(kind)
    notice = render_text(data["notice"], values)
    return {
        "subject": render_text(data["subject"], values),
        "body": render_text(data["body"], values),
        "notice": notice,
        "notice_length": len(notice),
        "notice_max": SMS_MAX_LENGTH,
    }


@login_required
@capability_required(Capability.MANAGE_NOTIFICATION_TEXTS)
@require_http_methods(["GET", "POST"])
def template_edit(request, kind: str):
    """Edit a kind's texts: « Aperçu » shows them filled with example values, « Publier » makes a new version.
    Both check the texts first: an unknown or misplaced variable is refused here, never at sending time."""
    notification_kind = KINDS.get(kind)
    if notification_kind is None:
        raise Http404
    current = current_template(kind)
    previews = None
    status = 200
    if request.method == "POST":
        form = TemplateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            from jalon.messaging.templating import check_template

            try:
                if request.POST.get("action") == "publish":
                    published = notification_template_publish(
                        actor=Actor.from_request(request), kind=kind, subject=data["subject"], body=data["body"],
                        notice=data["notice"], change_note=data["change_note"],
                    )
                    messages.success(request, _("Version %(version)s publiée : les prochains messages l'utilisent.") % {"version": published.version})
                    return redirect("notifications:template_edit", kind=kind)
                check_template(kind=notification_kind, subject=data["subject"], body=data["body"], notice=data["notice"])
                previews = _previews(notification_kind, data)
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    for problem in problems:
                        form.add_error(field if field in form.fields else None, problem)
        if form.errors:
            messages.error(request, _("Rien n'a été publié : corrigez les textes signalés."))
            status = 400
    else:
        form = TemplateForm(initial={"subject": current.subject, "body": current.body, "notice": current.notice})
    variables = [VARIABLES[name] for name in notification_kind.all_variables]
    history = NotificationTemplate.objects.filter(kind=kind).select_related("created_by").order_by("-version")[:20]
    return render(
        request,
        "messaging/template_edit.html",
        {"kind": notification_kind, "current": current, "form": form, "previews": previews, "variables": variables, "history": history},
        status=status,
    )


@login_required
@capability_required(Capability.RECEIVE_NOTIFICATIONS)
@require_http_methods(["GET", "POST"])
def preferences(request):
    """Per kind of message, the channels this professional wants (in Jalon always)."""
    professional = request.user.professional
    if professional is None:
        raise PermissionDenied
    available = available_channels(professional)
    stored = dict(NotificationPreference.objects.filter(professional=professional).values_list("kind", "channels"))
    if request.method == "POST":
        choices = {code: request.POST.getlist(f"channels-{code}") for code in KINDS}
        unknown = {value for values in choices.values() for value in values} - set(CHOOSABLE_CHANNELS)
        if unknown:
            messages.error(request, _("Canal inconnu : rien n'a été enregistré."))
        else:
            notification_preferences_set(professional=professional, choices=choices)
            messages.success(request, _("Vos préférences de notification sont enregistrées."))
            return redirect("notifications:preferences")
    channel_labels = dict(Channel.choices)
    rows = []
    for code, kind in KINDS.items():
        chosen = stored.get(code, default_channels(professional))
        rows.append({
            "kind": kind,
            "cells": [
                {"channel": channel, "label": channel_labels[channel], "checked": channel in chosen, "available": channel in available}
                for channel in CHOOSABLE_CHANNELS
            ],
        })
    missing = [channel_labels[c] for c in CHOOSABLE_CHANNELS if c not in available]
    return render(
        request,
        "messaging/preferences.html",
        {"rows": rows, "channels": [channel_labels[c] for c in CHOOSABLE_CHANNELS], "missing": missing, "professional": professional},
    )


@login_required
def inbox(request):
    """The messages Jalon wrote to this user, newest first; opening the page marks them read."""
    queryset = OutboxMessage.objects.filter(channel=Channel.IN_APP, recipient_user=request.user).select_related("event__referral").order_by("-created_at", "-id")
    page = Paginator(queryset, 30).get_page(request.GET.get("page"))
    rows = [{"message": message, "unread": message.read_at is None} for message in page]
    audit_many(Actor.from_request(request), action=AuditAction.READ, patient_ids=[m.patient_id for m in page if m.patient_id], object_type="notification.inbox")
    inbox_mark_read(user=request.user)
    return render(request, "messaging/inbox.html", {"page": page, "rows": rows})
