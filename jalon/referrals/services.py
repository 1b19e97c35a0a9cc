"""Every write on referrals: submission, complement, and the coordinator's decisions.

Each service runs in one transaction that writes the new state, the event, the audit record
and the outbox messages together (DESIGN.md §4).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jalon.accounts.audit import audit
from jalon.accounts.freshness import data_changed
from jalon.accounts.models import AuditAction
from jalon.core.actor import Actor
from jalon.core.documents import CheckedDocument, check_document
from jalon.core.formatting import date_at_time
from jalon.core.references import next_reference
from jalon.core.validation import future_date_error
from jalon.core.vocabulary import AlarmSign, Urgency
from jalon.core.workcalendar import (
    DELAY_UNITS,
    delay_never_longer,
    due_at_opening,
    working_time_between,
)
from jalon.directory.models import Professional
from jalon.events.services import event_record
from jalon.patients.models import CareTeamRole, Patient
from jalon.patients.services import PatientIdentity, care_team_add, identity_conflict_record, patient_register
from jalon.referrals import completeness
from jalon.referrals.errors import ReferralError, ReferralErrorCode
from jalon.referrals.imaging import clean_imaging_findings
from jalon.referrals.models import (
    OPEN_STATUSES,
    EntryPoint,
    ExamDone,
    ReferenceCounter,
    Referral,
    ReferralDocument,
    ReferralMessage,
)
from jalon.referrals.notifications import notify_referrer
from jalon.referrals.signals import complement_answered, referral_content_changed
from jalon.referrals.status import ANSWERING_ACTIONS, TRANSITIONS, awaits_complement, target_status


@dataclass(frozen=True)
class ExamInput:
    kind: str
    done_on: date | None = None
    place: str = ""
    summary: str = ""
    files: tuple = ()


@dataclass
class SubmitResult:
    referral: Referral
    patient_created: bool
    open_referrals_of_patient: list[Referral] = field(default_factory=list)


def answer_calendar(entry_point: EntryPoint) -> dict:
    """The working calendar of an entry point's answers: its organisation's department and its closures.

    Reads ``entry_point.closures.all()``, so a list that prefetches ``entry_point__closures`` costs no query per row.
    """
    return {
        "department": entry_point.organization.department,
        "closures": frozenset(closure.day for closure in entry_point.closures.all()),
    }


def opening_calendar(entry_point: EntryPoint) -> dict:
    """`answer_calendar` with the entry point's opening hours, as `workcalendar.next_opening` takes them."""
    return {**answer_calendar(entry_point), "opens": entry_point.opens_at, "closes": entry_point.closes_at}


ANSWER_DELAYS_FILE = Path(__file__).resolve().parent / "data" / "answer_delays_v1.json"


@lru_cache(maxsize=1)
def shipped_answer_delays() -> dict[str, dict]:
    """The shipped answer delay per declared urgency (urgent, very urgent), each with its source."""
    return json.loads(ANSWER_DELAYS_FILE.read_text(encoding="utf-8"))["delays"]


def answer_delay(entry_point: EntryPoint, urgency: str) -> tuple[int, str]:
    """The delay (amount, unit) the entry point commits to for a referral of this declared urgency.

    Routine: the entry point's delay. Urgent and very urgent: the entry point's own delay for that urgency
    if it set one, else the shipped one; never longer than the routine commitment."""
    routine = (entry_point.answer_delay_amount, entry_point.answer_delay_unit)
    if urgency == Urgency.ROUTINE:
        return routine
    chosen = (entry_point.answer_delay_by_urgency or {}).get(urgency) or shipped_answer_delays().get(urgency)
    if not chosen:
        return routine
    delay = (int(chosen["amount"]), chosen["unit"])
    return delay if delay_never_longer(delay, routine) else routine


def answer_commitment(entry_point: EntryPoint, urgency: str) -> str:
    """The delay of `answer_delay` as the referrer reads it: « 4 heures ouvrées »."""
    amount, unit = answer_delay(entry_point, urgency)
    return f"{amount} {dict(DELAY_UNITS)[unit]}"


def answer_deadline_for(entry_point: EntryPoint, received_at, urgency: str = Urgency.ROUTINE) -> object:
    """The committed answer time: the delay for the declared urgency, in the entry point's working time,
    moved to its next opening when it falls while it is closed."""
    return due_at_opening(received_at, *answer_delay(entry_point, urgency), **opening_calendar(entry_point))


def answer_hours_left(referral: Referral, now) -> int:
    """Whole working hours left before the referral's answer deadline, in the calendar that set it."""
    return answer_countdown(referral.answer_deadline, now, answer_calendar(referral.entry_point))[0]


def answer_countdown(answer_deadline: datetime, now, calendar: dict) -> tuple[int, datetime]:
    """`answer_hours_left` for a deadline in an entry point's `answer_calendar`, and the moment that figure
    (or the « en retard » flag) changes next at the latest: the deadline, or sooner when a working hour runs
    out before it (counted in wall time, so never later than in working time)."""
    left = working_time_between(now, answer_deadline, **calendar).total_seconds()
    next_change = answer_deadline if answer_deadline > now else now + timedelta(hours=1)
    if left > 0:
        next_change = min(next_change, now + timedelta(seconds=max(left % 3600, 1)))
    return int(left // 3600), next_change


def _check_documents(uploads) -> list[CheckedDocument]:
    checked = []
    for upload in uploads:
        try:
            checked.append(check_document(upload))
        except ValidationError as exc:
            raise ReferralError(ReferralErrorCode.INVALID_DOCUMENT, " ".join(exc.messages), field="documents") from exc
    return checked


def _store_documents(
    *, actor: Actor, referral: Referral, documents: list[CheckedDocument], exam: ExamDone | None
) -> None:
    for document in documents:
        ReferralDocument.store(document, uploaded_by=actor.user, referral=referral, exam=exam)


def _store_attachments(*, actor: Actor, referral: Referral, documents: list[CheckedDocument], exams: list) -> None:
    """Store loose documents, then each exam with its own documents (all already checked)."""
    _store_documents(actor=actor, referral=referral, documents=documents, exam=None)
    for exam_input, exam_documents in exams:
        exam = ExamDone.objects.create(
            referral=referral,
            kind=exam_input.kind,
            done_on=exam_input.done_on,
            place=exam_input.place.strip(),
            summary=exam_input.summary.strip(),
        )
        _store_documents(actor=actor, referral=referral, documents=exam_documents, exam=exam)


def _content_of(referral: Referral, attached: tuple[frozenset, int] | None = None) -> completeness.ReferralContent:
    """What completeness looks at; `attached`: the exam kinds and the number of documents when the caller
    knows them (a referral just written with all its exams and documents), else read."""
    exam_kinds, document_count = attached or (
        frozenset(referral.exams.values_list("kind", flat=True)),
        referral.documents.count(),
    )
    return completeness.ReferralContent(
        clinical_reason=referral.clinical_reason,
        first_symptoms_date=referral.first_symptoms_date,
        gp_id=referral.gp_id,
        patient_phone=referral.contact_phone,
        patient_commune_code=referral.contact_commune_code,
        patient_informed=referral.patient_informed,
        exam_kinds=exam_kinds,
        document_count=document_count,
    )


def _refresh_completeness(referral: Referral, attached: tuple[frozenset, int] | None = None) -> None:
    rule_set = referral.completeness_rule_set or completeness.current_rule_set()
    referral.completeness_rule_set = rule_set
    items = completeness.required_items(rule_set, referral.suspected_site)
    referral.missing_items = completeness.missing_items(
        _content_of(referral, attached), items, not_done=referral.items_not_done
    )
    referral.is_complete = not referral.missing_items


def wished_missing_items(referral: Referral) -> list[str]:
    """The items asked for but not required (« souhaité ») that the referral lacks: shown to the referrer,
    they never make it incomplete."""
    if referral.completeness_rule_set_id is None:
        return []
    items = completeness.wished_items(referral.completeness_rule_set, referral.suspected_site)
    if not items:
        return []
    return completeness.missing_items(_content_of(referral), items, not_done=referral.items_not_done)


def complement_deadline_for(entry_point: EntryPoint, requested_at) -> object:
    """When a complement requested at `requested_at` is due: the entry point's own answer delay, in its
    working calendar (what the entry point promises the referrer, it asks in return; proposition Jalon,
    à valider)."""
    return answer_deadline_for(entry_point, requested_at)


def check_may_submit(*, actor: Actor, entry_point: EntryPoint, channel: str, referrer: Professional) -> None:
    """ReferralError (not_allowed) with the French reason unless the actor may file this referral: the one
    rule every channel goes through (web form, phone intake, mail-in, tele-expertise, API)."""
    from jalon.referrals.access import submission_refusal

    refusal = (
        submission_refusal(actor.user, entry_point, channel=channel, referrer=referrer)
        if actor.user
        else (None, _("Votre compte ne permet pas d'envoyer une demande de prise en soins."))
    )
    if refusal is not None:
        field, message = refusal
        raise ReferralError(ReferralErrorCode.NOT_ALLOWED, message, field=field)


def _is_outside_territory(entry_point: EntryPoint, commune_code: str | None) -> bool:
    if entry_point.territory_id is None or not commune_code:
        return False
    return not entry_point.territory.communes.filter(code=commune_code).exists()


@transaction.atomic
def referral_submit(
    *,
    actor: Actor,
    entry_point: EntryPoint,
    channel: str,
    patient: PatientIdentity,
    referrer: Professional,
    suspected_site: str,
    clinical_reason: str = "",
    first_symptoms_date: date | None = None,
    declared_urgency: str = "routine",
    question: str = "diagnosis",
    patient_informed: bool | None = None,
    exams: list[ExamInput] | tuple = (),
    documents: list | tuple = (),
    caller_name: str = "",
    alarm_signs: list[str] | tuple = (),
    imaging_findings: dict | None = None,
) -> SubmitResult:
    """Register a referral: patient found or created, completeness checked, acknowledged with a deadline.

    Whoever may file it, to which entry point and in whose name, is checked here for every channel
    (`access.submission_refusal`). The referrer reaches this referral only, not the patient's file."""
    check_may_submit(actor=actor, entry_point=entry_point, channel=channel, referrer=referrer)
    if not entry_point.is_active:
        raise ReferralError(ReferralErrorCode.ENTRY_POINT_CLOSED, _("Ce guichet ne reçoit plus de demandes."))
    if future_error := future_date_error(first_symptoms_date, what=_("La date des premiers symptômes")):
        raise ReferralError(ReferralErrorCode.INVALID_INPUT, future_error, field="first_symptoms_date")
    try:
        imaging_findings = clean_imaging_findings(imaging_findings)
    except ValidationError as exc:
        raise ReferralError(ReferralErrorCode.INVALID_INPUT, " ".join(exc.messages), field="imaging_findings") from exc
    checked_documents = _check_documents(documents)
    checked_exam_files = [(exam, _check_documents(exam.files)) for exam in exams]

    # A known patient is matched, never changed: what the submitter sent stays on the referral. An INS naming
    # a known patient with other traits gives a new provisional patient and an identity conflict.
    registration = patient_register(actor=actor, identity=patient, entry_point_id=entry_point.pk)
    patient_row, created = registration.patient, registration.created
    submitted_identity = patient.as_submitted()
    open_referrals = list(
        Referral.objects.filter(patient=patient_row, status__in=OPEN_STATUSES).order_by("received_at")
    )
    received_at = timezone.now()
    referral = Referral.objects.create(
        reference=next_reference(ReferenceCounter, prefix="JAL", year=timezone.localdate().year),
        entry_point=entry_point,
        channel=channel,
        patient=patient_row,
        referrer=referrer,
        caller_name=caller_name.strip(),
        # Only the GP the submitter named: a matched patient's own GP is not shown to a submitter.
        gp_id=patient.gp_id,
        suspected_site=suspected_site,
        clinical_reason=clinical_reason.strip(),
        first_symptoms_date=first_symptoms_date,
        declared_urgency=declared_urgency,
        alarm_signs=sorted(set(alarm_signs)),
        imaging_findings=imaging_findings,
        question=question,
        patient_informed=patient_informed,
        submitted_identity=submitted_identity,
        received_at=received_at,
        answer_deadline=answer_deadline_for(entry_point, received_at, declared_urgency),
        outside_territory=_is_outside_territory(
            entry_point, submitted_identity["commune_code"] or patient_row.commune_id
        ),
        created_by=actor.user,
    )
    if registration.conflict is not None:
        identity_conflict_record(actor=actor, conflict=registration.conflict, referral_id=referral.pk)
    _store_attachments(actor=actor, referral=referral, documents=checked_documents, exams=checked_exam_files)
    # A new referral has exactly the exams and documents just stored: no need to read them back.
    attached = (
        frozenset(exam.kind for exam, _files in checked_exam_files),
        len(checked_documents) + sum(len(files) for _exam, files in checked_exam_files),
    )
    _refresh_completeness(referral, attached)
    referral.save(update_fields=["missing_items", "is_complete", "completeness_rule_set"])

    # The referrer's row records who referred; it opens this referral only (patients.access.FILE_WIDE). The GP named
    # on the referral is a proposal: no row until the coordination confirms them (referral_confirm_gp).
    care_team_add(
        patient_id=patient_row.pk, role=CareTeamRole.REFERRER, professional_id=referrer.pk, reason=referral.reference
    )
    care_team_add(
        patient_id=patient_row.pk,
        role=CareTeamRole.COORDINATOR,
        organization_id=entry_point.organization_id,
        reason=referral.reference,
    )
    event = event_record(
        actor=actor,
        kind="referral.submitted",
        patient_id=patient_row.pk,
        referral_id=referral.pk,
        payload={
            "channel": channel,
            "missing_items": referral.missing_items,
            "outside_territory": referral.outside_territory,
        },
    )
    if open_referrals:
        referral.related_referrals.add(*open_referrals)
        event_record(
            actor=actor,
            kind="referral.duplicate_linked",
            patient_id=patient_row.pk,
            referral_id=referral.pk,
            payload={"linked": [other.reference for other in open_referrals]},
        )
    audit(
        actor,
        action=AuditAction.CREATE,
        patient_id=patient_row.pk,
        object_type="referral",
        object_id=referral.reference,
    )
    referral_content_changed.send(sender=Referral, referral=referral)
    notify_referrer(referral=referral, event=event)
    return SubmitResult(referral=referral, patient_created=created, open_referrals_of_patient=open_referrals)


@transaction.atomic
def referral_confirm_gp(*, actor: Actor, referral: Referral) -> Referral:
    """The coordination of the referral's entry point confirms the GP named on it: the GP joins the patient's
    care team (granted by this coordinator, reason: this referral) and from then on reaches the file, the
    portal page and the thread, and receives the messages meant for the GP. Idempotent once confirmed."""
    from jalon.patients.care_team import CareTeamError, care_team_grant
    from jalon.referrals.access import may_work_referral

    referral = _locked(referral)
    if not may_work_referral(actor.user, referral):
        raise ReferralError(
            ReferralErrorCode.NOT_ALLOWED, _("Seule la coordination du guichet confirme le médecin traitant.")
        )
    if referral.gp_id is None:
        raise ReferralError(
            ReferralErrorCode.INVALID_INPUT, _("Aucun médecin traitant n'est proposé sur cette demande."), field="gp"
        )
    if referral.gp_confirmed_at is not None:
        return referral
    try:
        care_team_grant(
            actor=actor,
            patient=referral.patient,
            professional=referral.gp,
            role=CareTeamRole.GP,
            reason=_("Médecin traitant indiqué sur la demande %(reference)s, confirmé par la coordination")
            % {"reference": referral.reference},
            referral_id=referral.pk,
        )
    except CareTeamError as error:
        raise ReferralError(ReferralErrorCode.NOT_ALLOWED, error.message) from error
    referral.gp_confirmed_at = timezone.now()
    referral.gp_confirmed_by = actor.user
    referral.save(update_fields=["gp_confirmed_at", "gp_confirmed_by", "updated_at"])
    patient = referral.patient
    if patient.gp_id != referral.gp_id:
        patient.gp_id = referral.gp_id
        patient.save(update_fields=["gp"])
    event_record(
        actor=actor,
        kind="referral.gp_confirmed",
        patient_id=referral.patient_id,
        referral_id=referral.pk,
        payload={"gp": referral.gp_id},
    )
    audit(
        actor,
        action=AuditAction.UPDATE,
        patient_id=referral.patient_id,
        object_type="referral.gp_confirmation",
        object_id=referral.reference,
    )
    return referral


@transaction.atomic
def referral_text_sign_decide(*, actor: Actor, referral: Referral, sign: str, confirmed: bool) -> Referral:
    """The coordination confirms a sign triage read in the referral's text (it joins the referral's alarm
    signs) or removes it (recorded as dismissed for this referral: triage no longer counts it). Idempotent."""
    from jalon.referrals.access import may_work_referral

    referral = _locked(referral)
    if not may_work_referral(actor.user, referral):
        raise ReferralError(
            ReferralErrorCode.NOT_ALLOWED, _("Seule la coordination du guichet confirme ou écarte un signe.")
        )
    if sign not in AlarmSign.values:
        raise ReferralError(ReferralErrorCode.INVALID_INPUT, _("Signe inconnu."), field="sign")
    field = "alarm_signs" if confirmed else "dismissed_text_signs"
    signs = list(getattr(referral, field) or [])
    if sign in signs:
        return referral
    setattr(referral, field, [*signs, sign])
    referral.save(update_fields=[field, "updated_at"])
    kind = "referral.text_sign_confirmed" if confirmed else "referral.text_sign_dismissed"
    event_record(
        actor=actor, kind=kind, patient_id=referral.patient_id, referral_id=referral.pk, payload={"sign": sign}
    )
    audit(
        actor,
        action=AuditAction.UPDATE,
        patient_id=referral.patient_id,
        object_type="referral.text_sign",
        object_id=referral.reference,
    )
    return referral


def _locked(referral: Referral) -> Referral:
    return Referral.objects.select_for_update().select_related("patient", "entry_point", "referrer").get(pk=referral.pk)


def _transition(
    *,
    actor: Actor,
    referral: Referral,
    action: str,
    reason: str,
    payload: dict | None = None,
    notify: bool = True,
    **changes,
) -> Referral:
    """Apply one transition of the status machine with its event, audit record and message to the referrer."""
    target = target_status(action, referral.status)
    if target is None:
        raise ReferralError(
            ReferralErrorCode.TRANSITION_NOT_ALLOWED,
            _("Action impossible : la demande est « %(status)s ».") % {"status": referral.get_status_display()},
        )
    previous = referral.status
    referral.status = target
    referral.status_reason = reason.strip()
    for name, value in changes.items():
        setattr(referral, name, value)
    update_fields = ["status", "status_reason", "updated_at", *changes]
    if action in ANSWERING_ACTIONS and referral.answered_at is None:
        referral.answered_at = timezone.now()
        update_fields.append("answered_at")
    referral.save(update_fields=update_fields)
    event = event_record(
        actor=actor,
        kind=TRANSITIONS[action][2],
        patient_id=referral.patient_id,
        referral_id=referral.pk,
        payload={"from": previous, "to": target, "reason": reason.strip(), **(payload or {})},
    )
    audit(
        actor,
        action=AuditAction.UPDATE,
        patient_id=referral.patient_id,
        object_type="referral",
        object_id=referral.reference,
    )
    if notify:
        notify_referrer(referral=referral, event=event, reason=reason.strip())
    return referral


def _require_reason(reason: str) -> None:
    if not reason.strip():
        raise ReferralError(ReferralErrorCode.REASON_REQUIRED, _("Indiquez un motif."), field="reason")


@transaction.atomic
def referral_request_complement(*, actor: Actor, referral: Referral, message: str) -> Referral:
    """Ask the referrer for what is missing; the referral waits until they complete it."""
    _require_reason(message)
    referral = _locked(referral)
    referral = _transition(actor=actor, referral=referral, action="request_complement", reason=message)
    ReferralMessage.objects.create(referral=referral, author=actor.user, body=message.strip())
    return referral


@transaction.atomic
def referral_complete(
    *,
    actor: Actor,
    referral: Referral,
    message: str = "",
    clinical_reason: str | None = None,
    first_symptoms_date: date | None = None,
    patient_informed: bool | None = None,
    patient_phone: str | None = None,
    patient_commune_code: str | None = None,
    exams: list[ExamInput] | tuple = (),
    documents: list | tuple = (),
    not_done: list[str] | tuple = (),
) -> Referral:
    """The referrer adds what was asked, or answers an exam « non réalisé » (the item is then answered, not
    missing); completeness is checked again. A referral waiting for its complement returns to the queue; one
    accepted with its complement requested stays accepted, and the items answered close their tasks
    (`signals.complement_answered`)."""
    if future_error := future_date_error(first_symptoms_date, what=_("La date des premiers symptômes")):
        raise ReferralError(ReferralErrorCode.INVALID_INPUT, future_error, field="first_symptoms_date")
    checked_documents = _check_documents(documents)
    checked_exam_files = [(exam, _check_documents(exam.files)) for exam in exams]
    referral = _locked(referral)
    if not awaits_complement(referral):
        raise ReferralError(ReferralErrorCode.TRANSITION_NOT_ALLOWED, _("Cette demande n'attend pas de complément."))
    unknown = [
        item for item in not_done if item not in referral.missing_items or not completeness.may_be_not_done(item)
    ]
    if unknown:
        raise ReferralError(
            ReferralErrorCode.INVALID_INPUT,
            _("Seul un examen demandé et manquant peut être déclaré non réalisé."),
            field="not_done",
        )
    missing_before = list(referral.missing_items)
    changed = []
    if not_done:
        referral.items_not_done = sorted({*referral.items_not_done, *not_done})
        changed.append("items_not_done")
    if clinical_reason is not None and clinical_reason.strip():
        referral.clinical_reason = clinical_reason.strip()
        changed.append("clinical_reason")
    if first_symptoms_date is not None:
        referral.first_symptoms_date = first_symptoms_date
        changed.append("first_symptoms_date")
    if patient_informed is not None:
        referral.patient_informed = patient_informed
        changed.append("patient_informed")
    if changed:
        referral.save(update_fields=changed)
    # The referrer's contact details go on the referral, never on the patient's record (identity vigilance:
    # only the coordination changes a patient).
    contact = {key: value for key, value in (("phone", patient_phone), ("commune_code", patient_commune_code)) if value}
    if contact:
        referral.submitted_identity = {**referral.submitted_identity, **contact}
        referral.save(update_fields=["submitted_identity"])
        referral.outside_territory = _is_outside_territory(referral.entry_point, referral.contact_commune_code)
    _store_attachments(actor=actor, referral=referral, documents=checked_documents, exams=checked_exam_files)
    _refresh_completeness(referral)
    if message.strip():
        ReferralMessage.objects.create(referral=referral, author=actor.user, body=message.strip())
    answered = [item for item in missing_before if item not in referral.missing_items]
    complement_answered.send(sender=Referral, referral_id=referral.pk, items=answered, actor=actor)
    if target_status("complete", referral.status) is None:
        referral = _complement_after_acceptance(actor=actor, referral=referral, message=message, answered=answered)
        referral_content_changed.send(sender=Referral, referral=referral)
        return referral
    referral = _transition(
        actor=actor,
        referral=referral,
        action="complete",
        reason=message,
        payload={"missing_items": referral.missing_items},
        missing_items=referral.missing_items,
        is_complete=referral.is_complete,
        outside_territory=referral.outside_territory,
    )
    referral_content_changed.send(sender=Referral, referral=referral)
    return referral


def _complement_after_acceptance(*, actor: Actor, referral: Referral, message: str, answered: list[str]) -> Referral:
    """Record the referrer's answer to a complement requested with the acceptance: the referral stays accepted."""
    referral.save(update_fields=["missing_items", "is_complete", "outside_territory", "updated_at"])
    event_record(
        actor=actor,
        kind="referral.complement_answered",
        patient_id=referral.patient_id,
        referral_id=referral.pk,
        payload={
            "reason": message.strip(),
            "answered": answered,
            "not_done": [item for item in answered if item in referral.items_not_done],
            "missing_items": referral.missing_items,
        },
    )
    audit(
        actor,
        action=AuditAction.UPDATE,
        patient_id=referral.patient_id,
        object_type="referral",
        object_id=referral.reference,
    )
    return referral


def _request_complement_with_acceptance(*, actor: Actor, referral: Referral, message: str) -> None:
    """Ask the referrer for the missing items as the referral is accepted: the message (the coordinator's,
    or the list of the items) is kept on the referral and sent to the referrer like any complement request."""
    requested_at = timezone.now()
    due = complement_deadline_for(referral.entry_point, requested_at)
    lines = [f"- {completeness.item_label(item)}" for item in referral.missing_items]
    body = "\n".join(
        [
            message.strip() or _("La demande est acceptée et le parcours démarre. Merci de compléter :"),
            *lines,
            _("Réponse attendue avant le %(due)s. Si un examen n'a pas été réalisé, indiquez-le : l'élément sera clos.")
            % {"due": date_at_time(due)},
        ]
    )
    ReferralMessage.objects.create(referral=referral, author=actor.user, body=body)
    event = event_record(
        actor=actor,
        kind="referral.complement_requested",
        patient_id=referral.patient_id,
        referral_id=referral.pk,
        payload={
            "from": referral.status,
            "to": referral.status,
            "reason": body,
            "missing_items": referral.missing_items,
        },
        occurred_at=requested_at,
    )
    notify_referrer(referral=referral, event=event, reason=body)


@transaction.atomic
def referral_accept(
    *,
    actor: Actor,
    referral: Referral,
    pathway_kind: str,
    priority: str,
    reason: str = "",
    outside_territory_acknowledged: bool = False,
    complement_message: str = "",
) -> Referral:
    """Accept into a pathway with a priority, whatever the priority; an incomplete referral is accepted with
    its complement requested at the same time (the referrer is asked for each missing item, and the caller
    makes each a task of the pathway). One outside the territory only when the coordinator says so."""
    referral = _locked(referral)
    if referral.outside_territory and not outside_territory_acknowledged and target_status("accept", referral.status):
        raise ReferralError(
            ReferralErrorCode.OUTSIDE_TERRITORY_NOT_ACKNOWLEDGED,
            _("Le patient réside hors du territoire : confirmez l'acceptation ou réorientez la demande."),
            field="outside_territory_acknowledged",
        )
    referral = _transition(
        actor=actor,
        referral=referral,
        action="accept",
        reason=reason,
        payload={"pathway_kind": pathway_kind, "priority": priority, "outside_territory": referral.outside_territory},
        pathway_kind=pathway_kind,
        priority=priority,
    )
    if referral.missing_items:
        _request_complement_with_acceptance(actor=actor, referral=referral, message=complement_message)
    return referral


@transaction.atomic
def referral_decline(*, actor: Actor, referral: Referral, reason: str) -> Referral:
    _require_reason(reason)
    return _transition(actor=actor, referral=_locked(referral), action="decline", reason=reason)


@transaction.atomic
def referral_redirect(*, actor: Actor, referral: Referral, redirected_to: str, reason: str) -> Referral:
    _require_reason(reason)
    if not redirected_to.strip():
        raise ReferralError(
            ReferralErrorCode.REASON_REQUIRED, _("Indiquez vers qui la demande est réorientée."), field="redirected_to"
        )
    return _transition(
        actor=actor,
        referral=_locked(referral),
        action="redirect",
        reason=reason,
        payload={"redirected_to": redirected_to.strip()},
        redirected_to=redirected_to.strip()[:200],
    )


@transaction.atomic
def referral_close(*, actor: Actor, referral: Referral, reason: str, notify: bool = True) -> Referral:
    """Close an accepted referral; `notify=False` when the caller tells the referrer itself (the closing report)."""
    _require_reason(reason)
    return _transition(actor=actor, referral=_locked(referral), action="close", reason=reason, notify=notify)


@transaction.atomic
def referral_document_add(*, actor: Actor, referral: Referral, upload) -> ReferralDocument:
    """Add a document to the patient's file (an exam report, a hospital letter); the GP and the referrer
    are told, except the person who added it."""
    checked = _check_documents([upload])
    referral = _locked(referral)
    _store_documents(actor=actor, referral=referral, documents=checked, exam=None)
    document = referral.documents.order_by("-id").first()
    event = event_record(
        actor=actor,
        kind="referral.document_added",
        patient_id=referral.patient_id,
        referral_id=referral.pk,
        payload={"document": document.original_name},
    )
    audit(
        actor,
        action=AuditAction.CREATE,
        patient_id=referral.patient_id,
        object_type="referral.document",
        object_id=document.pk,
    )
    from jalon.core.formatting import when_in_words
    from jalon.referrals.notifications import notify_city

    notify_city(
        kind="document.added",
        referral=referral,
        event=event,
        actor_user=actor.user,
        values={"document": document.original_name, "date": when_in_words(document.uploaded_at)},
    )
    return document


def referrals_merge_patient(*, actor: Actor, provisional: Patient, existing: Patient) -> dict:
    """Identity merge (`patients.services.PATIENT_MERGERS`): the provisional duplicate's referrals move to the
    known patient; as for a submission matched at once, each moved open referral is linked to the patient's
    other open ones. Returns the moved references for the resolution's event."""
    moved = list(Referral.objects.filter(patient=provisional).values_list("reference", flat=True))
    Referral.objects.filter(patient=provisional).update(patient=existing)
    data_changed()  # no signal for update(): the polled pages must see it
    others = list(
        Referral.objects.filter(patient=existing, status__in=OPEN_STATUSES)
        .exclude(reference__in=moved)
        .order_by("received_at")
    )
    for referral in Referral.objects.filter(reference__in=moved, status__in=OPEN_STATUSES) if others else ():
        referral.related_referrals.add(*others)
        event_record(
            actor=actor,
            kind="referral.duplicate_linked",
            patient_id=existing.pk,
            referral_id=referral.pk,
            payload={"linked": [other.reference for other in others]},
        )
    return {"moved_referrals": moved}
