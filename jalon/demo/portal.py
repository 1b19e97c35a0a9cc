"""Demo threads (`load_demo`): a few messages between the demo GP (`medecin`) and the coordination on
existing demo referrals, so that both sides open with unread messages.

Written through `thread_message_post`, each at a moment between the referral's last event and now.
"""

from __future__ import annotations

from datetime import datetime

import time_machine
from django.utils import timezone

from jalon.accounts.models import Role, User
from jalon.core.actor import Actor
from jalon.demo.datafiles import demo_data
from jalon.events.models import Event
from jalon.portal.access import portal_referrals_visible_to, thread_side_of
from jalon.portal.models import ThreadMessage, ThreadSide
from jalon.portal.services import thread_message_post
from jalon.referrals.models import Referral

DEMO_GP = "medecin"
DEMO_COORDINATORS = ("coordination", "coordination.hopital")


def _exchanges() -> list[tuple[str, list[tuple[str, str]]]]:
    """The exchanges of data/threads.json: (referral status, lines), a "city" line the GP's, a
    "coordination" line the coordinator's."""
    return [
        (row["status"], [(line["side"], line["body"]) for line in row["lines"]])
        for row in demo_data("threads")["exchanges"]
    ]


def _moments(referral: Referral, count: int, now: datetime) -> list[datetime]:
    """`count` moments spread between the referral's last event and now, in order."""
    last = (
        Event.objects.filter(referral_id=referral.pk)
        .order_by("-occurred_at")
        .values_list("occurred_at", flat=True)
        .first()
    )
    start = min(last or referral.received_at, now)
    span = now - start
    return [start + span * (index + 1) / (count + 2) for index in range(count)]


def create_demo_threads(*, now: datetime | None = None) -> int:
    """Write the demo exchanges on the demo GP's referrals; returns the number of messages written (0 when
    the demo users are missing, no referral fits, or threads already exist)."""
    now = now or timezone.now()
    gp = User.objects.filter(username=DEMO_GP, role=Role.REFERRER).first()
    coordinators = list(User.objects.filter(username__in=DEMO_COORDINATORS, role=Role.COORDINATOR))
    if gp is None or not coordinators or ThreadMessage.objects.exists():
        return 0
    candidates = list(portal_referrals_visible_to(gp).select_related("entry_point").order_by("received_at", "id"))
    used: set[int] = set()
    written = 0
    for status, lines in _exchanges():
        referral = next((r for r in candidates if r.status == status and r.pk not in used), None)
        if referral is None:
            continue
        coordinator = next((c for c in coordinators if thread_side_of(c, referral) == ThreadSide.COORDINATION), None)
        if coordinator is None:
            continue
        used.add(referral.pk)
        for moment, (side, body) in zip(_moments(referral, len(lines), now), lines, strict=True):
            author = gp if side == ThreadSide.CITY else coordinator
            with time_machine.travel(moment, tick=False):
                thread_message_post(actor=Actor(user=author), referral=referral, body=body)
            written += 1
    return written
