"""What leaves the system about appointments: the patient's letter (PDF) and the professionals' calendar (ICS).

The letter names the patient (it is theirs) but shows the INS only when the identity is qualified
(Patient.shareable_ins). The calendar file names no patient at all: a professional's calendar
is synchronised to places Jalon does not control, so an event carries the referral's reference only.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from io import BytesIO
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _

from jalon.core.formatting import date_numeric, when_in_words
from jalon.core.vocabulary import ResourceKind
from jalon.scheduling.models import Appointment


def place_of(resource) -> str:
    """Where the patient goes: the resource's location, its organisation and the organisation's address."""
    organization = resource.organization
    parts = [resource.location, organization.name, organization.address]
    if organization.commune_id:
        parts.append(organization.commune.name)
    return ", ".join(part for part in parts if part)


def contact_of(resource, entry_point) -> str:
    """The phone the patient calls about this appointment: the resource's secretariat, else the entry point."""
    return resource.contact_phone or entry_point.phone or entry_point.organization.phone


def _paragraphs(pathway, appointments: list[Appointment]):
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer

    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontName="Helvetica", fontSize=11, leading=15)
    small = ParagraphStyle("small", parent=body, fontSize=9, leading=12)
    brand = ParagraphStyle(
        "brand", parent=styles["Title"], fontName="Helvetica-Bold", fontSize=20, alignment=0, spaceAfter=2
    )
    heading = ParagraphStyle(
        "heading", parent=styles["Heading2"], fontName="Helvetica-Bold", fontSize=13, spaceBefore=10, spaceAfter=4
    )

    def text(value: str, style=body):
        return Paragraph(escape(value), style)

    def labelled(label: str, value: str):
        return Paragraph(f"<b>{escape(label)}</b> {escape(value)}", body)

    referral, patient = pathway.referral, pathway.patient
    entry_point = referral.entry_point
    story = [
        text("Jalon", brand),
        text(f"{entry_point.name} – {entry_point.organization.name}", small),
    ]
    if entry_point.phone:
        story.append(text(_("Téléphone : %(phone)s") % {"phone": entry_point.phone}, small))
    story += [Spacer(1, 8 * mm), text(_("Vos rendez-vous"), heading)]
    story.append(
        labelled(
            _("Patient :"),
            _("%(name)s, né·e le %(born)s") % {"name": patient.display_name, "born": date_numeric(patient.birth_date)},
        )
    )
    if patient.shareable_ins:  # printed only for a qualified identity (RNIV)
        story.append(labelled(_("INS :"), patient.shareable_ins))
    story.append(labelled(_("Dossier :"), referral.reference))
    story += [
        Spacer(1, 4 * mm),
        text(_("Madame, Monsieur,")),
        text(
            _(
                "Voici les rendez-vous organisés pour vous. Merci de vous présenter un quart d'heure avant l'heure "
                "indiquée, "
                "avec votre carte Vitale, une pièce d'identité et vos derniers examens."
            )
        ),
    ]
    for appointment in appointments:
        slot, resource = appointment.slot, appointment.slot.resource
        story.append(text(when_in_words(slot.start).capitalize(), heading))
        story.append(
            labelled(
                _("Rendez-vous :"),
                f"{appointment.milestone.label if appointment.milestone_id else resource.name} ({resource.name})",
            )
        )
        story.append(labelled(_("Lieu :"), place_of(resource)))
        story.append(labelled(_("Préparation :"), resource.preparation or _("aucune préparation particulière.")))
        contact = contact_of(resource, entry_point)
        if contact:
            story.append(labelled(_("Contact :"), contact))
    story += [
        Spacer(1, 6 * mm),
        text(
            _(
                "En cas d'empêchement, prévenez-nous le plus tôt possible : le créneau pourra être proposé à un autre "
                "patient."
            )
        ),
        Spacer(1, 4 * mm),
        text(_("La coordination – %(entry_point)s") % {"entry_point": entry_point.name}),
    ]
    return story


def appointment_letter_pdf(*, pathway, appointments: Iterable[Appointment]) -> bytes:
    """The patient's letter for these appointments (a booking group), as PDF bytes.

    `appointments` come with slot__resource__organization__commune and milestone loaded; the pathway
    with referral__entry_point__organization and patient."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=_("Rendez-vous – %(reference)s") % {"reference": pathway.referral.reference},
        author="Jalon",
        lang="fr-FR",
    )
    document.build(_paragraphs(pathway, sorted(appointments, key=lambda a: (a.slot.start, a.pk))))
    return buffer.getvalue()


def appointment_uid(appointment: Appointment) -> str:
    """The event's UID: the same for an appointment in every file, so calendars update instead of duplicating."""
    return f"jalon-appointment-{appointment.pk}@jalon"


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def appointments_ics(*, pathway, appointments: Iterable[Appointment]) -> bytes:
    """An iCalendar file with one VEVENT per appointment: UTC times, the reference as summary, no patient name."""
    from icalendar import Calendar, Event

    reference = pathway.referral.reference
    calendar = Calendar()
    calendar.add("prodid", "-//Jalon//Rendez-vous du parcours//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"Jalon – {reference}")
    for appointment in sorted(appointments, key=lambda a: (a.slot.start, a.pk)):
        slot, resource = appointment.slot, appointment.slot.resource
        event = Event()
        event.add("uid", appointment_uid(appointment))
        event.add("dtstamp", _utc(appointment.booked_at))
        event.add("dtstart", _utc(slot.start))
        event.add("dtend", _utc(slot.end))
        event.add("summary", f"{reference} – {ResourceKind(resource.kind).label}")
        event.add("location", place_of(resource))
        event.add(
            "description",
            f"{appointment.milestone.label if appointment.milestone_id else ''} – {resource.name}".strip(" –"),
        )
        event.add("status", "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical()
