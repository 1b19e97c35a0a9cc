"""Reading one row by a unique key."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def by_unique_key(queryset: QuerySet[M]) -> M | None:
    """The row of `queryset`, filtered on a unique key (a primary key, a reference), or None.

    `first()` orders by the model's ordering (else the primary key) to choose among several rows. With one row
    there is nothing to choose, and compiling that ORDER BY against a wide `select_related` costs Django more
    than the lookup: 1.6 of the 3.2 ms it takes to compile the referral page's query, which joins 20 tables
    (issue 15; Django matches each ORDER BY term against every selected column). Unordered and sliced, the
    prefetches of the queryset still run."""
    rows = list(queryset.order_by()[:1])
    return rows[0] if rows else None
