"""Refreshes that cost nothing: one version stamp of the data the polled pages show, kept in Django's cache
(Redis in production, shared by every app server; local memory in embedded mode), and the token a polled
fragment carries back so that its next refresh answers 204 without reading, rendering or auditing anything
when nothing changed.

The stamp moves on every save or delete of a Jalon model (except the records a page view writes itself:
audit, idempotency and token bookkeeping, indicator facts), once when the row is written and once more after
its transaction commits (a refresh between the two saw the old rows: it must not keep them), and where a
service writes with `QuerySet.update()` (no signal) it calls `data_changed()` itself. One stamp for the whole
region: any change re-renders every open worklist once, which is what a busy region costs anyway; an idle
one costs nothing.

A token binds the stamp to the user, the page's query string and the moment its time-dependent content
(working hours left, overdue flags) next changes (`until`, a Unix time): past it, the fragment renders again.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
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
    """Something a page shows changed: move the stamp now and again once the transaction commits."""
    _bump()
    transaction.on_commit(_bump)


def _on_write(sender, **kwargs) -> None:
    meta = sender._meta
    if not sender.__module__.startswith("jalon.") or meta.app_label in IGNORED_APPS:
        return
    if meta.label_lower in IGNORED_MODELS:
        return
    data_changed()


def watch_writes() -> None:
    """Connect the stamp to every model write (called once, from the core app's ready())."""
    post_save.connect(_on_write, dispatch_uid="core.freshness.save", weak=False)
    post_delete.connect(_on_write, dispatch_uid="core.freshness.delete", weak=False)


def _canonical_query(request) -> str:
    return urlencode(
        sorted((key, value) for key, values in request.GET.lists() if key != TOKEN_PARAMETER for value in values)
    )


def _signature(scope: str, user_id, version: int, until: int, query: str) -> str:
    return salted_hmac(f"jalon.freshness.{scope}", f"{user_id}|{version}|{until}|{query}").hexdigest()[:24]


def poll_token(request, scope: str, *, version: int, until: int) -> str:
    """The token a fragment rendered at `version` carries; valid for this user and query string until `until`."""
    query = _canonical_query(request)
    return f"{version}.{until}.{_signature(scope, request.user.pk, version, until, query)}"


def poll_unchanged(request, scope: str) -> bool:
    """True when the refresh's token says it already shows what a render would show now: same stamp, same
    user and query string, its time-dependent content not yet due to change. Access rules are the view's to
    check before (this reads nothing else)."""
    token = request.GET.get(TOKEN_PARAMETER, "")
    parts = token.split(".")
    if len(parts) != 3 or not (parts[0].isascii() and parts[0].isdigit() and parts[1].isascii() and parts[1].isdigit()):
        return False
    version, until = int(parts[0]), int(parts[1])
    if time.time() >= until or version != data_version():
        return False
    expected = _signature(scope, request.user.pk, version, until, _canonical_query(request))
    return constant_time_compare(expected, parts[2])
