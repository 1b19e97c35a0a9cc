"""Messages a referral's events send to the referrer, written to the outbox by the services.

Texts carry the reference and what to do, never clinical detail: the referrer reads the
referral in Jalon. (Editable templates and per-professional channels come with messaging.)
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from jalon.events.models import Event
from jalon.messaging.models import Channel
from jalon.messaging.services import outbox_enqueue
from jalon.referrals.models import Referral


def _address_of(professional) -> tuple[str, str] | None:
    if professional.mssante_address:
        return Channel.MSSANTE, professional.mssante_address
    if professional.email:
        return Channel.EMAIL, professional.email
    return None


def _deadline_text(referral: Referral) -> str:
    return date_format(timezone.localtime(referral.answer_deadline), "l j F Y à H\\hi")


SUBJECTS = {
    "referral.submitted": _("Demande %(reference)s reçue : réponse avant le %(deadline)s"),
    "referral.complement_requested": _("Demande %(reference)s : un complément est nécessaire"),
    "referral.accepted": _("Demande %(reference)s acceptée"),
    "referral.declined": _("Demande %(reference)s non retenue"),
    "referral.redirected": _("Demande %(reference)s réorientée"),
    "referral.closed": _("Demande %(reference)s clôturée"),
}

BODIES = {
    "referral.submitted": _(
        "Bonjour,\n\nVotre demande de prise en soins a bien été reçue par %(entry_point)s sous la référence "
        "%(reference)s.\nNous nous engageons à vous répondre avant le %(deadline)s.\n\n"
        "Vous pouvez suivre cette demande dans Jalon.\n"
    ),
    "referral.complement_requested": _(
        "Bonjour,\n\n%(entry_point)s a besoin d'informations complémentaires pour traiter la demande "
        "%(reference)s :\n\n%(reason)s\n\nConnectez-vous à Jalon pour compléter la demande.\n"
    ),
    "referral.accepted": _(
        "Bonjour,\n\nLa demande %(reference)s a été acceptée par %(entry_point)s. La coordination organise "
        "le parcours et vous tiendra informé·e de chaque étape dans Jalon.\n"
    ),
    "referral.declined": _(
        "Bonjour,\n\nLa demande %(reference)s n'a pas été retenue par %(entry_point)s.\nMotif : %(reason)s\n\n"
        "Le détail est consultable dans Jalon.\n"
    ),
    "referral.redirected": _(
        "Bonjour,\n\nLa demande %(reference)s a été réorientée par %(entry_point)s vers : %(redirected_to)s.\n"
        "Motif : %(reason)s\n"
    ),
    "referral.closed": _(
        "Bonjour,\n\nLa demande %(reference)s a été clôturée par %(entry_point)s.\nMotif : %(reason)s\n\n"
        "Le détail est consultable dans Jalon.\n"
    ),
}


def notify_referrer(*, referral: Referral, event: Event, reason: str = "") -> None:
    """Queue the message for `event` to the referrer, if they have an address (in the caller's transaction)."""
    if event.kind not in SUBJECTS:
        return
    destination = _address_of(referral.referrer)
    if destination is None:
        return
    channel, address = destination
    values = {
        "reference": referral.reference,
        "deadline": _deadline_text(referral),
        "entry_point": referral.entry_point.name,
        "reason": reason or "",
        "redirected_to": referral.redirected_to,
    }
    outbox_enqueue(
        idempotency_key=f"event-{event.pk}-referrer",
        channel=channel,
        recipient_address=address,
        recipient_professional_id=referral.referrer_id,
        subject=str(SUBJECTS[event.kind]) % values,
        body=str(BODIES[event.kind]) % values,
        patient_id=referral.patient_id,
        event_id=event.pk,
    )
