"""Who in the city hears of a referral's events, and the values its messages are written with.

The texts are the managers' versioned templates (jalon/messaging/kinds.py lists the kinds and their
variables); this module only says who receives them and fills the variables. Called inside the
services' transactions, after the event is recorded.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import NoReverseMatch, reverse

from jalon.core.formatting import date_numeric, when_in_words
from jalon.events.models import Event
from jalon.messaging.notify import notify
from jalon.referrals.models import Referral

# The referral's events that tell the city, and whether the GP hears of them as well as the referrer.
REFERRAL_KINDS = {
    "referral.submitted": False,
    "referral.complement_requested": False,
    "referral.accepted": True,
    "referral.declined": False,
    "referral.redirected": False,
    "referral.closed": False,
}


def patient_text(patient) -> str:
    return f"{patient.display_name}, né·e le {date_numeric(patient.birth_date)}"


def base_values(referral: Referral) -> dict[str, str]:
    return {
        "reference": referral.reference,
        "guichet": referral.entry_point.name,
        "patient": patient_text(referral.patient),
        "echeance": when_in_words(referral.answer_deadline),
    }


def city_link(referral: Referral) -> str:
    """Where a referrer or GP follows this patient: their portal page."""
    try:
        return reverse("portal:patient", args=[referral.reference])
    except NoReverseMatch:
        return reverse("coordination:referral", args=[referral.reference])


def city_recipients(referral: Referral, *, actor_user=None, include_gp: bool = True) -> list:
    """The referrer and (when asked) the patient's confirmed GP, once each, never the person who acted. A GP
    merely named on the referral is a proposal and hears nothing until the coordination confirms them; a
    patient who opposes sharing keeps the GP out (they lose access to the pathway, so they are not told of it)."""
    from jalon.directory.models import Professional
    from jalon.patients.access import confirmed_gp_ids

    people = [referral.referrer]
    if include_gp:
        people += list(Professional.objects.filter(pk__in=confirmed_gp_ids(referral.patient_id)).order_by("pk"))
    acting = getattr(actor_user, "professional_id", None)
    unique = {}
    for professional in people:
        if professional is not None and professional.pk != acting:
            unique.setdefault(professional.pk, professional)
    return list(unique.values())


def notify_city(
    *,
    kind: str,
    referral: Referral,
    event: Event,
    actor_user=None,
    include_gp: bool = True,
    values: dict[str, str] | None = None,
    attachment_path: str = "",
    attachment_name: str = "",
    recipients: Iterable | None = None,
) -> None:
    """Queue the message of `kind` for this referral's city professionals (in the caller's transaction)."""
    notify(
        kind=kind,
        event=event,
        recipients=recipients
        if recipients is not None
        else city_recipients(referral, actor_user=actor_user, include_gp=include_gp),
        values={**base_values(referral), **(values or {})},
        link_path=city_link(referral),
        attachment_path=attachment_path,
        attachment_name=attachment_name,
    )


def notify_referrer(*, referral: Referral, event: Event, reason: str = "") -> None:
    """The message of a referral's status change (acknowledgment, complement asked, decision)."""
    if event.kind not in REFERRAL_KINDS:
        return
    notify_city(
        kind=event.kind,
        referral=referral,
        event=event,
        include_gp=REFERRAL_KINDS[event.kind],  # the referrer hears of their own referral, even one they typed
        values={"motif": reason or "", "reoriente_vers": referral.redirected_to},
    )
