"""The personalised care plan (PPS): written from the board's decision, edited before it is handed to the
patient (each edit a new version, the earlier ones kept), handed (the date), then sent to the GP with its PDF
through the outbox (MSSanté carries the PDF, as for the letters).

The booklet's sections and the supportive care offered are data (`data/booklet_v1.json`, with their source).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jalon.accounts.audit import audit
from jalon.accounts.models import AuditAction
from jalon.boards.errors import BoardError, BoardErrorCode
from jalon.boards.models import BoardDecision, CarePlan, CarePlanVersion
from jalon.core.actor import Actor
from jalon.core.formatting import date_numeric, day_month_year
from jalon.core.validation import future_date_error
from jalon.events.services import event_record
from jalon.pathways.models import Milestone, MilestoneStatus, Phase
from jalon.referrals.notifications import notify_city

BOOKLET = Path(__file__).resolve().parent / "data" / "booklet_v1.json"
TEXT_SECTIONS = ("treatment", "calendar", "contacts", "who_to_call")
MAX_SECTION_LENGTH = 4000


@lru_cache(maxsize=1)
def booklet() -> dict:
    return json.loads(BOOKLET.read_text(encoding="utf-8"))


def supportive_care_choices() -> list[str]:
    return list(booklet()["supportive_care"])


def _calendar_lines(pathway) -> list[str]:
    """The treatment steps still to come, with their target dates (in words)."""
    lines = []
    for milestone in Milestone.objects.filter(
        pathway=pathway, template__phase=Phase.TREATMENT, status=MilestoneStatus.PENDING
    ).order_by("order"):
        when = (
            _("le %(day)s") % {"day": day_month_year(milestone.planned_at)}
            if milestone.planned_at
            else _("avant le %(day)s") % {"day": day_month_year(milestone.due_at)}
            if milestone.due_at
            else _("date à fixer")
        )
        lines.append(f"{milestone.label} : {when}")
    return lines


def default_content(decision: BoardDecision) -> dict:
    """The PPS's first content, from the decision and the pathway (the coordinator edits it before handing)."""
    case = decision.case
    pathway = case.pathway
    referral = pathway.referral
    entry_point = referral.entry_point
    treatment = [f"{decision.get_treatment_kind_display()} : {decision.proposal}"]
    if decision.next_steps:
        treatment.append(decision.next_steps)
    contacts = [
        _("La coordination : %(name)s%(phone)s")
        % {"name": entry_point.name, "phone": f", {entry_point.phone}" if entry_point.phone else ""},
        _("Le président de la RCP : %(name)s") % {"name": case.meeting.board.chair.display_name},
    ]
    if referral.gp_id:
        contacts.append(_("Votre médecin traitant : %(name)s") % {"name": referral.gp.display_name})
    phone = entry_point.phone or entry_point.organization.phone
    who_to_call = (
        _("La coordination au %(phone)s, du lundi au vendredi. En cas d'urgence la nuit ou le week-end, appelez le 15.")
        % {"phone": phone}
        if phone
        else _("Votre médecin traitant. En cas d'urgence, appelez le 15.")
    )
    return {
        "treatment": "\n".join(treatment),
        "calendar": "\n".join(_calendar_lines(pathway)),
        "contacts": "\n".join(contacts),
        "supportive_care": [],
        "who_to_call": who_to_call,
    }


def clean_content(content: dict) -> dict:
    """The content as stored: every section a string (the supportive care a list from the booklet's)."""
    cleaned = {}
    for code in TEXT_SECTIONS:
        value = str(content.get(code, "") or "").strip()
        if len(value) > MAX_SECTION_LENGTH:
            raise BoardError(BoardErrorCode.INVALID_INPUT, _("4 000 caractères au plus."), field=code)
        cleaned[code] = value
    if not cleaned["treatment"]:
        raise BoardError(BoardErrorCode.INVALID_INPUT, _("Décrivez le traitement proposé."), field="treatment")
    if not cleaned["who_to_call"]:
        raise BoardError(BoardErrorCode.INVALID_INPUT, _("Indiquez qui le patient peut appeler."), field="who_to_call")
    offered = set(supportive_care_choices())
    chosen = list(content.get("supportive_care", []) or [])
    if any(item not in offered for item in chosen):
        raise BoardError(BoardErrorCode.INVALID_INPUT, _("Soin de support inconnu."), field="supportive_care")
    cleaned["supportive_care"] = [item for item in supportive_care_choices() if item in chosen]
    return cleaned


# --- the PDF ----------------------------------------------------------------------------------------


def care_plan_pdf(*, pathway, content: dict, version: int) -> bytes:
    """The patient's PPS as a French PDF: the booklet's sections filled with `content`."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontName="Helvetica", fontSize=11, leading=15)
    small = ParagraphStyle("small", parent=body, fontSize=9, leading=12)
    title = ParagraphStyle("title", parent=styles["Title"], fontName="Helvetica-Bold", fontSize=18, alignment=0)
    heading = ParagraphStyle(
        "heading", parent=styles["Heading2"], fontName="Helvetica-Bold", fontSize=13, spaceBefore=10, spaceAfter=4
    )
    referral, patient = pathway.referral, pathway.patient
    story = [
        Paragraph(escape(_("Mon programme personnalisé de soins")), title),
        Paragraph(escape(f"{referral.entry_point.name} – {referral.entry_point.organization.name}"), small),
        Spacer(1, 6 * mm),
        Paragraph(
            escape(
                _("%(name)s, né·e le %(born)s – dossier %(reference)s – version %(version)s")
                % {
                    "name": patient.display_name,
                    "born": date_numeric(patient.birth_date),
                    "reference": referral.reference,
                    "version": version,
                }
            ),
            body,
        ),
    ]
    for section in booklet()["sections"]:
        story.append(Paragraph(escape(section["title"]), heading))
        story.append(Paragraph(escape(section["intro"]), small))
        if section["code"] == "supportive_care":
            lines = content.get("supportive_care") or [_("À discuter lors du temps d'accompagnement soignant.")]
        else:
            lines = [line for line in (content.get(section["code"]) or "").splitlines() if line.strip()] or ["–"]
        for line in lines:
            story.append(Paragraph(escape(f"• {line}" if section["code"] != "who_to_call" else line), body))
    story += [
        Spacer(1, 6 * mm),
        Paragraph(
            escape(
                _(
                    "Ce programme peut évoluer avec votre traitement : chaque modification vous sera remise. "
                    "Votre médecin traitant en reçoit une copie."
                )
            ),
            small,
        ),
    ]
    buffer = BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=_("Programme personnalisé de soins – %(reference)s") % {"reference": referral.reference},
        author="Jalon",
        lang="fr-FR",
    ).build(story)
    return buffer.getvalue()


def attachment_name(care_plan: CarePlan) -> str:
    return f"programme-personnalise-de-soins-{care_plan.pathway.referral.reference}.pdf"


# --- the services -----------------------------------------------------------------------------------


def _version_write(*, actor: Actor, care_plan: CarePlan, content: dict) -> CarePlanVersion:
    number = (care_plan.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    pdf = care_plan_pdf(pathway=care_plan.pathway, content=content, version=number)
    version = CarePlanVersion(
        care_plan=care_plan,
        number=number,
        content=content,
        size=len(pdf),
        sha256=hashlib.sha256(pdf).hexdigest(),
        created_by=actor.user if getattr(actor.user, "is_authenticated", False) else None,
    )
    version.file.save("pps.pdf", ContentFile(pdf), save=False)
    version.save()
    event_record(
        actor=actor,
        kind="care_plan.version_saved",
        patient_id=care_plan.pathway.patient_id,
        referral_id=care_plan.pathway.referral_id,
        payload={"care_plan": care_plan.pk, "version": number},
    )
    audit(
        actor,
        action=AuditAction.CREATE,
        patient_id=care_plan.pathway.patient_id,
        object_type="care_plan",
        object_id=care_plan.pk,
    )
    return version


def care_plan_start(*, actor: Actor, decision: BoardDecision) -> CarePlan:
    """The PPS of a decision with its first version (in the decision's transaction)."""
    decision = BoardDecision.objects.select_related(
        "case__pathway__referral__entry_point__organization",
        "case__pathway__referral__gp",
        "case__pathway__patient",
        "case__meeting__board__chair",
    ).get(pk=decision.pk)
    care_plan = CarePlan.objects.create(decision=decision, pathway=decision.case.pathway)
    care_plan.pathway = decision.case.pathway
    _version_write(actor=actor, care_plan=care_plan, content=default_content(decision))
    return care_plan


def _locked(care_plan: CarePlan) -> CarePlan:
    return (
        CarePlan.objects.select_for_update(of=("self",))
        .select_related("pathway__referral__entry_point__organization", "pathway__patient")
        .get(pk=care_plan.pk)
    )


@transaction.atomic
def care_plan_version_save(*, actor: Actor, care_plan: CarePlan, content: dict) -> CarePlanVersion:
    """A new version of the PPS with the edited content (refused once handed: a new plan is a new decision)."""
    care_plan = _locked(care_plan)
    if care_plan.handed_on:
        raise BoardError(BoardErrorCode.PPS_HANDED, _("Ce PPS a déjà été remis au patient : il n'est plus modifiable."))
    cleaned = clean_content(content)
    current = care_plan.current_version()
    if current is not None and current.content == cleaned:
        return current
    return _version_write(actor=actor, care_plan=care_plan, content=cleaned)


@transaction.atomic
def care_plan_hand(*, actor: Actor, care_plan: CarePlan, handed_on: date) -> CarePlan:
    """Mark the PPS's current version handed to the patient on `handed_on` (not in the future)."""
    care_plan = _locked(care_plan)
    if care_plan.handed_on:
        raise BoardError(BoardErrorCode.PPS_HANDED, _("Ce PPS a déjà été remis au patient."))
    if error := future_date_error(handed_on, what=_("La date de remise")):
        raise BoardError(BoardErrorCode.INVALID_INPUT, error, field="handed_on")
    version = care_plan.current_version()
    care_plan.handed_on, care_plan.handed_by = handed_on, actor.user
    care_plan.save(update_fields=["handed_on", "handed_by"])
    event_record(
        actor=actor,
        kind="care_plan.handed",
        patient_id=care_plan.pathway.patient_id,
        referral_id=care_plan.pathway.referral_id,
        payload={"care_plan": care_plan.pk, "version": version.number, "handed_on": handed_on.isoformat()},
    )
    audit(
        actor,
        action=AuditAction.UPDATE,
        patient_id=care_plan.pathway.patient_id,
        object_type="care_plan",
        object_id=care_plan.pk,
    )
    return care_plan


@transaction.atomic
def care_plan_send(*, actor: Actor, care_plan: CarePlan) -> CarePlan:
    """Send the handed PPS (its current version's PDF) to the GP and the referrer through the outbox."""
    care_plan = _locked(care_plan)
    if not care_plan.handed_on:
        raise BoardError(BoardErrorCode.INVALID_TRANSITION, _("Remettez d'abord le PPS au patient."))
    version = care_plan.current_version()
    event = event_record(
        actor=actor,
        kind="care_plan.sent",
        patient_id=care_plan.pathway.patient_id,
        referral_id=care_plan.pathway.referral_id,
        payload={"care_plan": care_plan.pk, "version": version.number},
    )
    decision = BoardDecision.objects.get(pk=care_plan.decision_id)
    notify_city(
        kind="care_plan.sent",
        referral=care_plan.pathway.referral,
        event=event,
        actor_user=actor.user,
        values={
            "date": day_month_year(care_plan.handed_on),
            "decision": f"{decision.get_treatment_kind_display()} : {decision.proposal}",
        },
        attachment_path=version.file.name,
        attachment_name=attachment_name(care_plan),
    )
    care_plan.sent_at = timezone.now()
    care_plan.save(update_fields=["sent_at"])
    audit(
        actor,
        action=AuditAction.UPDATE,
        patient_id=care_plan.pathway.patient_id,
        object_type="care_plan",
        object_id=care_plan.pk,
    )
    return care_plan
