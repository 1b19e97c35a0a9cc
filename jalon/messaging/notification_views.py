"""Pages on notifications: managers edit and preview message texts; each professional chooses their
channels; everyone reads the messages Jalon wrote to them."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from jalon.accounts.access import Capability, capability_required, has_capability
from jalon.accounts.audit import audit_many
from jalon.accounts.models import AuditAction
from jalon.accounts.reauth import recent_auth_required
from jalon.core.actor import Actor
from jalon.core.forms import beyond_any_row_id
from jalon.directory.models import Organization
from jalon.messaging.access import (
    may_edit_notification_texts,
    may_edit_regional_notification_texts,
    notification_text_organization_ids,
)
from jalon.messaging.forms import TemplateForm
from jalon.messaging.kinds import KINDS, VARIABLES
from jalon.messaging.models import Channel, NotificationPreference, NotificationTemplate, OutboxMessage
from jalon.messaging.notify import CHOOSABLE_CHANNELS, available_channels, current_template, default_channels
from jalon.messaging.services import inbox_mark_read, notification_preferences_set, notification_template_publish
from jalon.messaging.sms import SMS_MAX_LENGTH
from jalon.messaging.templating import check_template, sample_values
from jalon.messaging.templating import render as render_text

RECENT_PUBLICATIONS = 15


def _is_publishing(request) -> bool:
    """Publishing a text (not previewing it) is a sensitive action: it asks for a recent password."""
    return request.method == "POST" and request.POST.get("action") == "publish"


def _newest_by_kind(queryset) -> dict:
    """{(organization id or None, kind): newest published template}, in one query."""
    newest = {}
    for template in queryset.filter(published_at__isnull=False).order_by("organization_id", "kind", "-version"):
        newest.setdefault((template.organization_id, template.kind), template)
    return newest


@login_required
@capability_required(Capability.MANAGE_NOTIFICATION_TEXTS)
def template_list(request):
    """Every kind with the region-wide text in force and, for a manager, their organisations' own texts;
    then the latest publications the user is concerned by (region-wide and their organisations')."""
    organization_ids = notification_text_organization_ids(request.user)
    organizations = list(Organization.objects.filter(pk__in=organization_ids).order_by("name"))
    concerned = NotificationTemplate.objects.filter(
        Q(organization__isnull=True) | Q(organization_id__in=organization_ids)
    )
    newest = _newest_by_kind(concerned)
    # An admin follows every publication of the region; a manager the region's and their organisations'.
    visible = NotificationTemplate.objects.all() if may_edit_regional_notification_texts(request.user) else concerned
    rows = [
        {
            "kind": kind,
            "current": newest.get((None, code)) or current_template(code),
            "organizations": [{"organization": org, "template": newest.get((org.pk, code))} for org in organizations],
        }
        for code, kind in KINDS.items()
    ]
    recent = (
        visible.filter(published_at__isnull=False, created_by__isnull=False)
        .select_related("created_by", "organization")
        .order_by("-published_at", "-id")[:RECENT_PUBLICATIONS]
    )
    return render(
        request,
        "messaging/template_list.html",
        {
            "rows": rows,
            "organizations": organizations,
            "may_edit_regional": may_edit_regional_notification_texts(request.user),
            "recent": [{"template": template, "kind": KINDS.get(template.kind)} for template in recent],
        },
    )


def _previews(kind, data: dict) -> dict:
    values = sample_values(kind)
    plain = kind.plain_values(values)
    notice = render_text(data["notice"], plain)
    return {
        "subject": render_text(data["subject"], plain),
        "body": render_text(data["body"], values),
        "notice": notice,
        "notice_length": len(notice),
        "notice_max": SMS_MAX_LENGTH,
    }


@login_required
@capability_required(Capability.MANAGE_REGIONAL_NOTIFICATION_TEXTS)
@require_http_methods(["GET", "POST"])
@recent_auth_required(when=_is_publishing)
def template_edit(request, kind: str):
    """The region-wide texts of a kind: admins only (a manager edits their organisations' texts)."""
    return _edit(request, kind, organization=None)


@login_required
@capability_required(Capability.MANAGE_NOTIFICATION_TEXTS)
@require_http_methods(["GET", "POST"])
@recent_auth_required(when=_is_publishing)
def template_edit_organization(request, organization_id: int, kind: str):
    """An organisation's own texts of a kind: its managers only; any other organisation answers 404."""
    if beyond_any_row_id(organization_id) or not may_edit_notification_texts(request.user, organization_id):
        raise Http404
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        raise Http404
    return _edit(request, kind, organization=organization)


def _edit(request, kind: str, *, organization):
    """Edit a kind's texts: « Aperçu » shows them filled with example values, « Publier » makes a new version.
    Both check the texts first: an unknown or misplaced variable, or a link to another site, is refused
    here, never at sending time."""
    notification_kind = KINDS.get(kind)
    if notification_kind is None:
        raise Http404
    organization_id = organization.pk if organization else None
    current = current_template(kind, organization_id)
    previews = None
    status = 200
    if request.method == "POST":
        form = TemplateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if request.POST.get("action") == "publish":
                    published = notification_template_publish(
                        actor=Actor.from_request(request),
                        kind=kind,
                        subject=data["subject"],
                        body=data["body"],
                        notice=data["notice"],
                        change_note=data["change_note"],
                        organization_id=organization_id,
                    )
                    messages.success(
                        request,
                        _("Version %(version)s publiée : les prochains messages l'utilisent.")
                        % {"version": published.version},
                    )
                    if organization is None:
                        return redirect("notifications:template_edit", kind=kind)
                    return redirect(
                        "notifications:template_edit_organization", organization_id=organization_id, kind=kind
                    )
                check_template(
                    kind=notification_kind, subject=data["subject"], body=data["body"], notice=data["notice"]
                )
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
    history = (
        NotificationTemplate.objects.filter(kind=kind, organization_id=organization_id)
        .select_related("created_by")
        .order_by("-version")[:20]
    )
    return render(
        request,
        "messaging/template_edit.html",
        {
            "kind": notification_kind,
            "current": current,
            "form": form,
            "previews": previews,
            "variables": variables,
            "history": history,
            "organization": organization,
            "inherits_regional": organization is not None and current.organization_id is None,
            "site_url": settings.SITE_URL,
        },
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
    kinds = {
        code: kind
        for code, kind in KINDS.items()
        if not kind.patient and (not kind.staff or has_capability(request.user, Capability.WORK_REFERRALS))
    }
    if request.method == "POST":
        choices = {code: request.POST.getlist(f"channels-{code}") for code in kinds}
        unknown = {value for values in choices.values() for value in values} - set(CHOOSABLE_CHANNELS)
        if unknown:
            messages.error(request, _("Canal inconnu : rien n'a été enregistré."))
        else:
            notification_preferences_set(professional=professional, choices=choices)
            messages.success(request, _("Vos préférences de notification sont enregistrées."))
            return redirect("notifications:preferences")
    channel_labels = dict(Channel.choices)
    rows = []
    for code, kind in kinds.items():
        chosen = stored.get(code, default_channels(professional))
        rows.append(
            {
                "kind": kind,
                "cells": [
                    {
                        "channel": channel,
                        "label": channel_labels[channel],
                        "checked": channel in chosen,
                        "available": channel in available,
                    }
                    for channel in CHOOSABLE_CHANNELS
                ],
            }
        )
    missing = [channel_labels[c] for c in CHOOSABLE_CHANNELS if c not in available]
    return render(
        request,
        "messaging/preferences.html",
        {
            "rows": rows,
            "channels": [channel_labels[c] for c in CHOOSABLE_CHANNELS],
            "missing": missing,
            "professional": professional,
        },
    )


@login_required
def inbox(request):
    """The messages Jalon wrote to this user, newest first; opening the page marks them read."""
    queryset = (
        OutboxMessage.objects.filter(channel=Channel.IN_APP, recipient_user=request.user)
        .select_related("event__referral")
        .order_by("-created_at", "-id")
    )
    page = Paginator(queryset, 30).get_page(request.GET.get("page"))
    rows = [{"message": message, "unread": message.read_at is None} for message in page]
    audit_many(
        Actor.from_request(request),
        action=AuditAction.READ,
        patient_ids=[m.patient_id for m in page if m.patient_id],
        object_type="notification.inbox",
    )
    inbox_mark_read(user=request.user)
    may_choose_channels = has_capability(request.user, Capability.RECEIVE_NOTIFICATIONS)
    return render(
        request, "messaging/inbox.html", {"page": page, "rows": rows, "may_choose_channels": may_choose_channels}
    )
