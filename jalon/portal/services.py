"""Writes of the portal: a message in a referral's thread, and how far a user has read it."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from jalon.accounts.audit import audit
from jalon.accounts.freshness import data_changed
from jalon.accounts.models import AuditAction
from jalon.core.actor import Actor
from jalon.events.services import event_record
from jalon.portal.access import thread_side_of
from jalon.portal.errors import PortalError, PortalErrorCode
from jalon.portal.models import MESSAGE_MAX_LENGTH, ThreadMessage, ThreadReadMark, ThreadSide
from jalon.referrals.models import Referral


def _clean_body(body: str) -> str:
    text = (body or "").strip()
    if not text:
        raise PortalError(PortalErrorCode.EMPTY_MESSAGE, _("Écrivez votre message avant de l'envoyer."), field="body")
    if len(text) > MESSAGE_MAX_LENGTH:
        raise PortalError(
            PortalErrorCode.MESSAGE_TOO_LONG,
            _("Votre message fait %(length)d caractères : %(limit)d au plus.")
            % {"length": len(text), "limit": MESSAGE_MAX_LENGTH},
            field="body",
        )
    return text


@transaction.atomic
def thread_message_post(*, actor: Actor, referral: Referral, body: str) -> ThreadMessage:
    """Write a message in the referral's thread from the author's side (city or coordination, fixed now),
    with its event (the side only, never the text), its audit record, and the thread read for its author."""
    user = actor.user
    side = thread_side_of(user, referral)
    if side is None:
        raise PortalError(PortalErrorCode.NOT_ALLOWED, _("Vous ne participez pas aux échanges sur cette demande."))
    text = _clean_body(body)
    message = ThreadMessage.objects.create(
        referral=referral, author=user, side=side, body=text, created_at=timezone.now()
    )
    event = event_record(
        actor=actor,
        kind="thread.message_posted",
        patient_id=referral.patient_id,
        referral_id=referral.pk,
        payload={"side": side},
    )
    audit(
        actor,
        action=AuditAction.CREATE,
        patient_id=referral.patient_id,
        object_type="thread.message",
        object_id=message.pk,
    )
    if side == ThreadSide.COORDINATION:
        # The city is told there is an answer (a notice to log in: the text stays in Jalon); the
        # coordination sees city messages as unread counts in its worklist instead.
        from jalon.referrals.notifications import notify_city

        notify_city(kind="thread.reply", referral=referral, event=event, actor_user=user)
    _mark(user_id=user.pk, referral_id=referral.pk, up_to=message.created_at)
    return message


def thread_mark_read(*, user, referral: Referral) -> ThreadReadMark | None:
    """Mark the thread read by `user` up to its newest message (None when the user takes no part in the
    thread, or it has no message yet).

    Up to the newest message, not to "now": a message committed while the page was being built is
    after the mark, so it stays unread until it has been shown."""
    if thread_side_of(user, referral) is None:
        return None
    newest = ThreadMessage.objects.filter(referral_id=referral.pk).aggregate(newest=Max("created_at"))["newest"]
    if newest is None:
        return None
    with transaction.atomic():  # only around the write: a thread with no message costs one read, no transaction
        return _mark(user_id=user.pk, referral_id=referral.pk, up_to=newest)


def _mark(*, user_id: int, referral_id: int, up_to) -> ThreadReadMark:
    """Move the read mark forward to `up_to` (never back)."""
    mark, created = ThreadReadMark.objects.get_or_create(
        user_id=user_id, referral_id=referral_id, defaults={"last_read_at": up_to}
    )
    if not created and mark.last_read_at < up_to:
        ThreadReadMark.objects.filter(pk=mark.pk, last_read_at__lt=up_to).update(last_read_at=up_to)
        data_changed()  # no signal for update(): the polled pages must see it
        mark.last_read_at = up_to
    return mark
