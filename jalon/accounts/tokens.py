"""API tokens: issuing and revoking them (services), and authenticating one call.

A token opens the API for its user and never more: it names scopes (which routes it opens) and an
expiry, and every call re-checks its user (active here; role and reach in each route, through
`accounts.access` and the access rules of each app, exactly as the pages do). Deactivating the user or changing their
role therefore stops every token at once; nothing is cached on the token.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from jalon.accounts.audit import audit
from jalon.accounts.models import ApiScope, ApiToken, AuditAction, User
from jalon.core.actor import Actor
from jalon.core.formatting import date_numeric, time_in_words

# The last-used date is exact to the minute: at most one write per token and minute, not one per call.
LAST_USED_PRECISION = timedelta(minutes=1)
# However long an administrator asks for, a token is renewed at least once a year.
MAX_TOKEN_LIFETIME_DAYS = 365
MAX_KEY_LENGTH = 200


class ApiTokenExpired(Exception):
    """The key is a real, unrevoked token of an active user, but its expiry has passed (401)."""

    def __init__(self, token: ApiToken):
        super().__init__(token.pk)
        self.expires_at = token.expires_at

    @property
    def message(self) -> str:
        return _("Ce jeton d'API a expiré le %(date)s : demandez un nouveau jeton à l'administrateur de Jalon.") % {
            "date": f"{date_numeric(self.expires_at)} à {time_in_words(self.expires_at)}"
        }


class ApiScopeMissing(PermissionDenied):
    """The token is valid but was not issued for what this route does (403)."""

    def __init__(self, scope: str):
        self.scope = scope
        label = dict(ApiScope.choices).get(scope, scope)
        super().__init__(
            _("Ce jeton d'API ne donne pas le droit « %(scope)s » : demandez un jeton qui l'inclut.") % {"scope": label}
        )


def api_token_authenticate(key: str, *, scope: str, now: datetime | None = None) -> ApiToken | None:
    """The token of `key` with its user, if it may be used now for `scope`.

    None when the key is unknown, revoked or its user inactive (401 alike, nothing told);
    ApiTokenExpired past its expiry (401 saying so); ApiScopeMissing without the scope (403).
    Records the use, at most once per LAST_USED_PRECISION."""
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        return None
    now = now or timezone.now()
    token = (
        ApiToken.objects.unrevoked()
        .select_related("user")
        .filter(key_hash=ApiToken.hash_key(key), user__is_active=True)
        .first()
    )
    if token is None:
        return None
    if token.is_expired(now):
        raise ApiTokenExpired(token)
    if not token.has_scope(scope):
        raise ApiScopeMissing(scope)
    _record_use(token, now)
    return token


def _record_use(token: ApiToken, now: datetime) -> None:
    """Write the last-used date only when the stored one is older than the precision; the condition is
    repeated in the UPDATE so that concurrent calls on several servers write it once."""
    stale_before = now - LAST_USED_PRECISION
    if token.last_used_at is not None and token.last_used_at > stale_before:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale_before)
    ).update(last_used_at=now)
    token.last_used_at = now


def api_token_issue_errors(
    *, user: User | None, name: str, scopes: Iterable[str], lifetime_days: int
) -> dict[str, str]:
    """What is wrong with a token request, by field (empty: nothing); the service and the admin form both ask here."""
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("Donnez un nom au jeton (le logiciel qui l'utilisera).")
    elif len(name) > ApiToken._meta.get_field("name").max_length:
        errors["name"] = _("Nom trop long : 100 caractères au plus.")
    if user is not None and not user.is_active:
        errors["user"] = _("Ce compte est désactivé : il ne peut pas recevoir de jeton.")
    if not 1 <= lifetime_days <= MAX_TOKEN_LIFETIME_DAYS:
        errors["lifetime_days"] = _("La durée de validité va de 1 à %(max)s jours.") % {"max": MAX_TOKEN_LIFETIME_DAYS}
    chosen = set(scopes)
    unknown = sorted(chosen - set(ApiScope.values))
    if not chosen:
        errors["scopes"] = _("Choisissez au moins un droit pour ce jeton.")
    elif unknown:
        errors["scopes"] = _("Droit inconnu : %(unknown)s (droits possibles : %(known)s).") % {
            "unknown": ", ".join(unknown),
            "known": ", ".join(ApiScope.values),
        }
    return errors


@transaction.atomic
def api_token_issue(
    *, actor: Actor, user: User, name: str, scopes: Iterable[str], lifetime_days: int | None = None
) -> tuple[ApiToken, str]:
    """A new token for `user` with these scopes, expiring after `lifetime_days` (default
    API_TOKEN_LIFETIME_DAYS); returns it with its clear key, which is shown once and never stored.
    ValidationError (by field, in French) on a bad request; nothing is written then."""
    scopes = list(scopes)
    days = settings.API_TOKEN_LIFETIME_DAYS if lifetime_days is None else lifetime_days
    errors = api_token_issue_errors(user=user, name=name, scopes=scopes, lifetime_days=days)
    if errors:
        raise ValidationError(errors)
    token, key = ApiToken.issue(
        user=user, name=name.strip(), scopes=scopes, expires_at=timezone.now() + timedelta(days=days)
    )
    audit(actor, action=AuditAction.CREATE, patient_id=None, object_type="api_token", object_id=token.pk)
    return token, key


@transaction.atomic
def api_token_revoke(*, actor: Actor, token: ApiToken) -> bool:
    """Revoke the token from now on; False (and nothing written) if it already was."""
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if revoked:
        audit(actor, action=AuditAction.UPDATE, patient_id=None, object_type="api_token", object_id=token.pk)
    token.refresh_from_db(fields=["revoked_at"])
    return bool(revoked)


class ApiTokenAuth(HttpBearer):
    """`Authorization: Bearer <key>`: the user of an unrevoked, unexpired token of an active account that
    carries `scope` (401 / 403 otherwise). Without a scope (the API's default) no token opens the route:
    a new route must declare its own."""

    def __init__(self, *, scope: str | None):
        super().__init__()
        self.scope = scope

    def authenticate(self, request, token: str):
        if self.scope is None:
            raise PermissionDenied(_("Cette opération n'est ouverte à aucun jeton d'API."))
        api_token = api_token_authenticate(token, scope=self.scope)
        if api_token is None:
            return None
        request.api_token = api_token
        return api_token.user
