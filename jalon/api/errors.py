"""The API's error answers: every error is JSON `{"code", "message", "field", "errors"}` with a French message.

Domain errors carry a code (an enum per app) and answer with the HTTP status listed here; ninja's own
errors (authentication, validation, throttling, malformed body) and Django's (404, 403, too large) get a
code of their own; anything else answers 500 and is reported like any uncaught error.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core import signals
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from jalon.accounts.idempotency import IdempotencyError
from jalon.accounts.throttling import too_many_api_requests_message
from jalon.accounts.tokens import ApiScopeMissing, ApiTokenExpired
from jalon.core.api_responses import api_json_response
from jalon.referrals.api import InvalidInput
from jalon.referrals.errors import ReferralError, ReferralErrorCode

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
    return api_json_response(request, body, status=status)


def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:  # noqa: ARG001
    response = _error(
        request,
        401,
        code="unauthenticated",
        message=_(
            "Authentification requise : envoyez un jeton d'API valide dans l'en-tête « Authorization: Bearer <jeton> »."
        ),
    )
    response["WWW-Authenticate"] = 'Bearer realm="jalon"'
    return response


def _token_expired(request: HttpRequest, exc: ApiTokenExpired) -> HttpResponse:
    response = _error(request, 401, code="token_expired", message=exc.message)
    response["WWW-Authenticate"] = 'Bearer realm="jalon", error="invalid_token"'
    return response


def _scope_missing(request: HttpRequest, exc: ApiScopeMissing) -> HttpResponse:
    response = _error(request, 403, code="insufficient_scope", message=str(exc))
    response["WWW-Authenticate"] = f'Bearer realm="jalon", error="insufficient_scope", scope="{exc.scope}"'
    return response


def _idempotency_error(request: HttpRequest, exc: IdempotencyError) -> HttpResponse:
    response = _error(request, exc.status, code=exc.code, message=exc.message, field="Idempotency-Key")
    if exc.retry_after:
        response["Retry-After"] = str(exc.retry_after)
    return response


def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    # ninja adds the Retry-After header (the wait of the tightest limit).
    return _error(request, 429, code="rate_limited", message=too_many_api_requests_message())


def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    message = str(exc) or _("Votre compte ne permet pas cette action.")
    return _error(request, 403, code="forbidden", message=message)


def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:  # noqa: ARG001
    # The same answer whether the object does not exist or is out of the user's reach.
    return _error(
        request,
        404,
        code="not_found",
        message=_("Introuvable : cette demande n'existe pas ou vous n'y avez pas accès."),
    )


def _referral_error(request: HttpRequest, exc: ReferralError) -> HttpResponse:
    errors = [{"field": exc.field, "message": exc.message}] if exc.field else []
    return _error(
        request, STATUS_OF_CODE.get(exc.code, 400), code=exc.code, message=exc.message, field=exc.field, errors=errors
    )


def _invalid_input(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
    errors = [{"field": field, "message": message} for field, message in exc.errors]
    message = exc.errors[0][1] if len(exc.errors) == 1 else _("Données invalides.")
    return _error(
        request, 422, code=ReferralErrorCode.INVALID_INPUT, message=message, field=exc.errors[0][0], errors=errors
    )


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
    "literal_error": lambda ctx: (
        _("Valeur non reconnue ; valeurs possibles : %(expected)s.") % {"expected": _expected(ctx)}
    ),
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


def _body_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:  # noqa: ARG001
    return _error(
        request,
        413,
        code="body_too_large",
        message=_("La requête dépasse la taille maximale acceptée (%(limit)s).")
        % {"limit": filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)},
    )


def _suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    logger.warning("API request refused: %s", exc)
    return _error(request, 400, code="bad_request", message=_("Requête refusée."))


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # django-ninja raises HttpError(400) when the body is not JSON (the decoding error is its cause).
    if exc.status_code == 400 and isinstance(exc.__cause__, ValueError | RecursionError):
        return _error(
            request, 400, code="malformed_json", message=_("Le corps de la requête n'est pas un JSON valide (UTF-8).")
        )
    return _error(request, exc.status_code, code="http_error", message=str(exc))


def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Still a JSON answer for the client, but reported like any uncaught error: logged, and the
    # signal Django sends (the test client re-raises the exception from it).
    logger.error("Unhandled error in API %s %s", request.method, request.path, exc_info=exc)
    signals.got_request_exception.send(sender=None, request=request)
    return _error(
        request,
        500,
        code="server_error",
        message=_("Erreur interne : réessayez plus tard ou contactez le support de Jalon."),
    )


# Each handler answers its exception and its subclasses (ninja looks the class up along its MRO).
HANDLERS = {
    AuthenticationError: _unauthenticated,
    ApiTokenExpired: _token_expired,
    ApiScopeMissing: _scope_missing,
    IdempotencyError: _idempotency_error,
    Throttled: _throttled,
    PermissionDenied: _forbidden,
    Http404: _not_found,
    ReferralError: _referral_error,
    InvalidInput: _invalid_input,
    NinjaValidationError: _validation_error,
    RequestDataTooBig: _body_too_large,
    SuspiciousOperation: _suspicious,
    HttpError: _http_error,
    Exception: _server_error,
}


def install_error_handlers(api: NinjaAPI) -> None:
    """Register every handler above on `api`."""
    for exception_class, handler in HANDLERS.items():
        api.add_exception_handler(exception_class, handler)
