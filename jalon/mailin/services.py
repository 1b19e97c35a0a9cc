"""Every write of the mail-in: storing a mail read from the mailbox, completing it into a referral, dismissing it.

A stored mail has no patient yet, so it records no event (DESIGN.md §3 events belong to a patient's
pathway); it is audited with no patient and logged without its content. The referral it becomes
records its own events through `referral_submit`.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jalon.accounts.audit import audit
from jalon.accounts.models import AuditAction
from jalon.core.actor import Actor
from jalon.core.documents import check_document, detect_content_type
from jalon.directory.models import Professional
from jalon.mailin.errors import MailInError, MailInErrorCode
from jalon.mailin.mailboxes import MailboxSource, MailboxUnavailable, mailbox_from_url
from jalon.mailin.models import InboundAttachment, InboundMail, MailStatus, ParseStatus
from jalon.mailin.parsing import ParsedAttachment, ParseError, parse_mail, salvage_headers
from jalon.mailin.selectors import professional_for_address
from jalon.patients.services import PatientIdentity
from jalon.referrals.models import Channel, EntryPoint
from jalon.referrals.services import ExamInput, SubmitResult, referral_submit

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoreResult:
    mail: InboundMail
    created: bool


@dataclass
class PollResult:
    """What one poll did; `configured` False when MAIL_IN_ENTRY_POINT names no entry point."""

    configured: bool = True
    stored: int = 0
    unreadable: int = 0
    duplicates: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def mail_sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


# --- Storing -------------------------------------------------------------------------------------


@transaction.atomic
def inbound_mail_store(
    *, raw: bytes, entry_point: EntryPoint, actor: Actor | None = None, received_at: datetime | None = None
) -> StoreResult:
    """Keep a mail with its attachments for the entry point's coordination; the same bytes again change nothing.

    A mail that cannot be parsed is kept all the same, as unreadable, with the reason and its raw bytes;
    so is a parsed mail the database refuses (it is shown raw rather than lost).
    """
    digest = mail_sha256(raw)
    existing = InboundMail.objects.filter(sha256=digest).first()
    if existing is not None:
        return StoreResult(mail=existing, created=False)
    try:
        parsed = parse_mail(raw)
    except ParseError as error:
        parsed, parse_error = None, error.message
    else:
        parse_error = ""
    values = dict(raw=raw, digest=digest, entry_point=entry_point, received_at=received_at or timezone.now())
    try:
        result = _create_mail(**values, parsed=parsed, parse_error=parse_error)
    except DatabaseError:
        if parsed is None:
            raise
        logger.exception("mail-in: a parsed mail could not be stored as such; it is kept raw as unreadable")
        result = _create_mail(
            **values,
            parsed=None,
            parse_error=_("Le courriel a été lu mais n'a pas pu être enregistré tel quel : il est gardé brut."),
        )
    if result.created:
        mail = result.mail
        audit(
            actor or Actor.system(),
            action=AuditAction.CREATE,
            patient_id=None,
            object_type="inbound_mail",
            object_id=mail.pk,
        )
        logger.info(
            "mail-in: mail %s stored for entry point %s (%s, %d attachment(s), sender %s)",
            mail.pk,
            entry_point.slug,
            mail.parse_status,
            mail.attachments.count(),
            "matched" if mail.sender_id else "unknown",
        )
    return result


def _create_mail(
    *, raw: bytes, digest: str, entry_point: EntryPoint, received_at, parsed, parse_error: str
) -> StoreResult:
    """Write the mail, its raw file and its attachments in a savepoint; the existing row if another worker won the
    race."""
    headers = parsed if parsed is not None else salvage_headers(raw)
    mail = InboundMail(
        entry_point=entry_point,
        raw_size=len(raw),
        sha256=digest,
        message_id=headers.message_id,
        received_at=received_at,
        sender_address=headers.sender_address,
        sender_name=headers.sender_name,
        subject=headers.subject,
        sent_at=headers.sent_at,
        body_text=parsed.body_text if parsed else "",
        parse_status=ParseStatus.PARSED if parsed else ParseStatus.UNREADABLE,
        parse_error=parse_error,
        sender=professional_for_address(headers.sender_address),
    )
    written: list = []
    try:
        with transaction.atomic():  # a savepoint: a refused write leaves the outer transaction usable
            mail.raw.save("courriel.eml", ContentFile(raw), save=False)
            written.append(mail.raw)
            mail.save()
            for attachment in parsed.attachments if parsed else ():
                written.append(_store_attachment(mail, attachment).file)
    except IntegrityError:
        _delete_files(written)
        existing = InboundMail.objects.filter(sha256=digest).first()
        if existing is None:
            raise
        return StoreResult(mail=existing, created=False)  # another worker stored it first
    except Exception:
        _delete_files(written)
        raise
    return StoreResult(mail=mail, created=True)


def _store_attachment(mail: InboundMail, attachment: ParsedAttachment) -> InboundAttachment:
    upload = SimpleUploadedFile(attachment.filename, attachment.data, content_type=attachment.content_type)
    detected = detect_content_type(attachment.data[:2048])
    try:
        check_document(upload)
    except ValidationError as error:
        can_be_document, refusal_reason = False, " ".join(error.messages)[:300]
    else:
        can_be_document, refusal_reason = True, ""
    row = InboundAttachment(
        mail=mail,
        original_name=attachment.filename[:200],
        declared_content_type=attachment.content_type[:255],
        detected_content_type=detected[:100],
        size=len(attachment.data),
        sha256=hashlib.sha256(attachment.data).hexdigest(),
        inline=attachment.inline,
        can_be_document=can_be_document,
        refusal_reason=refusal_reason,
    )
    row.file.save("piece-jointe", ContentFile(attachment.data), save=False)
    row.save()
    return row


def _delete_files(files) -> None:
    for stored in files:
        try:
            stored.storage.delete(stored.name)
        except OSError:
            logger.warning("mail-in: could not remove the orphan file %s", stored.name)


# --- Polling the mailbox -------------------------------------------------------------------------


def configured_entry_point() -> EntryPoint | None:
    """The entry point MAIL_IN_ENTRY_POINT names, or None (logged) when it is empty or unknown."""
    slug = (settings.MAIL_IN_ENTRY_POINT or "").strip()
    if not slug:
        logger.info("mail-in: MAIL_IN_ENTRY_POINT is empty, the secure mailbox is not read")
        return None
    entry_point = EntryPoint.objects.select_related("organization").filter(slug=slug).first()
    if entry_point is None:
        logger.error("mail-in: MAIL_IN_ENTRY_POINT=%r names no entry point, the secure mailbox is not read", slug)
    return entry_point


def mailbox_poll(*, source: MailboxSource | None = None, entry_point: EntryPoint | None = None) -> PollResult:
    """Store every new mail of the mailbox, each in its own transaction; safe to run twice or on two workers.

    A mail leaves the mailbox (moved to `traites/`, or marked \\Seen) only once its transaction has
    committed; a mail that cannot even be read stays there and is counted in `failed`.
    """
    entry_point = entry_point or configured_entry_point()
    if entry_point is None:
        return PollResult(configured=False)
    source = source or mailbox_from_url(settings.MAIL_IN_URL)
    result = PollResult()
    try:
        source.open()
    except MailboxUnavailable as error:
        logger.error("mail-in: %s", error)
        result.errors.append(str(error))
        return result
    try:
        for fetched in source.fetch():
            _poll_one(source, fetched, entry_point, result)
    except MailboxUnavailable as error:
        logger.error("mail-in: %s", error)
        result.errors.append(str(error))
    finally:
        transaction.on_commit(source.close, robust=True)  # after the last mark_processed
    logger.info(
        "mail-in: poll of %r: %d stored, %d unreadable, %d already known, %d failed",
        source,
        result.stored,
        result.unreadable,
        result.duplicates,
        result.failed,
    )
    return result


def _poll_one(source: MailboxSource, fetched, entry_point: EntryPoint, result: PollResult) -> None:
    if fetched.raw is None:
        result.failed += 1
        result.errors.append(f"{fetched.key}: {fetched.error}")
        logger.error("mail-in: %s cannot be read (%s); it stays in the mailbox", fetched.key, fetched.error)
        return
    try:
        with transaction.atomic():
            stored = inbound_mail_store(raw=fetched.raw, entry_point=entry_point)
            transaction.on_commit(partial(source.mark_processed, fetched.key), robust=True)
    except Exception as error:  # one bad mail must not stop the others; it stays in the mailbox
        result.failed += 1
        result.errors.append(f"{fetched.key}: {type(error).__name__}")
        logger.exception("mail-in: %s could not be stored; it stays in the mailbox", fetched.key)
        return
    if not stored.created:
        result.duplicates += 1
    elif stored.mail.is_unreadable:
        result.unreadable += 1
    else:
        result.stored += 1


# --- The coordinator's decisions -----------------------------------------------------------------


def _locked_to_complete(mail: InboundMail) -> InboundMail:
    mail = InboundMail.objects.select_for_update().get(pk=mail.pk)  # the mail row only: not its entry point
    if mail.status != MailStatus.TO_COMPLETE:
        raise MailInError(
            MailInErrorCode.ALREADY_HANDLED,
            _("Ce courriel a déjà été traité (%(status)s).") % {"status": mail.get_status_display()},
        )
    return mail


def _attachment_uploads(mail: InboundMail, attachment_ids) -> list[SimpleUploadedFile]:
    wanted = {int(pk) for pk in attachment_ids}
    attachments = list(mail.attachments.filter(pk__in=wanted, can_be_document=True))
    if len(attachments) != len(wanted):
        raise MailInError(
            MailInErrorCode.INVALID_ATTACHMENT,
            _("Seules les pièces jointes PDF, PNG ou JPEG de ce courriel peuvent être jointes à la demande."),
            field="attachments",
        )
    uploads = []
    for attachment in attachments:
        try:
            with attachment.file.open("rb") as handle:
                data = handle.read()
        except FileNotFoundError as exc:
            raise MailInError(
                MailInErrorCode.INVALID_ATTACHMENT,
                _("La pièce jointe « %(name)s » n'est plus disponible.") % {"name": attachment.original_name},
                field="attachments",
            ) from exc
        uploads.append(
            SimpleUploadedFile(attachment.original_name, data, content_type=attachment.detected_content_type)
        )
    return uploads


@transaction.atomic
def inbound_mail_convert(
    *,
    actor: Actor,
    mail: InboundMail,
    patient: PatientIdentity,
    referrer: Professional,
    suspected_site: str,
    clinical_reason: str = "",
    first_symptoms_date: date | None = None,
    declared_urgency: str = "routine",
    question: str = "diagnosis",
    patient_informed: bool | None = None,
    alarm_signs: list[str] | tuple = (),
    imaging_findings: dict | None = None,
    exams: list[ExamInput] | tuple = (),
    attachment_ids: list[int] | tuple = (),
    documents: list | tuple = (),
) -> SubmitResult:
    """Turn the mail into a referral of its entry point (channel mail) with the chosen attachments; all or nothing."""
    mail = _locked_to_complete(mail)
    uploads = _attachment_uploads(mail, attachment_ids)
    result = referral_submit(
        actor=actor,
        entry_point=mail.entry_point,
        channel=Channel.MAIL,
        patient=patient,
        referrer=referrer,
        suspected_site=suspected_site,
        clinical_reason=clinical_reason,
        first_symptoms_date=first_symptoms_date,
        declared_urgency=declared_urgency,
        question=question,
        patient_informed=patient_informed,
        exams=exams,
        documents=[*uploads, *documents],
        alarm_signs=alarm_signs,
        imaging_findings=imaging_findings,
    )
    mail.status = MailStatus.CONVERTED
    mail.referral = result.referral
    mail.handled_by = actor.user
    mail.handled_at = timezone.now()
    mail.save(update_fields=["status", "referral", "handled_by", "handled_at"])
    audit(
        actor,
        action=AuditAction.UPDATE,
        patient_id=result.referral.patient_id,
        object_type="inbound_mail",
        object_id=mail.pk,
    )
    logger.info("mail-in: mail %s became referral %s", mail.pk, result.referral.reference)
    return result


@transaction.atomic
def inbound_mail_dismiss(*, actor: Actor, mail: InboundMail, reason: str) -> InboundMail:
    """Set the mail aside with its reason (spam, duplicate...); it is kept, never deleted."""
    if not reason.strip():
        raise MailInError(
            MailInErrorCode.REASON_REQUIRED, _("Indiquez pourquoi ce courriel est écarté."), field="reason"
        )
    mail = _locked_to_complete(mail)
    mail.status = MailStatus.DISMISSED
    mail.dismissal_reason = reason.strip()
    mail.handled_by = actor.user
    mail.handled_at = timezone.now()
    mail.save(update_fields=["status", "dismissal_reason", "handled_by", "handled_at"])
    audit(actor, action=AuditAction.UPDATE, patient_id=None, object_type="inbound_mail", object_id=mail.pk)
    logger.info("mail-in: mail %s dismissed", mail.pk)
    return mail
