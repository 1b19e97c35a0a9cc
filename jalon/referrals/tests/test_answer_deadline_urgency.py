"""The answer deadline follows the urgency the GP declared (data/answer_delays_v1.json, or the entry
point's own delays), falls within the entry point's opening hours, and is what the acknowledgment shows."""

from __future__ import annotations

import json
from datetime import datetime, time

import pytest
import time_machine
from django.urls import reverse

from jalon.core.vocabulary import Urgency
from jalon.core.workcalendar import PARIS
from jalon.messaging.models import OutboxMessage
from jalon.referrals.services import ANSWER_DELAYS_FILE, answer_deadline_for, answer_delay

MONDAY_10H = datetime(2026, 11, 16, 10, tzinfo=PARIS)


def test_it_ships_a_sourced_delay_shorter_for_each_higher_urgency():
    """Every shipped delay cites a seed or says it is a proposal to validate."""
    delays = json.loads(ANSWER_DELAYS_FILE.read_text(encoding="utf-8"))["delays"]
    assert set(delays) == {Urgency.URGENT, Urgency.VERY_URGENT}
    for row in delays.values():
        assert "seed" in row["source"] or "proposition Jalon, à valider" in row["source"]


@pytest.mark.parametrize(
    ("urgency", "expected"),
    [
        (Urgency.ROUTINE, datetime(2026, 11, 18, 10, tzinfo=PARIS)),  # 48 working hours
        (Urgency.URGENT, datetime(2026, 11, 17, 10, tzinfo=PARIS)),  # 24 working hours
        (Urgency.VERY_URGENT, datetime(2026, 11, 16, 14, tzinfo=PARIS)),  # 4 working hours: the same day
    ],
)
def test_it_answers_sooner_when_more_urgent(entry_point, urgency, expected):
    assert answer_deadline_for(entry_point, MONDAY_10H, urgency) == expected


def test_it_moves_a_deadline_at_night_to_the_next_opening(entry_point):
    """A very urgent referral received Monday 17:00 is due at 21:00, when the entry point is closed: Tuesday 8:00."""
    received = datetime(2026, 11, 16, 17, tzinfo=PARIS)
    assert answer_deadline_for(entry_point, received, Urgency.VERY_URGENT) == datetime(2026, 11, 17, 8, tzinfo=PARIS)
    entry_point.opens_at = time(9, 30)
    assert answer_deadline_for(entry_point, received, Urgency.VERY_URGENT) == datetime(
        2026, 11, 17, 9, 30, tzinfo=PARIS
    )


def test_it_uses_the_entry_points_own_delays_never_longer_than_routine(entry_point):
    entry_point.answer_delay_by_urgency = {"very_urgent": {"amount": 2, "unit": "working_hours"}}
    assert answer_delay(entry_point, Urgency.VERY_URGENT) == (2, "working_hours")
    assert answer_delay(entry_point, Urgency.URGENT) == (24, "working_hours")  # the shipped one
    entry_point.answer_delay_amount, entry_point.answer_delay_unit = 8, "working_hours"
    assert answer_delay(entry_point, Urgency.URGENT) == (8, "working_hours")  # the routine commitment is shorter


def test_it_shows_the_very_urgent_deadline_on_the_acknowledgment_and_in_the_message(client, submit, gp):
    """The GP who declared « très urgente » on Monday 10:00 reads Monday 14:00 on the page and in the message."""
    with time_machine.travel(MONDAY_10H, tick=False):
        referral = submit(declared_urgency=Urgency.VERY_URGENT).referral
        client.force_login(gp)
        page = client.get(reverse("referrals:acknowledgment", args=[referral.reference])).content.decode()
    assert referral.answer_deadline == datetime(2026, 11, 16, 14, tzinfo=PARIS)
    assert "lundi 16 novembre 2026 à 14 h 00" in page
    assert "réponse sous 4 heures ouvrées" in page
    message = OutboxMessage.objects.get(
        event__kind="referral.submitted", recipient_professional=gp.professional, channel="in_app"
    )
    assert "lundi 16 novembre 2026 à 14 h 00" in message.subject
