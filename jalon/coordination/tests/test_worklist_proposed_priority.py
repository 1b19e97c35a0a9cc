"""Before acceptance the worklist shows the priority the triage rules propose (stored at submission by
triage through `referral_content_changed`) and puts P1 first, then the nearest deadline."""

from __future__ import annotations

import re
from datetime import datetime

import time_machine
from django.urls import reverse

from jalon.core.workcalendar import PARIS
from jalon.referrals.models import Referral
from jalon.triage.services import triage_propose


def test_it_stores_the_proposed_priority_at_submission(submit):
    referral = submit().referral
    referral.refresh_from_db()
    assert referral.proposed_priority
    assert referral.proposed_priority == triage_propose(referral).priority


def test_it_shows_and_sorts_by_the_proposed_priority(client, coordinator, submit):
    """A routine referral received first (nearest deadline) comes after a later one the rules propose at P1."""
    with time_machine.travel(datetime(2026, 11, 16, 9, tzinfo=PARIS), tick=False):
        routine = submit(declared_urgency="routine", alarm_signs=[], clinical_reason="Bilan").referral
    with time_machine.travel(datetime(2026, 11, 16, 11, tzinfo=PARIS), tick=False):
        urgent = submit(declared_urgency="very_urgent", alarm_signs=["haemoptysis", "weight_loss"]).referral
    routine.refresh_from_db()
    urgent.refresh_from_db()
    assert urgent.proposed_priority < routine.proposed_priority, (urgent.proposed_priority, routine.proposed_priority)
    client.force_login(coordinator)
    with time_machine.travel(datetime(2026, 11, 16, 12, tzinfo=PARIS), tick=False):
        page = client.get(reverse("coordination:worklist")).content.decode()
    assert page.index(urgent.reference) < page.index(routine.reference)
    shown = re.findall(r'data-testid="proposed-priority">(P\d)<', page)
    assert shown == [urgent.proposed_priority, routine.proposed_priority]


def test_the_decided_priority_wins_over_the_proposal(coordinator, submit):
    from jalon.referrals.selectors import worklist

    first, second = submit().referral, submit().referral
    Referral.objects.filter(pk=first.pk).update(proposed_priority="P1", priority="")
    Referral.objects.filter(pk=second.pk).update(proposed_priority="P1", priority="P3", status="accepted")
    assert list(worklist(coordinator, priority="P1")) == [first]
