"""Queueing messages in the outbox and delivering them (the worker calls `outbox_deliver_due`)."""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from jalon.accounts.freshness import data_changed
from jalon.messaging.models import Channel, OutboxMessage, OutboxStatus
from jalon.messaging.signals import outbox_message_queued
from jalon.messaging.sms import SMS_MAX_LENGTH, get_gateway

logger = logging.getLogger(__name__)

# A claimed message is invisible to other workers for this long; a worker that dies mid-send
# leaves it to be retried after the lease (the idempotency key, sent as Message-ID, lets the
# receiving side drop the rare duplicate).
CLAIM_LEASE = timedelta(minutes=5)


def outbox_enqueue(
    *,
    idempotency_key: str,
    channel: str,
    recipient_address: str,
    subject: str,
    body: str,
    patient_id: int | None = None,
    event_id: int | None = None,
    recipient_professional_id: int | None = None,
    recipient_user_id: int | None = None,
    kind: str = "",
    attachment_path: str = "",
    attachment_name: str = "",
) -> OutboxMessage:
    """Write a message to the outbox in the caller's transaction; delivery starts after commit.

    Enqueueing the same idempotency key twice returns the existing message.
    """
    message, created = OutboxMessage.objects.get_or_create(
        idempotency_key=idempotency_key,
        defaults=dict(
            channel=channel,
            recipient_address=recipient_address,
            subject=subject[:200],
            body=body,
            patient_id=patient_id,
            event_id=event_id,
            recipient_professional_id=recipient_professional_id,
            recipient_user_id=recipient_user_id,
            kind=kind,
            attachment_path=attachment_path,
            attachment_name=attachment_name,
        ),
    )
    if created:
        _deliver_after_commit(message.pk)
    return message


def _deliver_after_commit(message_id: int) -> None:
    """Once the caller's transaction commits, announce the message (the worker listens, see tasks.py)."""
    transaction.on_commit(lambda: _announce_queued(message_id))


def _announce_queued(message_id: int) -> None:
    # The row is committed whatever happens here: if the worker's queue is unreachable, the periodic
    # run (`outbox_deliver_due`) delivers the message later, so the user's request does not fail.
    for _receiver, result in outbox_message_queued.send_robust(sender=OutboxMessage, message_id=message_id):
        if isinstance(result, Exception):
            logger.error(
                "outbox message %s could not be handed to the worker; the periodic run will deliver it",
                message_id,
                exc_info=result,
            )


class PermanentDeliveryError(Exception):
    """A delivery no retry can make succeed; its text is the French reason shown to the coordination."""


def classify_delivery_error(exc: BaseException) -> tuple[bool, str]:
    """The one rule for delivery errors: (permanent, reason recorded on the message).

    Permanent, failed at once: unknown channel, text too long for its channel, invalid or missing
    recipient address, an SMTP 5xx refusal of the recipient or of the message. Everything else
    (connection refused, timeout, SMTP 4xx, a gateway not configured yet) is transient and retried
    with back-off up to OUTBOX_MAX_ATTEMPTS."""
    if isinstance(exc, PermanentDeliveryError):
        return True, str(exc)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refusals = list(exc.recipients.items())
        if refusals and all(_is_smtp_permanent(code) for _address, (code, _text) in refusals):
            detail = "; ".join(f"{address} : {code} {_smtp_text(text)}" for address, (code, text) in refusals)
            return True, gettext("Adresse refusée par le serveur de messagerie (%(detail)s)") % {"detail": detail}
    elif isinstance(exc, smtplib.SMTPDataError) and _is_smtp_permanent(exc.smtp_code):
        return True, gettext("Message refusé par le serveur de messagerie (%(code)s %(text)s)") % {
            "code": exc.smtp_code,
            "text": _smtp_text(exc.smtp_error),
        }
    return False, str(exc)


def _is_smtp_permanent(code: int) -> bool:
    return 500 <= code < 600


def _smtp_text(text: bytes | str) -> str:
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)


def _check_deliverable(message: OutboxMessage) -> None:
    """Raise PermanentDeliveryError when no attempt could deliver this message as written."""
    address = message.recipient_address.strip()
    if message.channel in (Channel.EMAIL, Channel.MSSANTE):
        try:
            validate_email(address)
        except ValidationError:
            raise PermanentDeliveryError(
                gettext("Adresse électronique du destinataire invalide ou absente : « %(address)s »")
                % {"address": address}
            ) from None
    elif message.channel == Channel.SMS:
        if not _is_valid_phone(address):
            raise PermanentDeliveryError(
                gettext("Numéro de téléphone du destinataire invalide ou absent : « %(address)s »")
                % {"address": address}
            )
        # An SMS carries no clinical detail: callers write a short notice to log in, nothing longer goes out.
        if len(message.body) > SMS_MAX_LENGTH:
            raise PermanentDeliveryError(
                gettext("Texte trop long pour un SMS (%(length)s caractères, %(maximum)s au plus) : non envoyé")
                % {"length": len(message.body), "maximum": SMS_MAX_LENGTH}
            )
    elif message.channel != Channel.IN_APP:
        raise PermanentDeliveryError(
            gettext("Canal inconnu : « %(channel)s », aucun moyen d'envoyer ce message") % {"channel": message.channel}
        )


def _is_valid_phone(address: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(address, "FR"))
    except phonenumbers.NumberParseException:
        return False


def _claim(message_id: int, now) -> bool:
    return bool(
        OutboxMessage.objects.filter(pk=message_id, status=OutboxStatus.PENDING, next_attempt_at__lte=now).update(
            next_attempt_at=now + CLAIM_LEASE
        )
    )


def _send(message: OutboxMessage) -> None:
    _check_deliverable(message)
    if message.channel in (Channel.EMAIL, Channel.MSSANTE):
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.recipient_address],
            headers={"Message-ID": f"<{message.idempotency_key}@jalon>"},
        )
        if message.attachment_path and message.channel == Channel.MSSANTE:
            # Only secure mail carries a letter: a plain e-mail is a notice to log in.
            with default_storage.open(message.attachment_path, "rb") as handle:
                email.attach(message.attachment_name or "courrier.pdf", handle.read(), "application/pdf")
        email.send(fail_silently=False)
    elif message.channel == Channel.SMS:
        get_gateway().send(to=message.recipient_address, text=message.body, idempotency_key=message.idempotency_key)
    # Channel.IN_APP: the row itself is the in-app message (`_check_deliverable` refused any other channel).


def outbox_deliver(*, message_id: int) -> str:
    """Try to deliver one message if it is due; returns its status afterwards."""
    now = timezone.now()
    if not _claim(message_id, now):
        return OutboxMessage.objects.filter(pk=message_id).values_list("status", flat=True).first() or "missing"
    message = OutboxMessage.objects.get(pk=message_id)
    attempts = message.attempts + 1
    try:
        _send(message)
    except Exception as exc:  # noqa: BLE001 - every delivery error is classified: failed at once or retried
        permanent, reason = classify_delivery_error(exc)
        failed = permanent or attempts >= settings.OUTBOX_MAX_ATTEMPTS
        logger.warning(
            "outbox message %s failed (attempt %s, %s): %s",
            message.pk,
            attempts,
            "permanent" if permanent else "transient",
            reason,
        )
        backoff = timedelta(seconds=settings.OUTBOX_BACKOFF_SECONDS * 2 ** (attempts - 1))
        OutboxMessage.objects.filter(pk=message.pk).update(
            attempts=attempts,
            last_error=reason[:2000],
            status=OutboxStatus.FAILED if failed else OutboxStatus.PENDING,
            next_attempt_at=now + backoff,
        )
        data_changed()  # no signal for update(): the polled pages must see it
        return OutboxStatus.FAILED if failed else OutboxStatus.PENDING
    OutboxMessage.objects.filter(pk=message.pk).update(
        attempts=attempts, status=OutboxStatus.SENT, sent_at=timezone.now(), last_error=""
    )
    data_changed()  # no signal for update(): the polled pages must see it
    return OutboxStatus.SENT


def outbox_deliver_due(*, limit: int = 200) -> int:
    """Deliver every pending message whose time has come; returns how many were tried."""
    now = timezone.now()
    due_ids = list(
        OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    for message_id in due_ids:
        outbox_deliver(message_id=message_id)
    return len(due_ids)


def outbox_retry(*, message_id: int) -> OutboxMessage:
    """Put a failed message back in the queue (a person decided to try again): attempts start over."""
    OutboxMessage.objects.filter(pk=message_id, status=OutboxStatus.FAILED).update(
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=timezone.now(),
        failure_handled_at=None,
        failure_handled_by=None,
    )
    data_changed()  # no signal for update(): the polled pages must see it
    message = OutboxMessage.objects.get(pk=message_id)
    if message.status == OutboxStatus.PENDING:
        _deliver_after_commit(message.pk)
    return message


def outbox_failure_handle(*, message_id: int, user) -> None:
    """The coordination took a definitive failure into account (e.g. phoned the GP instead)."""
    OutboxMessage.objects.filter(pk=message_id, status=OutboxStatus.FAILED, failure_handled_at__isnull=True).update(
        failure_handled_at=timezone.now(), failure_handled_by=user
    )
    data_changed()  # no signal for update(): the polled pages must see it


# --- message texts, preferences and the in-app inbox ------------------------------------------


@transaction.atomic
def notification_template_publish(
    *, actor, kind: str, subject: str, body: str, notice: str, change_note: str = "", organization_id: int | None = None
):
    """Publish a new version of `kind`'s texts for an organisation (None: region-wide), after every check
    (ValidationError by field otherwise, PermissionDenied when the actor may not edit that scope).

    Messages already queued keep the text they were written with; new events use this version. The
    publication is audited and announced in Jalon to the other managers concerned (`_announce_publication`)."""
    from django.core.exceptions import PermissionDenied

    from jalon.accounts.audit import audit
    from jalon.accounts.models import AuditAction
    from jalon.messaging.access import may_edit_notification_texts
    from jalon.messaging.kinds import KINDS
    from jalon.messaging.models import NotificationTemplate
    from jalon.messaging.templating import check_template

    if kind not in KINDS:
        raise LookupError(kind)
    if actor.user is None or not may_edit_notification_texts(actor.user, organization_id):
        raise PermissionDenied
    check_template(kind=KINDS[kind], subject=subject, body=body, notice=notice)
    versions = NotificationTemplate.objects.select_for_update().filter(kind=kind, organization_id=organization_id)
    latest = versions.order_by("-version").first()
    regional = NotificationTemplate.objects.filter(kind=kind, organization__isnull=True).order_by("-version").first()
    template = NotificationTemplate.objects.create(
        kind=kind,
        organization_id=organization_id,
        version=(latest.version + 1) if latest else 1,
        subject=subject.strip(),
        body=body.strip() + "\n",
        notice=notice.strip(),
        published_at=timezone.now(),
        created_by=actor.user if getattr(actor.user, "is_authenticated", False) else None,
        change_note=change_note.strip()[:300],
        source=(latest or regional).source if (latest or regional) else "",
    )
    audit(
        actor,
        action=AuditAction.CREATE,
        patient_id=None,
        object_type="notification_template.published",
        object_id=template.pk,
    )
    _announce_publication(template=template, actor=actor)
    return template


def publication_audience(*, organization_id: int | None):
    """Who hears of a publication: the active managers of the organisation, or, for a region-wide text,
    every active manager and admin."""
    from jalon.accounts.models import Role, User

    if organization_id is None:
        return User.objects.filter(is_active=True, role__in=(Role.MANAGER, Role.ADMIN))
    return User.objects.filter(
        is_active=True, role=Role.MANAGER, professional__memberships__organization_id=organization_id
    ).distinct()


def _announce_publication(*, template, actor) -> None:
    """One in-app message per other manager concerned (no patient data: the kind, the scope, the author)."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from jalon.messaging.kinds import KINDS

    author = actor.user.get_full_name() or actor.user.get_username()
    scope = template.organization.name if template.organization_id else _("toute la région")
    label = KINDS[template.kind].label
    if template.organization_id:
        path = reverse("notifications:template_edit_organization", args=[template.organization_id, template.kind])
    else:
        path = reverse("notifications:template_edit", args=[template.kind])
    subject = _("Texte publié : « %(label)s » (%(scope)s), version %(version)s") % {
        "label": label,
        "scope": scope,
        "version": template.version,
    }
    body = _("%(author)s a publié la version %(version)s du message « %(label)s » pour %(scope)s.") % {
        "author": author,
        "version": template.version,
        "label": label,
        "scope": scope,
    }
    if template.change_note:
        body += "\n" + _("Nature de la modification : %(note)s") % {"note": template.change_note}
    body += "\n\n" + _("Voir le texte : %(url)s") % {"url": f"{settings.SITE_URL}{path}"}
    for user_id in (
        publication_audience(organization_id=template.organization_id)
        .exclude(pk=actor.user.pk)
        .values_list("pk", flat=True)
    ):
        outbox_enqueue(
            idempotency_key=f"template-published-{template.pk}-u{user_id}",
            channel=Channel.IN_APP,
            recipient_address=f"jalon:{user_id}",
            recipient_user_id=user_id,
            subject=subject[:200],
            body=body,
            kind="notification_template.published",
        )


@transaction.atomic
def notification_preferences_set(*, professional, choices: dict[str, list[str]]) -> None:
    """Store the channels the professional chose per kind (only channels they have an address for)."""
    from jalon.messaging.kinds import KINDS
    from jalon.messaging.models import NotificationPreference
    from jalon.messaging.notify import available_channels

    available = set(available_channels(professional))
    for kind, channels in choices.items():
        if kind not in KINDS:
            continue
        NotificationPreference.objects.update_or_create(
            professional=professional, kind=kind, defaults={"channels": sorted(set(channels) & available)}
        )


def inbox_mark_read(*, user) -> int:
    """Mark the user's in-app messages read; returns how many were unread."""
    return OutboxMessage.objects.filter(channel=Channel.IN_APP, recipient_user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
