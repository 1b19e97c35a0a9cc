"""The JSON API other software sends referrals through (mounted at /api/v1/; FHIR comes later).

Authentication is a bearer token (accounts.ApiToken) acting for its user, never beyond the user's own
rights: each route declares the token scope it needs (`ApiTokenAuth(scope=...)`), and the user is
re-checked on every call (accounts.tokens). POST routes accept an `Idempotency-Key` header
(core.idempotency). Each route cleans its input with a schema, looks up what it names, then calls the
same service as the web pages. Every error answers JSON `{"code", "message", "field", "errors"}`, with a
French message.
"""

from __future__ import annotations

import base64
import binascii
import logging
import math
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core import signals
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema, Swagger
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from jalon.accounts.access import Capability, capabilities_of, referral_for_user
from jalon.accounts.audit import audit
from jalon.accounts.models import ApiScope, AuditAction
from jalon.accounts.throttling import api_throttles, too_many_api_requests_message
from jalon.accounts.tokens import ApiScopeMissing, ApiTokenExpired, api_token_authenticate
from jalon.core.actor import Actor, client_ip
from jalon.core.idempotency import OPENAPI_PARAMETER as IDEMPOTENCY_KEY_PARAMETER
from jalon.core.idempotency import IdempotencyError, idempotent
from jalon.directory.models import Commune, Professional
from jalon.patients.services import PatientIdentity
from jalon.referrals.errors import ReferralError, ReferralErrorCode
from jalon.referrals.models import Channel, EntryPoint
from jalon.referrals.schemas import DocumentIn, ErrorOut, ReferralIn, ReferralStatusOut, ReferralSubmittedOut
from jalon.referrals.services import ExamInput, referral_submit

logger = logging.getLogger(__name__)


# HTTP status of each domain error code; anything not listed answers 400.
STATUS_OF_CODE = {
    ReferralErrorCode.INVALID_INPUT: 422,
    ReferralErrorCode.INVALID_DOCUMENT: 400,
    ReferralErrorCode.ENTRY_POINT_CLOSED: 422,
    ReferralErrorCode.NOT_ALLOWED: 403,
    ReferralErrorCode.REASON_REQUIRED: 422,
    ReferralErrorCode.TRANSITION_NOT_ALLOWED: 409,
    ReferralErrorCode.INCOMPLETE: 409,
    ReferralErrorCode.OUTSIDE_TERRITORY_NOT_ACKNOWLEDGED: 409,
}


class ApiTokenAuth(HttpBearer):
    """`Authorization: Bearer <key>`: the user of an unrevoked, unexpired token of an active account that
    carries `scope` (401 / 403 otherwise). Without a scope (the API's default) no token opens the route:
    a new route must declare its own."""

    def __init__(self, *, scope: str | None):
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str):
        if self.scope is None:
            raise PermissionDenied(_("Cette opération n'est ouverte à aucun jeton d'API."))
        api_token = api_token_authenticate(token, scope=self.scope)
        if api_token is None:
            return None
        request.api_token = api_token
        return api_token.user


class InvalidInput(Exception):
    """Several field errors found while looking up what the input names, answered together."""

    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__(errors)
        self.errors = errors


api = NinjaAPI(
    title="Jalon",
    version="1",
    urls_namespace="api",
    auth=ApiTokenAuth(scope=None),
    throttle=api_throttles(),
    # The docs and the schema are for logged-in users only; Swagger UI comes from Jalon's static files
    # ("ninja" in INSTALLED_APPS), and validates nothing against an outside server.
    docs=Swagger(settings={"validatorUrl": None}),
    docs_decorator=login_required,
    description="Demandes de prise en soins envoyées par d'autres logiciels. Authentification : `Authorization: Bearer <jeton>`.",
)

ERROR_RESPONSES = frozenset({400, 401, 403, 404, 413, 422, 429})
POST_ERROR_RESPONSES = ERROR_RESPONSES | {409}


def _actor(request: HttpRequest) -> Actor:
    return Actor(user=request.auth, ip_address=client_ip(request), path=request.get_full_path()[:300], channel=Channel.API)


def _respond(request: HttpRequest, status: int, schema: type[Schema], obj) -> HttpResponse:
    """The answer as django-ninja would build it from `schema`, built by the route so that the
    idempotency layer stores exactly what is sent."""
    return api.create_response(request, schema.from_orm(obj).model_dump(), status=status)


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


@api.post(
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
    """Register a referral for the token's user (a coordinator names the referring professional); 201 with its reference."""
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


@api.get(
    "/referrals/{reference}",
    auth=ApiTokenAuth(scope=ApiScope.READ_STATUS),
    response={200: ReferralStatusOut, ERROR_RESPONSES: ErrorOut},
    summary="Suivre une demande",
    description="Jeton avec le droit `read_status`.",
)
def referral_status(request: HttpRequest, reference: str):
    """The status of a referral the token's user may see; 404 alike when unknown or out of reach."""
    referral = referral_for_user(request.auth, reference)
    audit(_actor(request), action=AuditAction.READ, patient_id=referral.patient_id, object_type="referral", object_id=referral.reference)
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
        errors.append(("referrer_rpps", _("Seule la coordination peut envoyer une demande au nom d'un autre professionnel.")))

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
        raise ReferralError(ReferralErrorCode.ENTRY_POINT_CLOSED, _("Ce guichet ne reçoit plus de demandes."), field="entry_point")
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


# --- Errors --------------------------------------------------------------------------------------


def _error(
    request: HttpRequest,
    status: int,
    *,
    code: str,
    message: str,
    field: str | None = None,
    errors: list[dict] | None = None,
) -> HttpResponse:
    body = {"code": str(code), "message": str(message), "field": field, "errors": errors or []}
    return api.create_response(request, body, status=status)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:  # noqa: ARG001
    response = _error(
        request,
        401,
        code="unauthenticated",
        message=_("Authentification requise : envoyez un jeton d'API valide dans l'en-tête « Authorization: Bearer <jeton> »."),
    )
    response["WWW-Authenticate"] = 'Bearer realm="jalon"'
    return response


@api.exception_handler(ApiTokenExpired)
def _token_expired(request: HttpRequest, exc: ApiTokenExpired) -> HttpResponse:
    response = _error(request, 401, code="token_expired", message=exc.message)
    response["WWW-Authenticate"] = 'Bearer realm="jalon", error="invalid_token"'
    return response


@api.exception_handler(ApiScopeMissing)
def _scope_missing(request: HttpRequest, exc: ApiScopeMissing) -> HttpResponse:
    response = _error(request, 403, code="insufficient_scope", message=str(exc))
    response["WWW-Authenticate"] = f'Bearer realm="jalon", error="insufficient_scope", scope="{exc.scope}"'
    return response


@api.exception_handler(IdempotencyError)
def _idempotency_error(request: HttpRequest, exc: IdempotencyError) -> HttpResponse:
    response = _error(request, exc.status, code=exc.code, message=exc.message, field="Idempotency-Key")
    if exc.retry_after:
        response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    # ninja adds the Retry-After header (the wait of the tightest limit).
    return _error(request, 429, code="rate_limited", message=too_many_api_requests_message())


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    message = str(exc) or _("Votre compte ne permet pas cette action.")
    return _error(request, 403, code="forbidden", message=message)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:  # noqa: ARG001
    # The same answer whether the object does not exist or is out of the user's reach.
    return _error(request, 404, code="not_found", message=_("Introuvable : cette demande n'existe pas ou vous n'y avez pas accès."))


@api.exception_handler(ReferralError)
def _referral_error(request: HttpRequest, exc: ReferralError) -> HttpResponse:
    errors = [{"field": exc.field, "message": exc.message}] if exc.field else []
    return _error(request, STATUS_OF_CODE.get(exc.code, 400), code=exc.code, message=exc.message, field=exc.field, errors=errors)


@api.exception_handler(InvalidInput)
def _invalid_input(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
    errors = [{"field": field, "message": message} for field, message in exc.errors]
    message = exc.errors[0][1] if len(exc.errors) == 1 else _("Données invalides.")
    return _error(request, 422, code=ReferralErrorCode.INVALID_INPUT, message=message, field=exc.errors[0][0], errors=errors)


def _expected(context: dict) -> str:
    """Pydantic lists the allowed values as "'a', 'b' or 'c'": keep the list, in French."""
    return str(context.get("expected", "")).replace("' or '", "' ou '")


# French messages for pydantic's own error types; ours (INS, phone, dates...) are French already.
PYDANTIC_MESSAGES = {
    "missing": lambda ctx: _("Champ obligatoire."),
    "extra_forbidden": lambda ctx: _("Champ inconnu."),
    "string_type": lambda ctx: _("Une chaîne de caractères est attendue."),
    "string_too_short": lambda ctx: _("Champ obligatoire.") if ctx.get("min_length") == 1 else _("Texte trop court."),
    "string_too_long": lambda ctx: _("Texte trop long : %(max)s caractères au plus.") % {"max": ctx.get("max_length")},
    "string_pattern_mismatch": lambda ctx: _("Format invalide."),
    "enum": lambda ctx: _("Valeur non reconnue ; valeurs possibles : %(expected)s.") % {"expected": _expected(ctx)},
    "literal_error": lambda ctx: _("Valeur non reconnue ; valeurs possibles : %(expected)s.") % {"expected": _expected(ctx)},
    "bool_type": lambda ctx: _("Un booléen (true ou false) est attendu."),
    "bool_parsing": lambda ctx: _("Un booléen (true ou false) est attendu."),
    "date_type": lambda ctx: _("Une date au format AAAA-MM-JJ est attendue."),
    "date_parsing": lambda ctx: _("Une date au format AAAA-MM-JJ est attendue."),
    "date_from_datetime_parsing": lambda ctx: _("Une date au format AAAA-MM-JJ est attendue."),
    "date_from_datetime_inexact": lambda ctx: _("Une date au format AAAA-MM-JJ est attendue."),
    "list_type": lambda ctx: _("Une liste est attendue."),
    "too_long": lambda ctx: _("Trop d'éléments : %(max)s au plus.") % {"max": ctx.get("max_length")},
    "model_type": lambda ctx: _("Un objet JSON est attendu."),
    "model_attributes_type": lambda ctx: _("Un objet JSON est attendu."),
    "dict_type": lambda ctx: _("Un objet JSON est attendu."),
}


def _field_path(loc) -> str | None:
    """`("body", "payload", "patient", "ins")` → `"patient.ins"`; None for the body as a whole."""
    parts = list(loc)
    if parts[:1] == ["body"]:
        parts = parts[2:]
    elif parts[:1] in (["path"], ["query"]):
        parts = parts[1:]
    return ".".join(str(part) for part in parts) or None


def _french_message(error: dict) -> str:
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    if kind in PYDANTIC_MESSAGES:
        return str(PYDANTIC_MESSAGES[kind](context))
    if "message" in context:
        return str(context["message"])  # one of our PydanticCustomError, French already
    if kind.startswith("date"):
        return _("Une date au format AAAA-MM-JJ est attendue.")
    return _("Valeur invalide.")


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = []
    for error in exc.errors:
        field = _field_path(error.get("loc", ()))
        message = _french_message(error)
        if field is None and error.get("type") == "missing":
            message = _("Le corps de la requête doit être un objet JSON.")
        errors.append({"field": field, "message": message})
    return _error(
        request,
        422,
        code=ReferralErrorCode.INVALID_INPUT,
        message=_("Données invalides."),
        field=errors[0]["field"] if errors else None,
        errors=errors,
    )


@api.exception_handler(RequestDataTooBig)
def _body_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:  # noqa: ARG001
    return _error(
        request,
        413,
        code="body_too_large",
        message=_("La requête dépasse la taille maximale acceptée (%(limit)s).")
        % {"limit": filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)},
    )


@api.exception_handler(SuspiciousOperation)
def _suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    logger.warning("API request refused: %s", exc)
    return _error(request, 400, code="bad_request", message=_("Requête refusée."))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # django-ninja raises HttpError(400) when the body is not JSON (the decoding error is its cause).
    if exc.status_code == 400 and isinstance(exc.__cause__, ValueError | RecursionError):
        return _error(
            request, 400, code="malformed_json", message=_("Le corps de la requête n'est pas un JSON valide (UTF-8).")
        )
    return _error(request, exc.status_code, code="http_error", message=str(exc))


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Still a JSON answer for the client, but reported like any uncaught error: logged, and the
    # signal Django sends (the test client re-raises the exception from it).
    logger.error("Unhandled error in API %s %s", request.method, request.path, exc_info=exc)
    signals.got_request_exception.send(sender=None, request=request)
    return _error(request, 500, code="server_error", message=_("Erreur interne : réessayez plus tard ou contactez le support de Jalon."))
