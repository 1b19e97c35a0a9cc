"""Refreshes that cost nothing (issue 15): one version stamp of the data the polled pages show, kept in
Django's cache (Redis in production, shared by every app server; local memory in embedded mode), and a token
each polled fragment carries back, so that its next refresh answers 204 (before the session, the user or
anything else is read; nothing rendered, nothing audited) when nothing it shows can have changed.

The stamp moves on every save or delete of a Jalon model (except the records a page view writes itself:
audit, idempotency and token bookkeeping, indicator facts) and at every login and logout: once when the row
is written and once more after its transaction commits (a render between the two read the old rows: its token
must not outlive them). A service that writes with `QuerySet.update()` (no signal) calls `data_changed()`.
One stamp for the whole region: any change re-renders every open fragment once, which is what a busy region
costs anyway; an idle one costs nothing.

A token is signed with the secret key over the page's path and query string, the session key (the cookie),
the stamp and `until`: the moment the page's time-dependent content (working hours left, an alert falling
due…) next changes, never later than the session's own end (idle or absolute limit). A render that passed
the page's access rules issues it; while nothing was written since (the access rules read only data whose
writes move the stamp: memberships, care teams, users) and the session is still the same and not over, the
same rules would give the same page, so the 204 discloses nothing new.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse, QueryDict
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import urlencode

KEY = "jalon:data-version"
# The writes a page view or a poll makes itself: they never change what a page shows.
IGNORED_MODELS = frozenset(
    {
        "accounts.auditrecord",
        "accounts.auditseal",
        "accounts.idempotencykey",
        "accounts.apitoken",
    }
)
IGNORED_APPS = frozenset({"indicators"})
TOKEN_PARAMETER = "version"
POLL_HEADER = "HTTP_X_JALON_POLL"


def _fresh_start() -> int:
    """A start value no earlier stamp had (the cache may have been emptied since)."""
    return time.time_ns() // 1000


def data_version() -> int:
    """The current stamp (created on first use)."""
    value = cache.get(KEY)
    if value is None:
        cache.add(KEY, _fresh_start(), timeout=None)
        value = cache.get(KEY)
    return int(value)


def _bump() -> None:
    try:
        cache.incr(KEY)
    except ValueError:  # not there (first use, or the cache was emptied): any new value differs
        cache.add(KEY, _fresh_start(), timeout=None)


def data_changed() -> None:
    """Something a page shows changed: move the stamp now and again once the transaction commits (one
    callback per transaction, however many rows it writes)."""
    _bump()
    connection = transaction.get_connection()
    if not any(callback is _bump for _savepoints, callback, _robust in connection.run_on_commit):
        transaction.on_commit(_bump)


def is_freshness_callback(callback) -> bool:
    """Whether an on-commit callback is the stamp's (tests that count their own callbacks leave it out)."""
    return callback is _bump


def _on_write(sender, **kwargs) -> None:
    meta = sender._meta
    if not sender.__module__.startswith("jalon.") or meta.app_label in IGNORED_APPS:
        return
    if meta.label_lower in IGNORED_MODELS:
        return
    data_changed()


def _on_login_or_logout(sender, **kwargs) -> None:
    data_changed()


def watch_writes() -> None:
    """Connect the stamp to every model write, login and logout (once, from the accounts app's ready())."""
    post_save.connect(_on_write, dispatch_uid="accounts.freshness.save", weak=False)
    post_delete.connect(_on_write, dispatch_uid="accounts.freshness.delete", weak=False)
    user_logged_in.connect(_on_login_or_logout, dispatch_uid="accounts.freshness.login", weak=False)
    user_logged_out.connect(_on_login_or_logout, dispatch_uid="accounts.freshness.logout", weak=False)


def _canonical_query(query: QueryDict) -> str:
    return urlencode(
        sorted((key, value) for key, values in query.lists() if key != TOKEN_PARAMETER for value in values)
    )


def _signature(path: str, query: QueryDict, session_key: str, version: int, until: int) -> str:
    message = f"{path}|{_canonical_query(query)}|{session_key}|{version}|{until}"
    return salted_hmac("jalon.accounts.freshness", message).hexdigest()[:32]


def _session_key(request) -> str:
    return request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")


def poll_token(request, refresh_url: str, *, version: int, until: float) -> str:
    """The token of a fragment rendered at `version` (read BEFORE its data), for its refresh at `refresh_url`
    (path and query string, without the token) in this session, valid until `until` (a Unix time) or the
    session's end, whichever comes first."""
    from jalon.accounts.sessions import session_ends_at

    ends = session_ends_at(request.session)
    until = int(min(until, ends) if ends is not None else until)
    path, _, query = refresh_url.partition("?")
    signature = _signature(path, QueryDict(query), _session_key(request), version, until)
    return f"{version}.{until}.{signature}"


def poll_unchanged(request) -> bool:
    """True when this refresh's token says the page already shows what a render would show now."""
    parts = request.GET.get(TOKEN_PARAMETER, "").split(".")
    if len(parts) != 3 or not all(part.isascii() and part.isdigit() and len(part) <= 20 for part in parts[:2]):
        return False
    version, until = int(parts[0]), int(parts[1])
    if time.time() >= until or version != data_version():
        return False
    expected = _signature(request.path, request.GET, _session_key(request), version, until)
    return constant_time_compare(expected, parts[2])


class UnchangedPollMiddleware:
    """Answers 204 to a background refresh (`X-Jalon-Poll: 1`, GET) whose token is still good, before the
    session, the user or the page are read. Anything else goes on to the page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method == "GET"
            and request.META.get(POLL_HEADER) == "1"
            and TOKEN_PARAMETER in request.GET
            and poll_unchanged(request)
        ):
            return HttpResponse(status=204)
        return self.get_response(request)
