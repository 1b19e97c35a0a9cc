"""thread_mark_read and the unread counts: the other side's messages after one's read mark are unread,
on the city side (per referral) and on the coordination side (per coordinator)."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.utils import timezone

from jalon.portal.models import ThreadReadMark
from jalon.portal.selectors import unread_counts_for_city, unread_threads_for_coordinator
from jalon.portal.services import thread_mark_read
from jalon.testing.factories import UserFactory


def test_it_counts_the_coordinations_messages_unread_for_referrer_and_gp(referral, gp, treating_gp, coordinator, post):
    """Two coordination messages: two unread for the referrer and for the GP, each with their own mark."""
    post(coordinator, referral, "Rendez-vous pris mardi")
    post(coordinator, referral, "Scanner confirmé")

    assert unread_counts_for_city(gp, [referral.pk]) == {referral.pk: 2}
    assert unread_counts_for_city(treating_gp, [referral.pk]) == {referral.pk: 2}

    thread_mark_read(user=gp, referral=referral)

    assert unread_counts_for_city(gp, [referral.pk]) == {}
    assert unread_counts_for_city(treating_gp, [referral.pk]) == {referral.pk: 2}


def test_it_does_not_count_ones_own_sides_messages(referral, gp, treating_gp, coordinator, post):
    """The GP's message is not unread for the referrer (same side), but is for the coordinator."""
    post(treating_gp, referral, "Le patient m'a appelé")

    assert unread_counts_for_city(gp, [referral.pk]) == {}
    threads = unread_threads_for_coordinator(coordinator)
    assert threads.total_unread == 1 and [thread.referral.pk for thread in threads.threads] == [referral.pk]


def test_it_counts_only_messages_after_the_mark(referral, gp, coordinator, post):
    """A city message after the coordinator read the thread is the only one unread."""
    now = timezone.now()
    with time_machine.travel(now - timedelta(hours=2)):
        post(gp, referral, "Première question")
    thread_mark_read(user=coordinator, referral=referral)
    with time_machine.travel(now + timedelta(minutes=5)):
        post(gp, referral, "Seconde question")

    threads = unread_threads_for_coordinator(coordinator)
    assert threads.total_unread == 1
    assert threads.threads[0].unread == 1


def test_it_reads_the_thread_for_the_coordinator_who_answers(referral, gp, coordinator, post):
    """Answering marks the GP's earlier messages read for the coordinator who answered, not for a colleague."""
    colleague = UserFactory(role=coordinator.role, professional__organizations=[referral.entry_point.organization])
    post(gp, referral, "Question")
    post(coordinator, referral, "Réponse")

    assert unread_threads_for_coordinator(coordinator).total_unread == 0
    assert unread_threads_for_coordinator(colleague).total_unread == 1


def test_it_marks_up_to_the_newest_message_and_never_back(referral, gp, coordinator, post):
    """The mark is the newest message's time; marking again after nothing new keeps it."""
    message = post(gp, referral, "Question")

    mark = thread_mark_read(user=coordinator, referral=referral)
    assert mark.last_read_at == message.created_at
    ThreadReadMark.objects.filter(pk=mark.pk).update(last_read_at=message.created_at + timedelta(hours=1))

    thread_mark_read(user=coordinator, referral=referral)

    assert ThreadReadMark.objects.get(pk=mark.pk).last_read_at == message.created_at + timedelta(hours=1)


def test_it_writes_no_mark_for_an_empty_thread_or_an_outsider(referral, gp, other_gp, post):
    """No message yet: nothing to mark. Someone outside the thread: never marked."""
    assert thread_mark_read(user=gp, referral=referral) is None
    post(gp, referral, "Question")

    assert thread_mark_read(user=other_gp, referral=referral) is None
    assert not ThreadReadMark.objects.filter(user=other_gp).exists()


def test_it_keeps_other_organisations_threads_from_a_coordinator(referral, gp, coordinator_elsewhere, post):
    """A coordinator of another organisation counts nothing of the CPTS's threads."""
    post(gp, referral, "Question")

    threads = unread_threads_for_coordinator(coordinator_elsewhere)
    assert threads.total_unread == 0 and threads.threads == []
