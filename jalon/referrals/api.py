"""The referrals' API routes (a router mounted by `jalon.api` at /api/v1/): submit a referral, follow one.

Each route declares the token scope it needs (`ApiTokenAuth(scope=...)`; the user is re-checked on every
call). POST routes accept an `Idempotency-Key` header (accounts.idempotency). Each route cleans its input with
a schema, looks up what it names, then calls the same service as the web pages; its errors (ReferralError,
InvalidInput) become JSON in `jalon.api.errors`.
"""

from __future__ import annotations

import base64
import binascii
import math
from functools import wraps

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from ninja import Router, Schema

from jalon.accounts.access import Capability, capabilities_of
from jalon.accounts.audit import audit
from jalon.accounts.idempotency import OPENAPI_PARAMETER as IDEMPOTENCY_KEY_PARAMETER
from jalon.accounts.idempotency import idempotent
from jalon.accounts.models import ApiScope, AuditAction
from jalon.accounts.tokens import ApiTokenAuth
from jalon.core.actor import Actor, client_ip
from jalon.core.api_responses import api_json_response
from jalon.directory.models import Commune, Professional
from jalon.patients.services import PatientIdentity
from jalon.referrals.access import referral_for_user
from jalon.referrals.errors import ReferralError, ReferralErrorCode
from jalon.referrals.models import Channel, EntryPoint
from jalon.referrals.schemas import DocumentIn, ErrorOut, ReferralIn, ReferralStatusOut, ReferralSubmittedOut
from jalon.referrals.services import ExamInput, referral_submit


class InvalidInput(Exception):
    """Several field errors found while looking up what the input names, answered together."""

    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__(errors)
        self.errors = errors


router = Router()

ERROR_RESPONSES = frozenset({400, 401, 403, 404, 413, 422, 429})
POST_ERROR_RESPONSES = ERROR_RESPONSES | {409}


def _actor(request: HttpRequest) -> Actor:
    return Actor(
        user=request.auth, ip_address=client_ip(request), path=request.get_full_path()[:300], channel=Channel.API
    )


def _respond(request: HttpRequest, status: int, schema: type[Schema], obj) -> HttpResponse:
    """The answer as django-ninja would build it from `schema`, built by the route so that the
    idempotency layer stores exactly what is sent."""
    return api_json_response(request, schema.from_orm(obj).model_dump(), status=status)


def _submitters_only(view):
    """The role check of POST /referrals, made before the idempotency layer: a stored answer is replayed
    only to a user who may still submit (a role lost since stops the replay too)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not capabilities_of(request.auth) & {Capability.SUBMIT_OWN, Capability.SUBMIT_FOR_OTHERS}:
            raise PermissionDenied(
                _(
                    "Seuls les adresseurs, spécialistes, infirmier·e·s à domicile et coordinateur·rice·s "
                    "rattachés à une fiche professionnelle peuvent envoyer une demande."
                )
            )
        return view(request, *args, **kwargs)

    return wrapper


# --- Routes ----------------------------------------------------------------------------------


@router.post(
    "/referrals",
    auth=ApiTokenAuth(scope=ApiScope.SUBMIT),
    response={201: ReferralSubmittedOut, POST_ERROR_RESPONSES: ErrorOut},
    summary="Envoyer une demande",
    description=(
        "En-tête facultatif `Idempotency-Key` (par exemple un UUID, 255 caractères au plus) : la même clé "
        "avec la même requête renvoie la même réponse sans rien créer de plus (en-tête "
        "`Idempotent-Replayed: true`) ; avec une autre requête, ou tant que la première est en cours, 409. "
        "Une clé vaut 24 heures. Jeton avec le droit `submit`."
    ),
    openapi_extra={"parameters": [IDEMPOTENCY_KEY_PARAMETER]},
)
@_submitters_only
@idempotent
def submit_referral(request: HttpRequest, payload: ReferralIn):
    """Register a referral for the token's user (a coordinator names the referring professional); 201 with its
    reference."""
    user = request.auth
    entry_point, referrer, gp_id = _look_up(payload, user)
    documents = _decode_documents(payload.documents, field="documents")
    exams = [
        ExamInput(
            kind=exam.kind.value,
            done_on=exam.done_on,
            place=exam.place or "",
            summary=exam.summary or "",
            files=tuple(_decode_documents(exam.documents, field=f"exams.{index}.documents")),
        )
        for index, exam in enumerate(payload.exams)
    ]
    patient = payload.patient
    result = referral_submit(
        actor=_actor(request),
        entry_point=entry_point,
        channel=Channel.API,
        patient=PatientIdentity(
            birth_name=patient.birth_name,
            used_name=patient.used_name or "",
            first_names=patient.first_names,
            sex=patient.sex.value,
            birth_date=patient.birth_date,
            ins=patient.ins or "",
            birth_place_code=patient.birth_place_code or "",
            commune_code=patient.commune_code or None,
            phone=patient.phone or "",
            gp_id=gp_id,
        ),
        referrer=referrer,
        suspected_site=payload.suspected_site.value,
        clinical_reason=payload.clinical_reason or "",
        first_symptoms_date=payload.first_symptoms_date,
        declared_urgency=payload.declared_urgency.value,
        alarm_signs=[sign.value for sign in payload.alarm_signs],
        imaging_findings=payload.imaging_findings.as_findings() if payload.imaging_findings else {},
        question=payload.question.value,
        patient_informed=payload.patient_informed,
        exams=exams,
        documents=documents,
    )
    return _respond(request, 201, ReferralSubmittedOut, result.referral)


@router.get(
    "/referrals/{reference}",
    auth=ApiTokenAuth(scope=ApiScope.READ_STATUS),
    response={200: ReferralStatusOut, ERROR_RESPONSES: ErrorOut},
    summary="Suivre une demande",
    description="Jeton avec le droit `read_status`.",
)
def referral_status(request: HttpRequest, reference: str):
    """The status of a referral the token's user may see; 404 alike when unknown or out of reach."""
    referral = referral_for_user(request.auth, reference)
    audit(
        _actor(request),
        action=AuditAction.READ,
        patient_id=referral.patient_id,
        object_type="referral",
        object_id=referral.reference,
    )
    return referral


# --- Input look-ups ----------------------------------------------------------------------------


def _look_up(payload: ReferralIn, user) -> tuple[EntryPoint, Professional, int | None]:
    """The entry point, the referring professional and the GP's id the input names; InvalidInput lists what is wrong."""
    errors: list[tuple[str, str]] = []
    entry_point = (
        EntryPoint.objects.select_related("organization__commune", "territory").filter(slug=payload.entry_point).first()
    )
    if entry_point is None:
        errors.append(("entry_point", _("Guichet inconnu : vérifiez son code.")))

    referrer = user.professional
    if Capability.SUBMIT_FOR_OTHERS in capabilities_of(user):
        if not payload.referrer_rpps:
            errors.append(("referrer_rpps", _("Indiquez le numéro RPPS du professionnel adresseur.")))
        else:
            referrer = Professional.objects.filter(rpps=payload.referrer_rpps).first()
            if referrer is None:
                errors.append(("referrer_rpps", _("Aucun professionnel de l'annuaire n'a ce numéro RPPS.")))
    elif payload.referrer_rpps and payload.referrer_rpps != referrer.rpps:
        errors.append(
            ("referrer_rpps", _("Seule la coordination peut envoyer une demande au nom d'un autre professionnel."))
        )

    patient = payload.patient
    if patient.commune_code and not Commune.objects.filter(code=patient.commune_code).exists():
        errors.append(("patient.commune_code", _("Commune inconnue : indiquez son code INSEE (5 caractères).")))
    gp_id = None
    if patient.gp_rpps:
        gp_id = Professional.objects.filter(rpps=patient.gp_rpps).values_list("pk", flat=True).first()
        if gp_id is None:
            errors.append(("patient.gp_rpps", _("Aucun professionnel de l'annuaire n'a ce numéro RPPS.")))
    if errors:
        raise InvalidInput(errors)
    if not entry_point.is_active:
        raise ReferralError(
            ReferralErrorCode.ENTRY_POINT_CLOSED, _("Ce guichet ne reçoit plus de demandes."), field="entry_point"
        )
    return entry_point, referrer, gp_id


def _safe_filename(filename: str) -> str:
    """The last path element without control characters (the stored name is random; this one is only shown)."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name if name not in {"", ".", ".."} else "document"


def _decode_documents(documents: list[DocumentIn], *, field: str) -> list[SimpleUploadedFile]:
    """Base64 decoded into uploads; the encoded size is checked first so an oversized file is never decoded."""
    max_encoded_length = 4 * math.ceil(settings.DOCUMENT_MAX_BYTES / 3)
    uploads = []
    for index, document in enumerate(documents):
        name = _safe_filename(document.filename)
        encoded = "".join(document.content_base64.split())
        if len(encoded) > max_encoded_length:
            raise ReferralError(
                ReferralErrorCode.INVALID_DOCUMENT,
                _("Le fichier « %(name)s » dépasse la taille maximale de %(limit)s.")
                % {"name": name, "limit": filesizeformat(settings.DOCUMENT_MAX_BYTES)},
                field=f"{field}.{index}.content_base64",
            )
        try:
            content = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise ReferralError(
                ReferralErrorCode.INVALID_DOCUMENT,
                _("Le fichier « %(name)s » n'est pas encodé en base64 valide.") % {"name": name},
                field=f"{field}.{index}.content_base64",
            ) from None
        uploads.append(SimpleUploadedFile(name, content, content_type="application/octet-stream"))
    return uploads
