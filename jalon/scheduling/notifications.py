"""What the city hears of bookings: an appointment booked, moved or cancelled (seed 001, fiche 7:
« rendez-vous de consultations ou d'examens » among the key steps a GP follows)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from jalon.core.formatting import when_in_words
from jalon.messaging.notify import notify_patient
from jalon.referrals.notifications import base_values, notify_city
from jalon.scheduling.documents import place_of


def appointment_line(appointment) -> str:
    slot, resource = appointment.slot, appointment.slot.resource
    label = appointment.milestone.label if appointment.milestone_id else resource.name
    return _("- %(label)s, %(place)s : %(when)s") % {
        "label": label,
        "place": place_of(resource),
        "when": when_in_words(slot.start),
    }


def notify_booked(*, pathway, appointments: list, event, rescheduled: bool, actor_user=None) -> None:
    """One message per booking group (the diagnostic day's two appointments are one piece of news)."""
    ordered = sorted(appointments, key=lambda a: (a.slot.start, a.pk))
    lines = "\n".join(appointment_line(a) for a in ordered)
    if rescheduled:
        notify_city(
            kind="appointment.changed",
            referral=pathway.referral,
            event=event,
            actor_user=actor_user,
            values={"rendez_vous": _("Nouveau rendez-vous :") + "\n" + lines, "motif": _("Rendez-vous reprogrammé.")},
        )
    else:
        notify_city(
            kind="appointment.booked",
            referral=pathway.referral,
            event=event,
            actor_user=actor_user,
            values={"rendez_vous": lines, "date": when_in_words(ordered[0].slot.start)},
        )


def notify_cancelled(*, pathway, appointment, event, reason: str, actor_user=None) -> None:
    line = appointment_line(appointment)
    notify_city(
        kind="appointment.changed",
        referral=pathway.referral,
        event=event,
        actor_user=actor_user,
        values={"rendez_vous": _("Annulé :") + "\n" + line, "motif": reason},
    )


def notify_rebooked(*, pathway, appointments: list, event, reason: str, actor_user=None) -> None:
    """Appointments moved off slots a closure blocked: the referrer and the GP (their channels), and the
    patient by SMS when a mobile number is known (a notice without clinical detail: the new date and who
    to call)."""
    ordered = sorted(appointments, key=lambda a: (a.slot.start, a.pk))
    notify_city(
        kind="appointment.rebooked",
        referral=pathway.referral,
        event=event,
        actor_user=actor_user,
        values={"rendez_vous": "\n".join(appointment_line(a) for a in ordered), "motif": reason},
    )
    referral = pathway.referral
    notify_patient(
        kind="appointment.rebooked_patient",
        event=event,
        patient=pathway.patient,
        values={**base_values(referral), "date": when_in_words(ordered[0].slot.start)},
    )
