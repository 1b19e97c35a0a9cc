"""One contender of the booking race in test_concurrency.py: a thread of the test process, or an OS process
of its own (like a second app server) with its own database connection.

Imports nothing from Django at module level: a spawned process imports this module before Django is set
up, then `process_main` sets it up on the test database it is given.
"""

from __future__ import annotations

import os
from contextlib import contextmanager


@contextmanager
def on_database(name: str | None):
    """Run the block, in this thread, on the database file `name` instead of the default one (None: the
    default one). Used on SQLite, whose test database is in memory: the race runs on a file copy of it."""
    from django.db import connections

    if name is None:
        yield
        return
    original = connections["default"]
    replacement = original.__class__({**original.settings_dict, "NAME": name}, "default")
    connections["default"] = replacement
    try:
        yield
    finally:
        replacement.close()
        connections["default"] = original


def book_attempts(
    *,
    pathway_id: int,
    user_id: int,
    attempts: list[list[tuple[int, int]]],
    barrier,
    timeout: float,
    database_name: str | None = None,
) -> list[dict]:
    """Wait at `barrier` with every other contender, then try each attempt in turn: one call of
    `appointments_book` per attempt, an attempt being a list of (milestone id, slot id) booked together.

    Returns one outcome per attempt: "booked" (with the group), a SchedulingError code, or "error" (with
    the exception: any other exception is a failure of the guarantee, e.g. a deadlock or a lock error).
    `database_name`: see `on_database`."""
    with on_database(database_name):
        return _book_attempts(
            pathway_id=pathway_id, user_id=user_id, attempts=attempts, barrier=barrier, timeout=timeout
        )


def _book_attempts(*, pathway_id, user_id, attempts, barrier, timeout) -> list[dict]:
    from django.db import connection

    from jalon.accounts.models import User
    from jalon.core.actor import Actor
    from jalon.pathways.models import Milestone, Pathway
    from jalon.scheduling.errors import SchedulingError
    from jalon.scheduling.models import Slot
    from jalon.scheduling.services import BookingRequest, appointments_book

    try:
        pathway = Pathway.objects.get(pk=pathway_id)
        actor = Actor(user=User.objects.get(pk=user_id), channel="web")
        milestones = Milestone.objects.in_bulk([m for attempt in attempts for m, _s in attempt])
        slots = Slot.objects.in_bulk([s for attempt in attempts for _m, s in attempt])
        prepared = [
            [BookingRequest(milestone=milestones[m], slot=slots[s]) for m, s in attempt] for attempt in attempts
        ]
        connection.close()  # nobody holds a connection (or an SQLite read snapshot) while waiting
        barrier.wait(timeout)
        outcomes = []
        for attempt, requests in zip(attempts, prepared, strict=True):
            slot_ids = [s for _m, s in attempt]
            try:
                appointments = appointments_book(actor=actor, pathway=pathway, requests=requests)
            except SchedulingError as error:
                outcomes.append({"slots": slot_ids, "outcome": str(error.code)})
            except Exception as error:  # noqa: BLE001 - reported to the test, which fails on it
                outcomes.append({"slots": slot_ids, "outcome": "error", "detail": f"{type(error).__name__}: {error}"})
            else:
                outcomes.append({"slots": slot_ids, "outcome": "booked", "group": str(appointments[0].group)})
        return outcomes
    finally:
        connection.close()


def process_main(*, database_url: str, settings_module: str, results, worker: int, **kwargs) -> None:
    """Entry point of a spawned process: set Django up on the test database, race, report on `results`."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    try:
        import django

        django.setup()
        outcomes = book_attempts(**kwargs)
    except BaseException as error:  # noqa: BLE001 - the test reports it
        outcomes = [{"slots": [], "outcome": "error", "detail": f"{type(error).__name__}: {error}"}]
    results.put((worker, outcomes))
