"""Rate limits and the per-address lockout, counted in Django's cache with django-ratelimit.

The counters are fixed windows incremented atomically (`cache.add` then `cache.incr`), so with the
production cache (Redis, REDIS_URL) they hold across app servers; the embedded default (one process,
local memory cache) counts per process. Every refusal answers 429 with a French message and a
Retry-After header: a page for the login, JSON for the API.

- Login attempts per address (LOGIN_RATE_LIMIT): every POST to the login form counts.
- Failed logins per address (LOGIN_ADDRESS_FAILURE_LIMIT): a much higher threshold than the
  account's (axes, AXES_FAILURE_LIMIT), since a hospital's users share one NAT address; past it the
  address may not try any account until the window ends.
- API calls per user (API_RATE_LIMIT) and per address (API_ADDRESS_RATE_LIMIT), as ninja throttles.
"""

from __future__ import annotations

import logging
import math
import threading
from functools import wraps

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver
from django.shortcuts import render
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage
from ninja.throttling import BaseThrottle

from jalon.core.actor import client_ip

logger = logging.getLogger(__name__)

LOGIN_ATTEMPTS = "jalon.login.attempts"
LOGIN_FAILURES = "jalon.login.address_failures"
API_USER = "jalon.api.user"
API_ADDRESS = "jalon.api.address"


def _address(group, request) -> str:
    return client_ip(request) or "unknown"


def _usage(request, *, group: str, rate: str, increment: bool, key=_address) -> dict | None:
    """The counter's state, or None when the cache cannot answer: the limits then let requests through
    (fail open, RATELIMIT_FAIL_OPEN) rather than lock every user out while Redis is down; the
    account lockout, kept in the database by axes, still holds."""
    try:
        return get_usage(request, group=group, key=key, rate=rate, increment=increment)
    except Exception:  # a cache server down raises its own connection errors
        logger.warning("rate limit %s not counted: the cache did not answer", group, exc_info=True)
        return None


def _retry_after(usage: dict | None) -> int:
    return max(1, int(usage["time_left"])) if usage and usage.get("time_left", -1) > 0 else 60


def _too_many(request, *, heading: str, message: str, retry_after: int):
    context = {
        "heading": heading,
        "message": message,
        "retry_minutes": max(1, math.ceil(retry_after / 60)),
        "title": heading,
    }
    response = render(request, "accounts/rate_limited.html", context, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def login_throttled(view):
    """View decorator for the login form (and any other step that takes a secret): refuses a POST
    from an address past its failed-login threshold or its attempts rate, with a French 429 page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "POST":
            failures = _usage(request, group=LOGIN_FAILURES, rate=settings.LOGIN_ADDRESS_FAILURE_LIMIT, increment=False)
            if failures and failures["count"] >= failures["limit"]:
                logger.warning("login refused: address %s past its failure threshold", client_ip(request))
                return _too_many(
                    request,
                    heading=_("Connexions bloquées depuis cette adresse"),
                    message=_(
                        "Trop de connexions ont échoué depuis votre adresse réseau. Par sécurité, les connexions "
                        "depuis cette adresse sont suspendues un moment. Si le problème persiste, contactez "
                        "l'administrateur de Jalon."
                    ),
                    retry_after=_retry_after(failures),
                )
            attempts = _usage(request, group=LOGIN_ATTEMPTS, rate=settings.LOGIN_RATE_LIMIT, increment=True)
            if attempts and attempts["should_limit"]:
                return _too_many(
                    request,
                    heading=_("Trop de tentatives de connexion"),
                    message=_("Trop de tentatives de connexion en peu de temps depuis votre adresse réseau."),
                    retry_after=_retry_after(attempts),
                )
        return view(request, *args, **kwargs)

    return wrapper


@receiver(user_login_failed, dispatch_uid="jalon_count_address_failures")
def count_address_failure(sender, credentials, request=None, **kwargs):
    """Each failed login counts against the address it came from."""
    if request is not None:
        _usage(request, group=LOGIN_FAILURES, rate=settings.LOGIN_ADDRESS_FAILURE_LIMIT, increment=True)


class _CacheThrottle(BaseThrottle):
    """A ninja throttle counted by django-ratelimit (atomic in the shared cache)."""

    group = ""
    setting = ""

    def __init__(self):
        # One instance serves every request: the last count is kept per thread for wait().
        self._last = threading.local()

    def key(self, group, request) -> str:
        raise NotImplementedError

    def allow_request(self, request) -> bool:
        usage = _usage(request, group=self.group, rate=getattr(settings, self.setting), increment=True, key=self.key)
        self._last.usage = usage
        return not (usage and usage["should_limit"])

    def wait(self) -> float | None:
        return float(_retry_after(getattr(self._last, "usage", None)))


class ApiUserThrottle(_CacheThrottle):
    """API calls per authenticated user (all their tokens together)."""

    group = API_USER
    setting = "API_RATE_LIMIT"

    def key(self, group, request) -> str:
        auth = getattr(request, "auth", None)
        return f"user:{auth.pk}" if getattr(auth, "pk", None) is not None else f"address:{_address(group, request)}"


class ApiAddressThrottle(_CacheThrottle):
    """API calls per address, whoever sends them."""

    group = API_ADDRESS
    setting = "API_ADDRESS_RATE_LIMIT"

    def key(self, group, request) -> str:
        return _address(group, request)


def api_throttles() -> list[BaseThrottle]:
    return [ApiUserThrottle(), ApiAddressThrottle()]


def too_many_api_requests_message() -> str:
    return _(
        "Trop de requêtes : la limite de débit de l'API est atteinte. Réessayez après le délai indiqué par l'en-tête "
        "Retry-After."
    )
