"""The dashboard's figures of closed periods, kept in Django's cache (Redis in production).

A period is closed when its last day is before today (Paris time): no referral will be received in it
any more, but its figures still change when a pathway of its cohort moves on or is corrected, when an
appointment booked in it is cancelled, when a referral received in it is corrected… So the cached
figures are keyed, besides the period, the filters and the version of the code that computes them, by
one token per calendar month the figures read: every write that may change a month's figures replaces
that month's token (after its transaction commits), and the figures keyed by the old token are never
read again. A rebuild of the facts replaces the token of every month at once. Open periods (today
included) are never cached.

The months a write touches (`months_changed`, called from `apps.py`'s receivers): a pathway's cohort
month (its referral's reception, read from its facts row, which the same write refreshed); a
referral's reception month; an
appointment's booking month and its slot's month; a slot release's month; the cohort month of the pathway of
a board case, a board decision, a PPS or a pathology request written (issue 16). Writes that bypass the model
signals (`QuerySet.update`, bulk loads) and changes to the directory (a referrer's profession, a GP's
commune) reach the figures through the nightly facts rebuild, which replaces every token; and each
entry expires after `TIMEOUT` in any case.

If the cache fails, the figures are computed as if nothing were cached (the page never fails for it).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from jalon.core.workcalendar import PARIS

logger = logging.getLogger(__name__)

TIMEOUT = 24 * 60 * 60
PREFIX = "indicators:figures"
ALL_MONTHS = f"{PREFIX}:all"

# The code that defines and computes the figures: any change to it gives new keys (the old entries expire).
_CODE = Path(__file__).resolve().parent
DEFINITIONS_VERSION = hashlib.sha256(
    b"".join((_CODE / name).read_bytes() for name in ("definitions.py", "selectors.py", "figures_cache.py"))
).hexdigest()[:16]


def _today() -> date:
    return timezone.localtime(timezone.now(), PARIS).date()


def is_closed(*periods) -> bool:
    """Whether every one of these periods (None: none) ended before today, Paris time."""
    today = _today()
    return all(period.end < today for period in periods if period is not None)


def _month_key(month: date) -> str:
    return f"{PREFIX}:month:{month:%Y-%m}"


def _tokens(keys: list[str]) -> dict[str, str]:
    """The current token of each key; a missing one (never set, or evicted) gets a new random token, so
    that figures cached under a lost token are never read again."""
    found = cache.get_many(keys)
    missing = [key for key in keys if key not in found]
    for key in missing:
        cache.add(key, uuid.uuid4().hex, timeout=None)
    if missing:
        found = cache.get_many(keys)
    return found


def _key(parts: Iterable, months: set[date]) -> str | None:
    keys = [ALL_MONTHS] + [_month_key(month) for month in sorted(months)]
    tokens = _tokens(keys)
    if len(tokens) != len(keys):
        return None
    text = "|".join([DEFINITIONS_VERSION, *map(repr, parts), *(tokens[key] for key in keys)])
    return f"{PREFIX}:{hashlib.sha256(text.encode()).hexdigest()}"


def cached_figures(parts: Iterable, periods: Iterable, compute: Callable[[], dict]) -> dict:
    """`compute()`'s figures, from the cache when these periods are all closed and nothing they read
    changed since they were kept. `parts` names everything else the figures depend on (filters, options)."""
    periods = [period for period in periods if period is not None]
    if not periods or not is_closed(*periods):
        return compute()
    months = {month for period in periods for month in period.month_starts()}
    try:
        key = _key([(period.start, period.end) for period in periods] + list(parts), months)
        figures = cache.get(key) if key else None
    except Exception:  # noqa: BLE001 — the cache is an optimisation: a page never fails for it
        logger.warning("indicators: cache unavailable, figures computed", exc_info=True)
        return compute()
    if figures is not None:
        return figures
    figures = compute()
    if key is None:  # the cache kept no token (a dummy cache): nothing to keep the figures under
        return figures
    try:
        cache.set(key, figures, timeout=TIMEOUT)
    except Exception:  # noqa: BLE001
        logger.warning("indicators: cache unavailable, figures not kept", exc_info=True)
    return figures


def _renew(keys: list[str]) -> None:
    try:
        cache.set_many({key: uuid.uuid4().hex for key in keys}, timeout=None)
    except Exception:  # noqa: BLE001
        logger.warning("indicators: cache unavailable, cached figures not invalidated", exc_info=True)


def months_changed(moments: Iterable[date | datetime | None]) -> None:
    """The figures of the months these dates or datetimes fall in (Paris time) change: after the current
    transaction commits, those months get new tokens. (Before the commit, a page could read the new token
    and cache figures computed without the write.)"""
    months = set()
    for moment in moments:
        if moment is None:
            continue
        day = timezone.localtime(moment, PARIS).date() if isinstance(moment, datetime) else moment
        months.add(day.replace(day=1))
    if months:
        keys = [_month_key(month) for month in sorted(months)]
        transaction.on_commit(lambda: _renew(keys))


def all_changed() -> None:
    """Every month's figures may have changed (a rebuild of the facts): none cached so far is read again."""
    transaction.on_commit(lambda: _renew([ALL_MONTHS]))
