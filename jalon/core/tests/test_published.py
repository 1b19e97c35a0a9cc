"""core.published: what is read from a published version is kept per process, a draft never; any write of a
watched model empties it. core.references: each reference once, from the year's first."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from jalon.core.published import PublishedMemo
from jalon.core.references import next_reference
from jalon.referrals.models import ReferenceCounter
from jalon.triage.models import TriageRule, TriageRuleSet
from jalon.triage.services import rules_of


@pytest.fixture
def memo():
    return PublishedMemo(f"test-{uuid.uuid4()}", watches=("triage.TriageRule",))


def test_a_published_versions_value_is_computed_once(memo, db):
    version = TriageRuleSet(pk=900, version=900, published_at=timezone.now())
    calls = []
    for _ in range(3):
        assert memo.get(version, "k", lambda: calls.append(1) or ("value",)) == ("value",)
    assert len(calls) == 1
    # Another publication time (a draft published again) is another version.
    republished = TriageRuleSet(pk=900, version=900, published_at=version.published_at + timedelta(seconds=1))
    memo.get(republished, "k", lambda: calls.append(1) or ("other",))
    assert len(calls) == 2


def test_a_drafts_value_is_never_kept(memo, db):
    draft = TriageRuleSet(pk=901, version=901, published_at=None)
    calls = []
    memo.get(draft, "k", lambda: calls.append(1))
    memo.get(draft, "k", lambda: calls.append(1))
    assert len(calls) == 2


def test_a_write_of_a_watched_model_empties_it(memo, db):
    rule_set = TriageRuleSet.objects.create(version=902, published_at=timezone.now())
    calls = []
    memo.get(rule_set, "k", lambda: calls.append(1))
    TriageRule.objects.create(rule_set=rule_set, order=1, code="x", comment="", pathway_kind="lung", priority="P1")
    memo.get(rule_set, "k", lambda: calls.append(1))
    assert len(calls) == 2


def test_the_published_rules_are_read_once(db, django_assert_num_queries):
    rule_set = TriageRuleSet.objects.create(version=903, published_at=timezone.now())
    TriageRule.objects.create(rule_set=rule_set, order=2, code="b", comment="", pathway_kind="lung", priority="P2")
    TriageRule.objects.create(rule_set=rule_set, order=1, code="a", comment="", pathway_kind="lung", priority="P1")
    assert [rule.code for rule in rules_of(rule_set)] == ["a", "b"]
    with django_assert_num_queries(0):
        assert [rule.code for rule in rules_of(rule_set)] == ["a", "b"]


def test_references_follow_each_other_from_the_years_first(db):
    ReferenceCounter.objects.filter(year=2031).delete()
    assert next_reference(ReferenceCounter, prefix="JAL", year=2031) == "JAL-2031-000001"
    assert next_reference(ReferenceCounter, prefix="JAL", year=2031) == "JAL-2031-000002"
    assert ReferenceCounter.objects.get(year=2031).last == 2
