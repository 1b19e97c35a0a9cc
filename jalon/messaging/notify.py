"""Turning an event into messages: the current text of its kind, each recipient's channels, the outbox.

`notify` runs inside the caller's transaction (the service that records the event), so the event
and its messages commit together or not at all (DESIGN.md §4). What each channel carries:

- MSSanté (secure health mail) and in Jalon: the subject and the secure body, with clinical detail,
  and the PDF letter when there is one;
- plain e-mail and SMS: the subject (e-mail) and the short notice only, which the editing checks keep
  free of clinical variables: a notice says something happened and where to log in. The subject and
  the notice are also *rendered* without the kind's clinical values (`NotificationKind.plain_values`),
  so a text that escaped the checks (a row written by hand) still cannot carry them.

The text is the organisation's own when the message is about a referral of one of its entry points
and its managers published one, else the region-wide text, else the shipped one.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

import phonenumbers
from django.conf import settings

from jalon.events.models import Event
from jalon.messaging.kinds import KINDS
from jalon.messaging.models import Channel, NotificationPreference, NotificationTemplate, OutboxMessage
from jalon.messaging.services import outbox_enqueue
from jalon.messaging.sms import SMS_MAX_LENGTH
from jalon.messaging.templating import render

logger = logging.getLogger(__name__)

# The channels a professional can choose, in the order pages show them (in Jalon is always on).
CHOOSABLE_CHANNELS = (Channel.MSSANTE, Channel.EMAIL, Channel.SMS)


SHIPPED_TEXTS = Path(__file__).resolve().parent / "data" / "notification_templates_v1.json"
SHIPPED_ALERT_TEXTS = Path(__file__).resolve().parent / "data" / "notification_templates_alerts_v1.json"


@lru_cache(maxsize=1)
def _shipped_texts() -> dict[str, dict[str, str]]:
    texts = {}
    for path in (SHIPPED_TEXTS, SHIPPED_ALERT_TEXTS):
        texts.update(json.loads(path.read_text(encoding="utf-8"))["templates"])
    return texts


def published_templates(kind: str, organization_id: int | None = None):
    """The published versions of `kind` for one organisation (None: region-wide), newest first."""
    return NotificationTemplate.objects.filter(
        kind=kind, published_at__isnull=False, organization_id=organization_id
    ).order_by("-version")


def current_template(kind: str, organization_id: int | None = None) -> NotificationTemplate:
    """The newest published text of `kind` for the organisation, else the newest region-wide one; the
    shipped text (unsaved, version 0) if no row is published, so that an event never loses its message
    for want of a template row."""
    template = published_templates(kind, organization_id).first() if organization_id is not None else None
    if template is None:
        template = published_templates(kind).first()
    if template is None:
        texts = _shipped_texts().get(kind)
        if texts is None:
            raise LookupError(f"no notification text for {kind!r}")
        logger.warning("no published notification template for %s: using the shipped text", kind)
        template = NotificationTemplate(kind=kind, version=0, **texts)
    return template


def is_mobile(phone: str) -> bool:
    try:
        number = phonenumbers.parse(phone, "FR")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def available_channels(professional) -> list[str]:
    """The channels this professional has an address for."""
    channels = []
    if professional.mssante_address:
        channels.append(Channel.MSSANTE)
    if professional.email:
        channels.append(Channel.EMAIL)
    if professional.phone and is_mobile(professional.phone):
        channels.append(Channel.SMS)
    return channels


def default_channels(professional) -> list[str]:
    """Without a choice of theirs: secure mail when they have an address, else plain e-mail."""
    available = available_channels(professional)
    if Channel.MSSANTE in available:
        return [Channel.MSSANTE]
    return [Channel.EMAIL] if Channel.EMAIL in available else []


def chosen_channels(professional, kind: str, preferences: Mapping[str, list[str]] | None = None) -> list[str]:
    """The outside channels a message of `kind` goes to for this professional (their choice, else the default),
    limited to the addresses they have."""
    if preferences is None:
        preferences = dict(
            NotificationPreference.objects.filter(professional_id=professional.pk).values_list("kind", "channels")
        )
    if kind not in preferences:
        return default_channels(professional)
    available = available_channels(professional)
    return [channel for channel in CHOOSABLE_CHANNELS if channel in preferences[kind] and channel in available]


def _user_id_of(professional) -> int | None:
    try:
        user = professional.user
    except Exception:  # noqa: BLE001 - RelatedObjectDoesNotExist: a professional without a login
        return None
    return user.pk if user.is_active else None


def _organization_of(event) -> int | None:
    """The organisation whose entry point received the event's referral (None without a referral)."""
    if event is None or not event.referral_id:
        return None
    return Event.objects.filter(pk=event.pk).values_list("referral__entry_point__organization_id", flat=True).first()


def notify(
    *,
    kind: str,
    event=None,
    recipients: Iterable,
    values: Mapping[str, str],
    link_path: str = "",
    attachment_path: str = "",
    attachment_name: str = "",
    link_for=None,
    organization_id: int | None = None,
    key: str = "",
    patient_id: int | None = None,
) -> list[OutboxMessage]:
    """Queue the messages of `event` for each recipient (Professional) on each of their channels.

    `values` fills the kind's variables (`destinataire` and `lien` are added per recipient: `lien` is
    SITE_URL + `link_path`, or + `link_for(professional)` when given). The text is the one of
    `organization_id` (default: the organisation of the event's referral's entry point), else the
    region-wide one. Idempotent per event (or `key`, for messages without an event such as alerts),
    kind, recipient and channel: calling it again queues nothing more.
    """
    if kind not in KINDS:
        raise LookupError(f"unknown notification kind {kind!r}")
    if event is None and not key:
        raise ValueError("notify needs an event or a key")
    notification_kind = KINDS[kind]
    if notification_kind.patient:
        raise ValueError(f"{kind!r} is a message to the patient: notify_patient sends it")
    if organization_id is None:
        organization_id = _organization_of(event)
    if event is not None:
        patient_id = event.patient_id
    template = current_template(kind, organization_id)
    queued = []
    seen = set()
    for professional in recipients:
        if professional is None or professional.pk in seen:
            continue
        seen.add(professional.pk)
        path = link_for(professional) if link_for else link_path
        recipient_values = {**values, "destinataire": professional.display_name, "lien": f"{settings.SITE_URL}{path}"}
        plain_values = notification_kind.plain_values(recipient_values)
        subject = render(template.subject, plain_values)[:200]
        secure_body = render(template.body, recipient_values)
        notice = render(template.notice, plain_values)
        if len(notice) > SMS_MAX_LENGTH:  # unusually long values: the notice still goes, shortened to a safe text
            notice = render("Jalon : nouvelle information ({reference}). Connectez-vous : {lien}", plain_values)
        message_key = f"{key}-p{professional.pk}" if key else f"event-{event.pk}-{kind}-p{professional.pk}"
        common = dict(
            patient_id=patient_id,
            event_id=event.pk if event is not None else None,
            recipient_professional_id=professional.pk,
            kind=kind,
        )
        for channel in chosen_channels(professional, kind):
            if channel == Channel.MSSANTE:
                queued.append(
                    outbox_enqueue(
                        idempotency_key=f"{message_key}-mssante",
                        channel=channel,
                        recipient_address=professional.mssante_address,
                        subject=subject,
                        body=secure_body,
                        attachment_path=attachment_path,
                        attachment_name=attachment_name,
                        **common,
                    )
                )
            elif channel == Channel.EMAIL:
                queued.append(
                    outbox_enqueue(
                        idempotency_key=f"{message_key}-email",
                        channel=channel,
                        recipient_address=professional.email,
                        subject=subject,
                        body=notice,
                        **common,
                    )
                )
            elif channel == Channel.SMS:
                queued.append(
                    outbox_enqueue(
                        idempotency_key=f"{message_key}-sms",
                        channel=channel,
                        recipient_address=professional.phone,
                        subject=subject,
                        body=notice,
                        **common,
                    )
                )
        user_id = _user_id_of(professional)
        if user_id is not None:
            queued.append(
                outbox_enqueue(
                    idempotency_key=f"{message_key}-in_app",
                    channel=Channel.IN_APP,
                    recipient_address=f"jalon:{user_id}",
                    recipient_user_id=user_id,
                    subject=subject,
                    body=secure_body,
                    attachment_path=attachment_path,
                    attachment_name=attachment_name,
                    **common,
                )
            )
    return queued


def notify_patient(*, kind: str, event, patient, values: Mapping[str, str]) -> list[OutboxMessage]:
    """Queue the patient's notice of `event` (a kind declared for the patient) by SMS to their mobile number,
    in the caller's transaction; nothing without a mobile number.

    The text is the kind's current one for the organisation of the event's referral (as `notify`), rendered
    only with the non-clinical values: an SMS is plain text, read by whoever holds the phone. Idempotent per
    event and kind: calling it again queues nothing more. Patients choose no channel in Jalon (they have no
    account); the coordination reaches them by telephone for anything else.
    """
    if kind not in KINDS:
        raise LookupError(f"unknown notification kind {kind!r}")
    notification_kind = KINDS[kind]
    if not notification_kind.patient:
        raise ValueError(f"{kind!r} is not a message to the patient: notify sends it")
    phone = patient.phone
    if not phone or not is_mobile(phone):
        return []
    template = current_template(kind, _organization_of(event))
    plain_values = notification_kind.plain_values({**values, "destinataire": "", "lien": ""})
    notice = render(template.notice, plain_values)
    if len(notice) > SMS_MAX_LENGTH:  # unusually long values: still a notice, shortened to a safe text
        notice = render("Jalon {reference} : nouvelle information. Questions : {guichet}.", plain_values)
    message = outbox_enqueue(
        idempotency_key=f"event-{event.pk}-{kind}-patient-sms",
        channel=Channel.SMS,
        recipient_address=phone,
        subject=render(template.subject, plain_values)[:200],
        body=notice,
        patient_id=patient.pk,
        event_id=event.pk,
        kind=kind,
    )
    return [message]
