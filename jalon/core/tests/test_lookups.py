"""`by_unique_key`: one row by a unique key, without the ORDER BY that `first()` compiles."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jalon.core.lookups import by_unique_key
from jalon.directory.models import Professional
from jalon.testing.factories import ProfessionalFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_row_of_the_key_or_none():
    professional = ProfessionalFactory()
    ProfessionalFactory()
    assert by_unique_key(Professional.objects.filter(pk=professional.pk)) == professional
    assert by_unique_key(Professional.objects.filter(pk=professional.pk + 1000)) is None


def test_no_order_by_is_sent_and_the_prefetches_still_run():
    user = UserFactory()
    queryset = type(user).objects.filter(pk=user.pk).select_related("professional").prefetch_related("groups")
    with CaptureQueriesContext(connection) as captured:
        found = by_unique_key(queryset)
        list(found.groups.all())  # from the prefetch: no query of its own
    assert found == user
    assert len(captured) == 2  # the row, then its prefetch
    assert "ORDER BY" not in captured.captured_queries[0]["sql"]
