"""The rule set in force is read once per process until a rule set is saved (core.memo): a referral page
proposes on every view, and a publication must be seen by the next proposal."""

from __future__ import annotations

import pytest
from django.utils import timezone

from jalon.triage.models import TriageRuleSet
from jalon.triage.services import published_rule_set

# Outside a test transaction: the memo keeps nothing read inside one (a rollback could take it back). The
# shipped rule sets are restored afterwards (serialized_rollback).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_read_once_then_from_memory_and_a_publication_is_seen_at_once(django_assert_num_queries):
    TriageRuleSet.objects.all().delete()
    TriageRuleSet.objects.create(version=700, published_at=timezone.now())
    TriageRuleSet.objects.create(version=702)  # a draft is never in force, whatever its number
    assert published_rule_set().version == 700
    with django_assert_num_queries(0):
        in_force = published_rule_set()
    assert in_force.version == 700 and in_force.pk is not None and not in_force._state.adding
    in_force.note = "changed by one caller"
    assert published_rule_set().note == ""  # each caller its own instance

    draft = TriageRuleSet.objects.get(version=702)
    draft.published_at = timezone.now()
    draft.save()
    assert published_rule_set().version == 702


def test_none_while_nothing_is_published():
    TriageRuleSet.objects.all().delete()
    assert published_rule_set() is None
