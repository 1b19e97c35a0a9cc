"""The demo threads: after `load_demo`, `create_demo_threads` leaves the demo GP and the CPTS
coordination each with unread messages, written through the service."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from jalon.accounts.models import User
from jalon.demo.portal import create_demo_threads
from jalon.events.models import Event
from jalon.portal.models import ThreadMessage
from jalon.portal.selectors import unread_counts_for_city, unread_threads_for_coordinator

pytestmark = pytest.mark.django_db


def test_it_adds_messages_unread_on_both_sides():
    """Messages on the GP's referrals, an event each; unread for the GP and for a coordination; once only."""
    call_command("load_demo", "--if-empty", "--only-territory-communes", stdout=StringIO())  # calls create_demo_threads

    assert ThreadMessage.objects.count() == Event.objects.filter(kind="thread.message_posted").count() >= 3
    gp = User.objects.get(username="medecin")
    referral_ids = list(ThreadMessage.objects.values_list("referral_id", flat=True).distinct())
    assert sum(unread_counts_for_city(gp, referral_ids).values()) >= 1
    coordinations = User.objects.filter(username__in=["coordination", "coordination.hopital"])
    assert sum(unread_threads_for_coordinator(user).total_unread for user in coordinations) >= 2
    assert create_demo_threads() == 0


def test_it_does_nothing_without_the_demo_users():
    """On a database without the demo, nothing is written."""
    assert create_demo_threads() == 0
