"""Trying a triage rule set on past referrals: which outcomes change, counted per rule, and the management command."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import identity
from jalon.core.actor import Actor
from jalon.patients.models import Sex
from jalon.referrals.models import Referral, Status
from jalon.referrals.services import ExamInput, referral_decline
from jalon.testing.factories import letters_name, make_ins
from jalon.triage.dry_run import NO_RULE, Outcome, dry_run
from jalon.triage.models import TriageRule, TriageRuleSet
from jalon.triage.services import published_rule_set, triage_propose

RULE_FIELDS = ("order", "code", "comment", "conditions", "pathway_kind", "priority", "first_tasks", "source")


def copy_rule_set(
    source: TriageRuleSet, version: int, changes: dict[str, dict] | None = None, drop: tuple = ()
) -> TriageRuleSet:
    """A draft copy of `source` with some rules changed (by code) or dropped."""
    draft = TriageRuleSet.objects.create(version=version, note="Essai")
    TriageRule.objects.bulk_create(
        TriageRule(
            rule_set=draft,
            **{**{name: getattr(rule, name) for name in RULE_FIELDS}, **(changes or {}).get(rule.code, {})},
        )
        for rule in source.rules.order_by("order")
        if rule.code not in drop
    )
    return draft


@pytest.fixture
def referrals(submit):
    """Four waiting referrals: two lung ones with a CT (lung-imaging-lesion), a lung one with haemoptysis, a breast
    one."""

    def patient(seed: int, name: str):
        birth = date(1960, 5, seed)
        return identity(
            birth_name=name,
            first_names="Anne",
            birth_date=birth,
            ins=make_ins(sex=Sex.FEMALE, birth_date=birth, seed=seed),
        )

    return {
        "lung_ct": submit(patient=patient(1, "Arnaud")).referral,
        "lung_ct_2": submit(patient=patient(2, "Bernard")).referral,
        "haemoptysis": submit(patient=patient(3, "Colin"), alarm_signs=["haemoptysis"]).referral,
        "breast": submit(
            patient=patient(4, "Dupuis"),
            suspected_site="breast",
            declared_urgency="routine",
            exams=[ExamInput(kind="mammography", done_on=date(2026, 10, 1))],
        ).referral,
    }


@pytest.fixture
def v1(db):
    """The shipped v1 as the published set: the dry run's mechanics are checked against it alone (the later
    shipped versions are removed in this test's transaction, so drafts are numbered from 2 as before)."""
    TriageRuleSet.objects.filter(version__gt=1).delete()
    return published_rule_set()


def test_it_reports_exactly_the_referrals_whose_priority_changes(v1, referrals):
    """Raising lung-imaging-lesion to P1 changes the two lung referrals with a CT, and only them."""
    candidate = copy_rule_set(v1, 2, {"lung-imaging-lesion": {"priority": "P1"}})
    report = dry_run(candidate=candidate)
    assert report.baseline == v1 and report.candidate == candidate
    assert report.total == 4
    assert sorted(row.reference for row in report.changed) == sorted(
        [referrals["lung_ct"].reference, referrals["lung_ct_2"].reference]
    )
    for row in report.changed:
        assert row.changes == ["priority"]
        assert row.before == Outcome("lung", "P2", "lung-imaging-lesion")
        assert row.after == Outcome("lung", "P1", "lung-imaging-lesion")
    assert (report.changed_count, report.unchanged_count, report.priority_changes, report.pathway_changes) == (
        2,
        2,
        2,
        0,
    )


def test_it_does_not_list_a_referral_whose_outcome_stays_the_same(v1, referrals):
    """The haemoptysis and breast referrals keep pathway, priority and rule: they are not listed."""
    report = dry_run(candidate=copy_rule_set(v1, 2, {"lung-imaging-lesion": {"priority": "P1"}}))
    listed = {row.reference for row in report.changed}
    assert referrals["haemoptysis"].reference not in listed
    assert referrals["breast"].reference not in listed


def test_it_counts_each_rule_and_priority_under_both_sets(v1, referrals):
    """Per-rule counts cover every rule of both sets (zero included); priorities are totalled before and after."""
    report = dry_run(candidate=copy_rule_set(v1, 2, {"lung-imaging-lesion": {"priority": "P1"}}))
    counts = {row.code: (row.before, row.after) for row in report.rule_counts}
    assert counts["lung-imaging-lesion"] == (2, 2)
    assert counts["lung-haemoptysis-or-compression"] == (1, 1)
    assert counts["breast-default"] == (1, 1)
    assert counts["catch-all"] == (0, 0)
    assert len(counts) == v1.rules.count()
    assert sum(before for before, _after in counts.values()) == sum(after for _before, after in counts.values()) == 4
    assert (report.priorities_before["P1"], report.priorities_before["P2"], report.priorities_before["P3"]) == (1, 2, 1)
    assert (report.priorities_after["P1"], report.priorities_after["P2"], report.priorities_after["P3"]) == (3, 0, 1)
    assert report.pathway_kinds_before["lung"] == report.pathway_kinds_after["lung"] == 3


def test_it_reports_a_change_of_fired_rule_even_with_the_same_outcome(v1, referrals):
    """Dropping breast-default sends the breast referral to the catch-all: the rule and the pathway change."""
    report = dry_run(candidate=copy_rule_set(v1, 2, drop=("breast-default",)))
    assert [row.reference for row in report.changed] == [referrals["breast"].reference]
    (row,) = report.changed
    assert row.changes == ["pathway_kind", "rule"]
    assert (row.before.rule_code, row.after.rule_code) == ("breast-default", "catch-all")
    assert "breast-default" in {count.code for count in report.rule_counts}, (
        "a rule only the baseline has is still counted"
    )


def test_it_counts_referrals_no_candidate_rule_matches(v1, referrals):
    """A draft without its catch-all leaves some referrals without a rule: generic P3, counted apart."""
    report = dry_run(candidate=copy_rule_set(v1, 2, drop=("breast-default", "catch-all")))
    (row,) = report.changed
    assert row.after == Outcome("generic", "P3", NO_RULE)
    assert report.rules_after[NO_RULE] == 1
    assert report.rule_counts[-1].code == NO_RULE


def test_it_gives_the_same_outcomes_as_triage_propose(v1, referrals):
    """Before and after are exactly what triage_propose gives under the baseline and the candidate."""
    candidate = copy_rule_set(v1, 2, {"lung-imaging-lesion": {"priority": "P1"}, "breast-default": {"priority": "P2"}})
    report = dry_run(candidate=candidate, referrals=Referral.objects.all())
    changed = {row.reference: row for row in report.changed}
    for referral in referrals.values():
        before, after = Outcome.of(triage_propose(referral)), Outcome.of(triage_propose(referral, rule_set=candidate))
        if before == after:
            assert referral.reference not in changed
        else:
            assert (changed[referral.reference].before, changed[referral.reference].after) == (before, after)


def test_it_compares_against_a_chosen_baseline(v1, referrals):
    """With an explicit baseline, the candidate is compared with it, not with the published set."""
    v2 = copy_rule_set(v1, 2, {"lung-imaging-lesion": {"priority": "P1"}})
    v3 = copy_rule_set(v2, 3)
    assert dry_run(candidate=v3, baseline=v2).changed == []
    assert len(dry_run(candidate=v3).changed) == 2


def test_it_takes_the_last_accepted_or_waiting_referrals_up_to_the_limit(v1, referrals, coordinator):
    """Declined referrals are left out; the limit keeps the most recent ones."""
    referral_decline(
        actor=Actor(user=coordinator, ip_address="127.0.0.1"), referral=referrals["lung_ct"], reason="Doublon"
    )
    Referral.objects.filter(pk=referrals["lung_ct_2"].pk).update(status=Status.ACCEPTED)
    candidate = copy_rule_set(v1, 2, {"lung-imaging-lesion": {"priority": "P1"}})
    report = dry_run(candidate=candidate)
    assert report.total == 3
    assert [row.reference for row in report.changed] == [referrals["lung_ct_2"].reference]
    latest = dry_run(candidate=candidate, limit=1)
    assert latest.total == 1 and latest.changed == []  # the breast referral, submitted last


def test_it_accepts_a_list_of_referrals(v1, referrals):
    """An explicit list is tried as given (its exams and communes loaded in bulk)."""
    candidate = copy_rule_set(v1, 2, {"lung-imaging-lesion": {"priority": "P1"}})
    chosen = [Referral.objects.get(pk=referrals["lung_ct"].pk), Referral.objects.get(pk=referrals["breast"].pk)]
    report = dry_run(candidate=candidate, referrals=chosen)
    assert report.total == 2
    assert [row.reference for row in report.changed] == [referrals["lung_ct"].reference]


def test_it_uses_the_same_number_of_queries_whatever_the_number_of_referrals(v1, submit, referrals):
    """Rules are read once per set; patients, communes and exams are loaded in bulk: no query per referral or rule."""
    candidate = copy_rule_set(v1, 2, {"lung-imaging-lesion": {"priority": "P1"}})
    with CaptureQueriesContext(connection) as few:
        assert dry_run(candidate=candidate).total == 4
    for seed in range(10, 16):
        birth = date(1970, 1, seed)
        submit(
            patient=identity(
                birth_name=letters_name("Patient", seed),
                birth_date=birth,
                ins=make_ins(sex=Sex.FEMALE, birth_date=birth, seed=seed),
            )
        )
    with CaptureQueriesContext(connection) as many:
        assert dry_run(candidate=candidate).total == 10
    assert len(many) == len(few) <= 5


def test_it_prints_a_french_summary_and_the_changed_references(v1, referrals):
    """The command names both versions, totals the changes, counts rules and lists the changed references only."""
    copy_rule_set(v1, 2, {"lung-imaging-lesion": {"priority": "P1"}})
    out = StringIO()
    call_command("triage_dry_run", "--version", "2", stdout=out)
    text = out.getvalue()
    assert "Essai du jeu de règles v2 (brouillon) contre v1 (publié) sur 4 demande(s)" in text
    assert "Résultats modifiés : 2 (priorité : 2, parcours : 0) ; inchangés : 2." in text
    assert "Priorités (avant → après) : P1 1 → 3 ; P2 2 → 0 ; P3 1 → 1" in text
    assert "  lung-imaging-lesion : 2 → 2" in text
    assert (
        f"  {referrals['lung_ct'].reference} : Poumon, P2 (lung-imaging-lesion) → Poumon, P1 (lung-imaging-lesion)"
        in text
    )
    assert referrals["lung_ct_2"].reference in text
    assert referrals["breast"].reference not in text
    assert referrals["haemoptysis"].reference not in text
    for name in ("Arnaud", "Bernard", "Colin", "Dupuis", "Anne"):
        assert name not in text


def test_it_prints_that_nothing_changes_against_a_chosen_version(v1, referrals):
    """--against and --limit are honoured; an identical set changes nothing."""
    copy_rule_set(v1, 2)
    out = StringIO()
    call_command("triage_dry_run", "--version", "2", "--against", "1", "--limit", "3", stdout=out)
    text = out.getvalue()
    assert "contre v1 (publié) sur 3 demande(s)" in text
    assert "Aucune demande ne change de résultat." in text


def test_it_refuses_an_unknown_version(v1):
    """An unknown rule set version is a French error, not a traceback."""
    with pytest.raises(CommandError, match="introuvable : v9"):
        call_command("triage_dry_run", "--version", "9", stdout=StringIO())
    with pytest.raises(CommandError, match="introuvable : v8"):
        call_command("triage_dry_run", "--version", "1", "--against", "8", stdout=StringIO())
