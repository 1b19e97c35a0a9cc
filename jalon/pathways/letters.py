"""The letters Jalon writes to the GP from the pathway's data, as PDF: after the first diagnostic day
(exams done, next steps: seed 001, fiche 7, Gustave Roussy) and at the end of the pathway (the closing
report of the return to the GP: seed 000, « retour accompagné »).

A letter is written once per pathway and kind (`Letter` is unique on both): a second call returns
the stored one, so a retried message joins the same file. The INS is printed only when the identity
is qualified.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from io import BytesIO
from xml.sax.saxutils import escape

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _
from phonenumbers import NumberParseException

from jalon.core.formatting import date_numeric, day_in_words, when_in_words
from jalon.core.identifiers import format_phone_national
from jalon.pathways.models import Letter, LetterKind, MilestoneStatus, Pathway
from jalon.patients.models import Sex

TITLES = {
    LetterKind.FIRST_DIAGNOSTIC_DAY: _("Courrier au médecin traitant – première journée de diagnostic"),
    LetterKind.CLOSING_REPORT: _("Compte rendu de fin de parcours – retour au médecin traitant"),
}


@dataclass(frozen=True)
class LetterContent:
    """What a letter says beyond the pathway's identity block: filled by the caller from the pathway."""

    opening: str
    sections: tuple[tuple[str, tuple[str, ...]], ...]  # (heading, lines)
    closing: str = ""


def steps_done_lines(pathway: Pathway) -> list[str]:
    done = pathway.milestones.filter(status=MilestoneStatus.DONE).order_by("done_at", "order")
    lines = []
    for milestone in done:
        line = f"{milestone.label} : {day_in_words(milestone.done_at)}"
        if milestone.note:
            line += f" – {milestone.note}"
        lines.append(line)
    return lines


def next_steps_lines(pathway: Pathway) -> list[str]:
    """The pending steps, with their appointment or their due date; a due date already past says the step is
    late rather than asking the GP for something « avant » a day gone by."""
    pending = pathway.milestones.filter(status=MilestoneStatus.PENDING).order_by("order")
    now = timezone.now()
    lines = []
    for milestone in pending:
        if milestone.planned_at:
            lines.append(
                _("%(label)s : prévu le %(when)s")
                % {"label": milestone.label, "when": when_in_words(milestone.planned_at)}
            )
        elif milestone.due_at and milestone.due_at < now:
            lines.append(
                _("%(label)s : en retard (échéance dépassée : %(day)s)")
                % {"label": milestone.label, "day": day_in_words(milestone.due_at)}
            )
        elif milestone.due_at:
            lines.append(
                _("%(label)s : avant le %(day)s") % {"label": milestone.label, "day": day_in_words(milestone.due_at)}
            )
        else:
            lines.append(milestone.label)
    return lines


def patient_line(patient) -> str:
    """« Patiente : Jeanne LEFÈVRE, née le 12/03/1956 », agreed with the patient's sex (« né·e » only when unknown)."""
    values = {"name": patient.display_name, "born": date_numeric(patient.birth_date)}
    if patient.sex == Sex.FEMALE:
        return _("Patiente : %(name)s, née le %(born)s") % values
    if patient.sex == Sex.MALE:
        return _("Patient : %(name)s, né le %(born)s") % values
    return _("Patient·e : %(name)s, né·e le %(born)s") % values


def sender_line(entry_point) -> str:
    """The entry point and its organisation, the latter left out when the entry point's name already holds it
    (« Guichet cancer – Hôpital X » of « Hôpital X »)."""
    organisation = entry_point.organization.name
    if organisation.casefold() in entry_point.name.casefold():
        return entry_point.name
    return f"{entry_point.name} – {organisation}"


def phone_display(phone: str) -> str:
    """A stored phone number as people read it (« 03 53 01 00 12 »); as stored if it does not parse."""
    try:
        return format_phone_national(phone)
    except NumberParseException:  # a number typed before validation existed is printed as it is
        return phone


def _story(pathway: Pathway, kind: str, content: LetterContent):
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
        return Paragraph(escape(value).replace("\n", "<br/>"), style)

    referral, patient = pathway.referral, pathway.patient
    entry_point = referral.entry_point
    recipient = (
        referral.gp if referral.gp_id and referral.gp_confirmed_at else referral.referrer
    )  # a proposed GP is not written to
    story = [text("Jalon", brand), text(sender_line(entry_point), small)]
    if entry_point.phone:
        story.append(text(_("Téléphone : %(phone)s") % {"phone": phone_display(entry_point.phone)}, small))
    story += [
        Spacer(1, 6 * mm),
        text(_("À l'attention de %(name)s") % {"name": recipient.display_name}),
        text(_("Le %(day)s") % {"day": day_in_words(timezone.now())}, small),
        text(str(TITLES[kind]), heading),
        text(patient_line(patient)),
    ]
    if patient.shareable_ins:  # printed only for a qualified identity (RNIV)
        story.append(text(_("INS : %(ins)s") % {"ins": patient.shareable_ins}))
    story += [
        text(
            _("Référence du parcours : %(reference)s (%(template)s)")
            % {"reference": referral.reference, "template": pathway.template_version.template.name}
        ),
        Spacer(1, 4 * mm),
        text(_("Chère consœur, cher confrère,")),
        text(content.opening),
    ]
    for title, lines in content.sections:
        story.append(text(title, heading))
        for line in lines or (_("Aucune."),):
            story.append(text(f"• {line}"))
    if content.closing:
        story += [Spacer(1, 4 * mm), text(content.closing)]
    story += [
        Spacer(1, 6 * mm),
        text(
            _(
                "Vous pouvez suivre le parcours en temps réel dans Jalon et écrire à la coordination depuis la page "
                "du patient."
            )
        ),
        Spacer(1, 4 * mm),
        text(_("Bien confraternellement,")),
        text(_("La coordination – %(entry_point)s") % {"entry_point": entry_point.name}),
    ]
    return story


def letter_pdf(*, pathway: Pathway, kind: str, content: LetterContent) -> bytes:
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
        title=f"{TITLES[kind]} – {pathway.referral.reference}",
        author="Jalon",
        lang="fr-FR",
    )
    document.build(_story(pathway, kind, content))
    return buffer.getvalue()


def letter_write(*, pathway: Pathway, kind: str, content: LetterContent, event=None) -> Letter:
    """Write and store the letter of `kind` for this pathway, or return the one already written."""
    existing = Letter.objects.filter(pathway=pathway, kind=kind).first()
    if existing is not None:
        return existing
    pdf = letter_pdf(pathway=pathway, kind=kind, content=content)
    letter = Letter(
        pathway=pathway,
        kind=kind,
        title=str(TITLES[kind]),
        size=len(pdf),
        sha256=hashlib.sha256(pdf).hexdigest(),
        event=event,
    )
    letter.file.save("courrier.pdf", ContentFile(pdf), save=False)
    letter.save()
    return letter


def attachment_name(letter: Letter) -> str:
    slug = (
        "premiere-journee-diagnostic"
        if letter.kind == LetterKind.FIRST_DIAGNOSTIC_DAY
        else "compte-rendu-fin-de-parcours"
    )
    return f"{slug}-{letter.pathway.referral.reference}.pdf"
