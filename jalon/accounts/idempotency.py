"""`Idempotency-Key` on the API's POST routes: a retried request gets the first answer, and nothing is
created twice.

The header is optional (a POST without it works as before). With it, per user:

- the first request inserts an "in progress" row for (user, key) in its own transaction; the unique
  constraint on (user, key) decides between concurrent requests, on any number of app servers;
- its work and its stored answer then commit in one transaction, so a request that dies midway leaves
  nothing behind but its "in progress" row;
- the same key and the same request (method, path and JSON body, whatever the order of its members)
  gets the stored answer again (status and body, header `Idempotent-Replayed: true`);
- the same key with another request answers 409 `idempotency_key_reused`;
- a duplicate arriving while the first is still running answers 409 `idempotency_in_progress` with
  `Retry-After` at once rather than waiting: waiting would hold an app server's worker for as long as
  the first request takes, and the client retries anyway;
- a request still "in progress" after IDEMPOTENCY_LEASE_SECONDS is taken as dead and a retry runs it
  again under a new attempt number; the stored answer is written only if the attempt still holds the
  row, so of two attempts at most one commits;
- a request refused by the route (any exception: bad input, no right, a domain error) stores nothing
  and frees the key: it created nothing, and the client may retry it once the cause is fixed;
- keys expire after IDEMPOTENCY_KEY_TTL_HOURS; an expired key is free again (`idempotency_keys_purge`
  deletes them nightly).
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import logging
import re
from datetime import datetime, timedelta
from functools import wraps

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from jalon.accounts.models import IdempotencyKey, IdempotencyStatus

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# Visible ASCII without quotes, spaces, commas or semicolons: UUIDs, ULIDs, base64 and similar.
KEY_PATTERN = re.compile(r"[A-Za-z0-9._:~+/=\-]+")
RETRY_AFTER_SECONDS = 2
# How an idempotent route describes the header in its OpenAPI description (`openapi_extra`).
OPENAPI_PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "description": (
        "Clé unique par requête (un UUID par exemple) : la même clé et la même requête renvoient la même réponse."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": f"^{KEY_PATTERN.pattern}$"},
}


class IdempotencyError(Exception):
    """A request the idempotency layer refuses: `status` (400 or 409), a stable code, a French message."""

    def __init__(self, status: int, code: str, message: str, *, retry_after: int | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after


def key_from(request: HttpRequest) -> str | None:
    """The request's idempotency key, None without the header; IdempotencyError (400) on a malformed one.
    A structured-field string (`"abc"`, as the IETF draft writes it) is accepted without its quotes."""
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    key = raw.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not key:
        raise IdempotencyError(400, "invalid_idempotency_key", _("L'en-tête Idempotency-Key est vide."))
    if len(key) > MAX_KEY_LENGTH:
        raise IdempotencyError(
            400,
            "invalid_idempotency_key",
            _("L'en-tête Idempotency-Key est trop long : %(max)s caractères au plus.") % {"max": MAX_KEY_LENGTH},
        )
    if not KEY_PATTERN.fullmatch(key):
        raise IdempotencyError(
            400,
            "invalid_idempotency_key",
            _(
                "L'en-tête Idempotency-Key contient un caractère non permis : lettres sans accent, chiffres "
                "et . _ : ~ + / = - seulement (un UUID convient)."
            ),
        )
    return key


def request_fingerprint(request: HttpRequest) -> str:
    """SHA-256 of the method, the path with its query and the body; a JSON body in canonical form (members
    sorted, no spaces), so that the same request serialised differently is still the same request."""
    body = request.body
    with contextlib.suppress(ValueError, RecursionError):  # not JSON: the bytes as sent
        body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.get_full_path().encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _in_progress() -> IdempotencyError:
    return IdempotencyError(
        409,
        "idempotency_in_progress",
        _(
            "Une requête avec la même clé Idempotency-Key est en cours de traitement : réessayez dans quelques "
            "secondes."
        ),
        retry_after=RETRY_AFTER_SECONDS,
    )


def _reused() -> IdempotencyError:
    return IdempotencyError(
        409,
        "idempotency_key_reused",
        _(
            "Cette clé Idempotency-Key a déjà servi pour une autre requête : utilisez une nouvelle clé "
            "pour chaque nouvelle requête, et la même seulement pour renvoyer la même."
        ),
    )


def _claim_fields(fingerprint: str, now: datetime) -> dict:
    return {
        "request_hash": fingerprint,
        "status": IdempotencyStatus.IN_PROGRESS,
        "locked_at": now,
        "created_at": now,
        "completed_at": None,
        "expires_at": now + timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS),
        "response_status": None,
        "response_content_type": "",
        "response_body": "",
    }


def _take_over(record: IdempotencyKey, condition: dict, fields: dict) -> IdempotencyKey | None:
    """Claim `record` for a new attempt if it still matches `condition` (a conditional UPDATE: of several
    contenders, one wins)."""
    taken = IdempotencyKey.objects.filter(pk=record.pk, attempt=record.attempt, **condition).update(
        attempt=F("attempt") + 1, **fields
    )
    if not taken:
        return None
    return IdempotencyKey.objects.get(pk=record.pk)


def claim(*, user, key: str, fingerprint: str) -> IdempotencyKey | HttpResponse:
    """The row this request now holds "in progress", or the stored answer to replay; IdempotencyError
    (409) for another request under the same key or one still running. Each write is its own transaction."""
    for _round in range(3):  # a lost race is re-read; three rounds settle any interleaving
        now = timezone.now()
        record = IdempotencyKey.objects.filter(user=user, key=key).first()
        if record is None:
            try:
                with transaction.atomic():
                    return IdempotencyKey.objects.create(user=user, key=key, **_claim_fields(fingerprint, now))
            except IntegrityError:
                continue  # another request inserted it first: read theirs
        if record.expires_at <= now:
            taken = _take_over(record, {"expires_at__lte": now}, _claim_fields(fingerprint, now))
            if taken is not None:
                return taken
            continue
        if record.request_hash != fingerprint:
            raise _reused()
        if record.status == IdempotencyStatus.COMPLETED:
            return replay(record)
        stale_before = now - timedelta(seconds=settings.IDEMPOTENCY_LEASE_SECONDS)
        if record.locked_at > stale_before:
            raise _in_progress()
        logger.warning(
            "Idempotency key %s of user %s: attempt %s taken as dead, running again", record.pk, user.pk, record.attempt
        )
        taken = _take_over(
            record,
            {"status": IdempotencyStatus.IN_PROGRESS, "locked_at__lte": stale_before},
            {"locked_at": now},
        )
        if taken is not None:
            return taken
    raise _in_progress()


def replay(record: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(
        record.response_body, status=record.response_status, content_type=record.response_content_type or None
    )
    response["Idempotent-Replayed"] = "true"
    return response


def complete(record: IdempotencyKey, response: HttpResponse) -> None:
    """Store the answer, in the transaction of the work that produced it; IdempotencyError (409) if this
    attempt no longer holds the row (a retry took it over): the caller's transaction then rolls back."""
    stored = IdempotencyKey.objects.filter(
        pk=record.pk, attempt=record.attempt, status=IdempotencyStatus.IN_PROGRESS
    ).update(
        status=IdempotencyStatus.COMPLETED,
        response_status=response.status_code,
        response_content_type=response.get("Content-Type", ""),
        response_body=response.content.decode(response.charset or "utf-8"),
        completed_at=timezone.now(),
    )
    if not stored:
        raise _in_progress()


def release(record: IdempotencyKey) -> None:
    """Free the key after a refused request (nothing was created); only if this attempt still holds it."""
    try:
        IdempotencyKey.objects.filter(
            pk=record.pk, attempt=record.attempt, status=IdempotencyStatus.IN_PROGRESS
        ).delete()
    except Exception:  # the refusal is what the client must hear; the lease frees the key later
        logger.exception("Could not release idempotency key %s", record.pk)


def idempotent(view):
    """Decorate an API POST handler (below `@api.post`): it must return its final HttpResponse, which is
    stored with the work's transaction. Runs after authentication and input validation, so
    `request.auth` is the user the key belongs to."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        key = key_from(request)
        if key is None:
            return view(request, *args, **kwargs)
        held = claim(user=request.auth, key=key, fingerprint=request_fingerprint(request))
        if isinstance(held, HttpResponse):
            return held
        try:
            with transaction.atomic():
                response = view(request, *args, **kwargs)
                if not isinstance(response, HttpResponse):
                    raise TypeError(f"{view.__name__} must return an HttpResponse to be idempotent")
                complete(held, response)
        except BaseException:
            release(held)
            raise
        return response

    # django-ninja reads the parameters' types from the signature; resolve them in the view's own module
    # (with postponed annotations they are strings, which it would look up in this one).
    wrapper.__signature__ = inspect.signature(view, eval_str=True)
    return wrapper


def idempotency_keys_purge(*, now: datetime | None = None) -> int:
    """Delete expired keys (they are free again anyway); returns how many. Safe to run on two workers."""
    deleted, _detail = IdempotencyKey.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
