"""The worklist's order is written once (referrals.models.WORKLIST_*_ORDER) and indexed: a page of the
worklist reads its rows from the index `referral_worklist_order` instead of sorting every open referral of
the entry point (issue 15)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from jalon.referrals import selectors
from jalon.referrals.models import (
    WORKLIST_PRIORITY_ORDER,
    WORKLIST_STATUS_ORDER,
    WORKLIST_URGENCY_ORDER,
    Referral,
)


def test_the_index_and_the_worklist_sort_on_the_same_expressions():
    index = next(index for index in Referral._meta.indexes if index.name == "referral_worklist_order")
    assert index.expressions[:3] == (WORKLIST_STATUS_ORDER, WORKLIST_PRIORITY_ORDER, WORKLIST_URGENCY_ORDER)


@pytest.mark.django_db
def test_the_index_exists_in_the_database():
    """Created by migration referrals/0013 on both databases (SQLite keeps its own plan: it sorts)."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Referral._meta.db_table)
    assert constraints["referral_worklist_order"]["index"]


@pytest.mark.django_db
def test_a_worklist_page_is_read_from_the_index_on_postgresql(coordinator):
    """PostgreSQL, the production database, reads the page from the index. SQLite's planner does not match the
    CASE expressions of an ORDER BY to an index (it exists there, above), so it sorts the open referrals it
    found through an index, which the embedded single-site use can afford."""
    query = selectors.worklist(coordinator, status="open").values(*selectors.WORKLIST_FIELDS)[:50]
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = "\n".join(str(row) for row in cursor.fetchall())
            # SQLite still sorts, but never scans every referral: it searches them through an index.
            assert "SEARCH referrals_referral USING" in plan and "SCAN referrals_referral" not in plan, plan
            return
        # On a few test rows a sort costs nothing and the planner would rightly choose it: forbid it, so
        # that only an index that gives the worklist's order can serve the query.
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "referral_worklist_order" in plan, plan
    assert " Sort " not in plan and not plan.lstrip().startswith("Sort"), plan


@pytest.mark.django_db
def test_the_worklist_count_is_read_from_the_open_referrals_index(coordinator):
    """The page's count of open referrals (the paginator's) reads `referral_open_by_entry_point` on PostgreSQL
    (an index-only scan once vacuumed) rather than every referral row of the entry point; the index exists
    on SQLite too (migration referrals/0014)."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Referral._meta.db_table)
    assert constraints["referral_open_by_entry_point"]["index"]
    if connection.vendor != "postgresql":
        return
    # The page's filter without its order: what the count reads.
    counted = selectors.worklist(coordinator, status="open").order_by().values("entry_point_id")
    with transaction.atomic(), connection.cursor() as cursor:
        # On a few test rows a sequential scan is rightly cheaper: forbid it, so that the plan shows which index
        # serves the condition.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        plan = counted.explain()
    assert "referral_open_by_entry_point" in plan, plan
