"""Every write on tele-expertise: the GP's request, the specialist's answer, the withdrawal, the
conversion into a referral, and the late scan.

Each service runs in one transaction that writes the new state, the event, the audit record and the
messages together (DESIGN.md §4). Views check who may act (jalon/teleexpertise/access.py); the services
check it again, and check the status machine (status.py).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jalon.accounts.audit import audit
from jalon.accounts.freshness import data_changed
from jalon.accounts.models import AuditAction
from jalon.core.actor import Actor
from jalon.core.documents import CheckedDocument, check_document
from jalon.core.formatting import date_numeric, when_in_words
from jalon.core.references import next_reference
from jalon.core.vocabulary import CancerSite
from jalon.core.workcalendar import add_delay
from jalon.directory.models import Professional
from jalon.events.models import Event
from jalon.events.services import event_record
from jalon.messaging.notify import notify
from jalon.patients.models import CareTeamRole, Patient
from jalon.patients.services import (
    PatientIdentity,
    care_team_add,
    identity_conflict_record,
    identity_conflicts_follow_referral,
    patient_register,
)
from jalon.referrals.errors import ReferralError
from jalon.referrals.models import Channel as ReferralChannel
from jalon.referrals.models import Question, Referral
from jalon.referrals.notifications import patient_text
from jalon.referrals.services import referral_submit
from jalon.teleexpertise.access import (
    is_teleexpertise_answerer,
    is_teleexpertise_requester,
    teleexpertise_specialists_of,
)
from jalon.teleexpertise.errors import TeleExpertiseError, TeleExpertiseErrorCode
from jalon.teleexpertise.models import (
    ReferenceCounter,
    RequestStatus,
    TeleExpertiseDocument,
    TeleExpertiseOffer,
    TeleExpertiseRequest,
)
from jalon.teleexpertise.status import TRANSITIONS, target_status

QUESTION_MAX_LENGTH = 5000


def answer_deadline_for(offer: TeleExpertiseOffer, submitted_at):
    """The promised answer time: the offer's delay in its unit, in the service organisation's working time."""
    return add_delay(
        submitted_at,
        offer.answer_delay_amount,
        offer.answer_delay_unit,
        department=offer.service.organization.department,
    )


def _check_documents(uploads) -> list[CheckedDocument]:
    checked = []
    for upload in uploads:
        try:
            checked.append(check_document(upload))
        except ValidationError as exc:
            raise TeleExpertiseError(
                TeleExpertiseErrorCode.INVALID_DOCUMENT, " ".join(exc.messages), field="documents"
            ) from exc
    return checked


def _locked(request: TeleExpertiseRequest) -> TeleExpertiseRequest:
    return (
        TeleExpertiseRequest.objects.select_for_update()
        .select_related("patient", "requester", "service__organization", "offer__entry_point")
        .get(pk=request.pk)
    )


def _require_transition(action: str, request: TeleExpertiseRequest) -> str:
    target = target_status(action, request.status)
    if target is None:
        raise TeleExpertiseError(
            TeleExpertiseErrorCode.TRANSITION_NOT_ALLOWED,
            _("Action impossible : la demande de téléexpertise est « %(status)s ».")
            % {"status": request.get_status_display()},
        )
    return target


def _detail_path(request: TeleExpertiseRequest) -> str:
    return reverse("teleexpertise:detail", args=[request.reference])


def _values(request: TeleExpertiseRequest) -> dict[str, str]:
    """The variables the tele-expertise message kinds use (jalon/messaging/kinds.py)."""
    return {
        "reference": request.reference,
        "guichet": str(request.service),
        "patient": patient_text(request.patient),
        "question": request.question,
        "reponse": request.answer,
        "echeance": when_in_words(request.answer_deadline),
    }


def _payload(request: TeleExpertiseRequest, **extra) -> dict:
    return {"teleexpertise": request.reference, "service": request.service_id, **extra}


@transaction.atomic
def teleexpertise_request_submit(
    *,
    actor: Actor,
    offer: TeleExpertiseOffer,
    requester: Professional,
    patient: PatientIdentity,
    suspected_site: str,
    question: str,
    clinical_summary: str = "",
    documents: list | tuple = (),
) -> TeleExpertiseRequest:
    """Register a question to the offer's service: patient found or created, answer deadline set, the
    service's specialists told; the requester joins the patient's care team."""
    if not offer.is_active:
        raise TeleExpertiseError(
            TeleExpertiseErrorCode.OFFER_CLOSED,
            _("Ce service ne reçoit plus de demandes de téléexpertise."),
            field="offer",
        )
    question = question.strip()
    if not question:
        raise TeleExpertiseError(
            TeleExpertiseErrorCode.QUESTION_REQUIRED, _("Écrivez la question posée au spécialiste."), field="question"
        )
    if len(question) > QUESTION_MAX_LENGTH:
        raise TeleExpertiseError(
            TeleExpertiseErrorCode.INVALID_INPUT,
            _("La question ne doit pas dépasser %(limit)d caractères.") % {"limit": QUESTION_MAX_LENGTH},
            field="question",
        )
    if suspected_site not in CancerSite.values:
        raise TeleExpertiseError(
            TeleExpertiseErrorCode.INVALID_INPUT, _("Choisissez le cancer suspecté."), field="suspected_site"
        )
    checked_documents = _check_documents(documents)

    registration = patient_register(actor=actor, identity=patient, entry_point_id=offer.entry_point_id)
    patient_row = registration.patient
    submitted_at = timezone.now()
    request = TeleExpertiseRequest.objects.create(
        reference=next_reference(ReferenceCounter, prefix="TEX", year=timezone.localdate().year),
        offer=offer,
        service=offer.service,
        patient=patient_row,
        requester=requester,
        created_by=actor.user,
        suspected_site=suspected_site,
        question=question,
        clinical_summary=clinical_summary.strip(),
        submitted_at=submitted_at,
        answer_deadline=answer_deadline_for(offer, submitted_at),
    )
    for document in checked_documents:
        TeleExpertiseDocument.store(document, uploaded_by=actor.user, request=request)
    if registration.conflict is not None:
        identity_conflict_record(actor=actor, conflict=registration.conflict)
    care_team_add(
        patient_id=patient_row.pk, role=CareTeamRole.REFERRER, professional_id=requester.pk, reason=request.reference
    )
    event = event_record(
        actor=actor,
        kind="teleexpertise.requested",
        patient_id=patient_row.pk,
        payload=_payload(request, documents=len(checked_documents)),
    )
    audit(
        actor,
        action=AuditAction.CREATE,
        patient_id=patient_row.pk,
        object_type="teleexpertise",
        object_id=request.reference,
    )
    notify(
        kind="teleexpertise.requested",
        event=event,
        recipients=teleexpertise_specialists_of(request.service_id).exclude(pk=requester.pk),
        values=_values(request),
        link_path=_detail_path(request),
    )
    return request


@transaction.atomic
def teleexpertise_answer(
    *, actor: Actor, request: TeleExpertiseRequest, answer: str, convert_to_referral: bool = False
) -> TeleExpertiseRequest:
    """A specialist of the service answers; with `convert_to_referral` the request becomes a referral to the
    offer's entry point in the same transaction. The requester is told; the specialist joins the care team."""
    answer = answer.strip()
    if not answer:
        raise TeleExpertiseError(
            TeleExpertiseErrorCode.ANSWER_REQUIRED, _("Écrivez votre réponse au médecin."), field="answer"
        )
    request = _locked(request)
    if not is_teleexpertise_answerer(actor.user, request):
        raise TeleExpertiseError(
            TeleExpertiseErrorCode.NOT_ALLOWED,
            _("Seuls les spécialistes du service sollicité répondent à cette demande."),
        )
    request.status = _require_transition("answer", request)
    request.answer = answer
    request.answered_by = actor.user
    request.answered_at = timezone.now()
    request.save(update_fields=["status", "answer", "answered_by", "answered_at"])
    care_team_add(
        patient_id=request.patient_id,
        role=CareTeamRole.SPECIALIST,
        professional_id=actor.user.professional_id,
        reason=request.reference,
    )
    event = event_record(
        actor=actor,
        kind=TRANSITIONS["answer"][2],
        patient_id=request.patient_id,
        payload=_payload(request, convert_to_referral=convert_to_referral),
    )
    audit(
        actor,
        action=AuditAction.UPDATE,
        patient_id=request.patient_id,
        object_type="teleexpertise",
        object_id=request.reference,
    )
    values = _values(request)
    if convert_to_referral:
        referral = teleexpertise_convert(actor=actor, request=request)
        request.status, request.converted_referral = RequestStatus.CONVERTED, referral
        values["reponse"] = "\n\n".join(
            [
                answer,
                _(
                    "Le spécialiste a orienté le patient vers le parcours de diagnostic rapide : demande de prise en "
                    "soins %(reference)s."
                )
                % {"reference": referral.reference},
            ]
        )
    notify(
        kind="teleexpertise.answered",
        event=event,
        recipients=[request.requester],
        values=values,
        link_path=_detail_path(request),
    )
    return request


def _clinical_reason(request: TeleExpertiseRequest) -> str:
    """What was typed once, carried into the referral: the question, the summary and the specialist's answer."""
    answered_by = (
        request.answered_by.professional.display_name
        if request.answered_by and request.answered_by.professional
        else ""
    )
    parts = [
        _("Téléexpertise %(reference)s adressée à %(service)s.")
        % {"reference": request.reference, "service": request.service},
        _("Question du médecin : %(question)s") % {"question": request.question},
    ]
    if request.clinical_summary:
        parts.append(_("Résumé clinique : %(summary)s") % {"summary": request.clinical_summary})
    parts.append(
        _("Avis du spécialiste (%(who)s, le %(when)s) : %(answer)s")
        % {"who": answered_by or _("spécialiste"), "when": date_numeric(request.answered_at), "answer": request.answer}
    )
    return "\n\n".join(parts)


def _identity_of(patient: Patient) -> PatientIdentity:
    """The request's patient for the referral it becomes: already attached (`known_patient_id`), with the
    traits it was matched on. The record's identifiers and contact (INS, used name, birth place, commune,
    phone) are not copied into what the referral says was submitted: the requester may have matched a
    known patient on traits, and the referral page shows a submitter what they sent (the coordination
    reads the record, and the referral's contact falls back to it)."""
    return PatientIdentity(
        birth_name=patient.birth_name,
        first_names=patient.first_names,
        sex=patient.sex,
        birth_date=patient.birth_date,
        gp_id=patient.gp_id,
        known_patient_id=patient.pk,
    )


@transaction.atomic
def teleexpertise_convert(*, actor: Actor, request: TeleExpertiseRequest) -> Referral:
    """Turn an answered request into a referral to the offer's entry point, carrying its data over (patient,
    requester as referrer, suspected site, question, summary and answer, documents), and link them."""
    request = _locked(request)
    if not (is_teleexpertise_answerer(actor.user, request) or is_teleexpertise_requester(actor.user, request)):
        raise TeleExpertiseError(TeleExpertiseErrorCode.NOT_ALLOWED, _("Vous ne pouvez pas orienter cette demande."))
    request.status = _require_transition("convert", request)
    documents = list(request.documents.all())
    handles = []
    try:
        for document in documents:
            handles.append(File(document.file.open("rb"), name=document.original_name))
        result = referral_submit(
            actor=actor,
            entry_point=request.offer.entry_point,
            channel=ReferralChannel.TELEEXPERTISE,
            patient=_identity_of(request.patient),
            referrer=request.requester,
            suspected_site=request.suspected_site,
            clinical_reason=_clinical_reason(request),
            question=Question.DIAGNOSIS,
            documents=handles,
        )
    except ReferralError as error:
        raise TeleExpertiseError(
            TeleExpertiseErrorCode.CONVERSION_FAILED,
            _("La demande de prise en soins n'a pas pu être créée : %(reason)s") % {"reason": error.message},
        ) from error
    except FileNotFoundError as error:
        raise TeleExpertiseError(
            TeleExpertiseErrorCode.CONVERSION_FAILED,
            _("La demande de prise en soins n'a pas pu être créée : un document joint est introuvable."),
        ) from error
    finally:
        for handle in handles:
            handle.close()
    referral = result.referral
    identity_conflicts_follow_referral(patient_id=request.patient_id, referral_id=referral.pk)
    if referral.patient_id != request.patient_id:
        # The identity carried over is the request's own patient's: matching it elsewhere would be an
        # identity-vigilance fault, never something to create silently.
        raise TeleExpertiseError(
            TeleExpertiseErrorCode.CONVERSION_FAILED,
            _(
                "La demande de prise en soins n'a pas pu être créée : l'identité du patient doit être vérifiée par la "
                "coordination."
            ),
        )
    request.converted_referral = referral
    request.save(update_fields=["status", "converted_referral"])
    event_record(
        actor=actor,
        kind=TRANSITIONS["convert"][2],
        patient_id=request.patient_id,
        referral_id=referral.pk,
        payload=_payload(request, referral=referral.reference),
    )
    audit(
        actor,
        action=AuditAction.UPDATE,
        patient_id=request.patient_id,
        object_type="teleexpertise",
        object_id=request.reference,
    )
    return referral


@transaction.atomic
def teleexpertise_withdraw(*, actor: Actor, request: TeleExpertiseRequest, reason: str = "") -> TeleExpertiseRequest:
    """The requester withdraws a request still waiting for its answer (the specialists stop seeing it as to do)."""
    request = _locked(request)
    if not is_teleexpertise_requester(actor.user, request):
        raise TeleExpertiseError(
            TeleExpertiseErrorCode.NOT_ALLOWED, _("Seul le médecin qui a posé la question peut la retirer.")
        )
    request.status = _require_transition("withdraw", request)
    request.withdrawn_at = timezone.now()
    request.withdrawal_reason = reason.strip()
    request.save(update_fields=["status", "withdrawn_at", "withdrawal_reason"])
    event_record(
        actor=actor,
        kind=TRANSITIONS["withdraw"][2],
        patient_id=request.patient_id,
        payload=_payload(request, reason=reason.strip()),
    )
    audit(
        actor,
        action=AuditAction.UPDATE,
        patient_id=request.patient_id,
        object_type="teleexpertise",
        object_id=request.reference,
    )
    return request


def teleexpertise_scan_late(*, now=None) -> int:
    """Raise one `teleexpertise.late` event and message per request still unanswered past its deadline;
    return how many were raised.

    Idempotent: each request is claimed by a conditional update of `late_notified_at` in its own
    transaction, so a second run, or a second worker at the same time, finds nothing left to claim.
    """
    now = now or timezone.now()
    due = TeleExpertiseRequest.objects.filter(
        status=RequestStatus.SUBMITTED, late_notified_at__isnull=True, answer_deadline__lte=now
    ).order_by("answer_deadline", "pk")
    actor = Actor.system()
    raised = 0
    for request_id in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            claimed = TeleExpertiseRequest.objects.filter(
                pk=request_id, status=RequestStatus.SUBMITTED, late_notified_at__isnull=True
            ).update(late_notified_at=now)
            data_changed()  # no signal for update(): the polled pages must see it
            if not claimed:
                continue
            request = TeleExpertiseRequest.objects.select_related("patient", "service__organization").get(pk=request_id)
            event: Event = event_record(
                actor=actor,
                kind="teleexpertise.late",
                patient_id=request.patient_id,
                payload=_payload(request, deadline=request.answer_deadline.isoformat()),
                occurred_at=now,
            )
            audit(
                actor,
                action=AuditAction.UPDATE,
                patient_id=request.patient_id,
                object_type="teleexpertise.late",
                object_id=request.reference,
            )
            notify(
                kind="teleexpertise.late",
                event=event,
                recipients=teleexpertise_specialists_of(request.service_id),
                values=_values(request),
                link_path=_detail_path(request),
            )
            raised += 1
    return raised


def teleexpertise_requests_merge_patient(*, actor: Actor, provisional: Patient, existing: Patient) -> dict:
    """Identity merge (`patients.services.PATIENT_MERGERS`): the provisional duplicate's tele-expertise
    requests move to the known patient."""
    TeleExpertiseRequest.objects.filter(patient=provisional).update(patient=existing)
    data_changed()  # no signal for update(): the polled pages must see it
    return {}
