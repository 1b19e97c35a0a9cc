"""The backfill of `Referral.proposed_priority` (issue 14): open referrals received before triage stored its proposal
get the priority `triage_propose` gives them, through the same function as at submission; closed referrals and those
that have one are left alone; a second run changes nothing; the command says what it did."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from jalon.referrals.models import Referral
from jalon.triage.models import TriageRuleSet
from jalon.triage.services import proposed_priority_backfill, triage_propose


def made_before_the_proposal_was_stored(referral, **fields) -> Referral:
    """The referral as one received before triage stored its proposal: no proposed priority."""
    Referral.objects.filter(pk=referral.pk).update(proposed_priority="", **fields)
    return Referral.objects.get(pk=referral.pk)


def test_it_gives_open_referrals_without_one_the_priority_triage_proposes(submit):
    very_urgent = made_before_the_proposal_was_stored(
        submit(declared_urgency="very_urgent", alarm_signs=["haemoptysis"]).referral
    )
    routine = made_before_the_proposal_was_stored(
        submit(declared_urgency="routine", alarm_signs=[], clinical_reason="Bilan d'une opacité").referral
    )
    counts = proposed_priority_backfill()
    very_urgent.refresh_from_db()
    routine.refresh_from_db()
    assert very_urgent.proposed_priority == triage_propose(very_urgent).priority == "P1"
    assert routine.proposed_priority == triage_propose(routine).priority
    assert routine.proposed_priority in {"P2", "P3"}
    assert sum(counts.values()) == 2 and counts["P1"] == 1


def test_it_reads_the_text_as_triage_does(submit):
    """A sign written in the reason and never ticked counts, as it does at submission (« lu dans le texte »)."""
    referral = made_before_the_proposal_was_stored(
        submit(
            declared_urgency="routine",
            alarm_signs=[],
            exams=[],
            clinical_reason="Hémoptysie depuis 10 jours chez un fumeur de 62 ans.",
        ).referral
    )
    proposed_priority_backfill()
    referral.refresh_from_db()
    assert referral.proposed_priority == "P1"


def test_it_leaves_closed_referrals_and_those_that_have_one_alone(submit):
    declined = made_before_the_proposal_was_stored(submit().referral, status="declined")
    kept = submit(declared_urgency="routine").referral
    Referral.objects.filter(pk=kept.pk).update(proposed_priority="P3")
    counts = proposed_priority_backfill()
    assert counts == {}
    assert Referral.objects.get(pk=declined.pk).proposed_priority == ""
    assert Referral.objects.get(pk=kept.pk).proposed_priority == "P3"


def test_a_second_run_changes_nothing(submit):
    made_before_the_proposal_was_stored(submit().referral)
    assert sum(proposed_priority_backfill().values()) == 1
    assert proposed_priority_backfill() == {}


@pytest.mark.django_db
def test_it_does_nothing_without_a_published_rule_set(submit):
    referral = made_before_the_proposal_was_stored(submit().referral)
    TriageRuleSet.objects.update(published_at=None)
    assert proposed_priority_backfill() == {}
    assert Referral.objects.get(pk=referral.pk).proposed_priority == ""
    out = StringIO()
    call_command("triage_backfill_proposed_priority", stdout=out)
    assert out.getvalue() == "Aucun jeu de règles de tri publié : rien à calculer.\n"


def test_the_command_reports_what_it_computed(submit):
    made_before_the_proposal_was_stored(submit(declared_urgency="very_urgent", alarm_signs=["haemoptysis"]).referral)
    out = StringIO()
    call_command("triage_backfill_proposed_priority", stdout=out)
    assert out.getvalue() == "Priorité proposée calculée pour 1 demande(s) ouverte(s) (P1 : 1).\n"
    out = StringIO()
    call_command("triage_backfill_proposed_priority", stdout=out)
    assert out.getvalue() == "Aucune demande ouverte sans priorité proposée.\n"
