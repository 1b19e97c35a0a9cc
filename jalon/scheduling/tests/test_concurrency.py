"""No double booking under concurrent requests: eight contenders, released at the same moment by a barrier,
each try to book all five slots of a CT for their own pathway in one group (all or nothing), then each slot
on its own (refused as already_booked if their group got it). Whoever wins, each slot ends with exactly one
booked appointment and every group is booked whole or not at all.

Two races: OS processes (each with its own connection, as several app servers would have) and threads of
the test process, on PostgreSQL and on SQLite (on a file copy of the in-memory test database: see `arena`).
The data is committed (transactional test) so the contenders see it.
"""

from __future__ import annotations

import multiprocessing
import queue
import sqlite3
import threading
from collections import Counter
from datetime import date, timedelta
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from conftest import identity
from jalon.pathways.models import Milestone
from jalon.pathways.tests.factories import pathway_build, template_version_build
from jalon.patients.models import Sex
from jalon.scheduling.models import Appointment, AppointmentStatus
from jalon.scheduling.tests.factories import resource_build, slot_build
from jalon.scheduling.tests.race_worker import book_attempts, on_database, process_main
from jalon.testing.factories import letters_name, make_ins

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CONTENDERS = 8
SLOTS = 5
BARRIER_TIMEOUT = 90  # seconds: every contender is set up (a spawned process imports Django) by then
RACE_TIMEOUT = 180
KINDS = ("lung", "pancreas_biliary")  # two diagnostic days sharing one CT


@pytest.fixture
def race(hospital, submit, gp, coordinator):
    """Five free CT slots the day after tomorrow, and eight P2 pathways (one per patient, lung and pancreas
    alternately) whose five steps each book a CT. Returns (slots, pathways, plans), a plan being a pathway
    and its contender's attempts as (milestone id, slot id) lists: first all five slots together, then each
    slot alone. Step n always goes with slot n; the order differs between contenders (rotated, and reversed
    for every other one) so that they collide in every possible way."""
    for kind in KINDS:
        template_version_build([{"code": f"ct{n}", "resource_kind": "ct"} for n in range(1, SLOTS + 1)], kind=kind)
    ct = resource_build(hospital, kind="ct", name="Scanner partagé")
    base = (timezone.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    slots = [slot_build(ct, base + timedelta(minutes=30 * n)) for n in range(SLOTS)]
    pathways = [
        pathway_build(
            submit,
            user=coordinator,
            kind=KINDS[n % len(KINDS)],
            priority="P2",
            patient=identity(
                birth_name=letters_name("Patient", n),
                ins=make_ins(sex=Sex.FEMALE, birth_date=date(1956, 3, 12), seed=100 + n),
                gp_id=gp.professional_id,
            ),
        )
        for n in range(CONTENDERS)
    ]
    assert len({p.patient_id for p in pathways}) == CONTENDERS
    plans = []
    for number, pathway in enumerate(pathways):
        steps = list(pathway.milestones.order_by("order").values_list("pk", flat=True))
        pairs = list(zip(steps, [slot.pk for slot in slots], strict=True))
        order = pairs[number % SLOTS :] + pairs[: number % SLOTS]
        if number % 2:
            order.reverse()
        plans.append((pathway, [order, *[[pair] for pair in order]]))
    return slots, pathways, plans


def check_outcome(slots, pathways, reports: dict[int, list[dict]]) -> None:
    """The guarantee, whoever won: one booked appointment per slot, whole groups, steps planned accordingly."""
    assert len(reports) == CONTENDERS, f"missing reports: {sorted(set(range(CONTENDERS)) - set(reports))}"
    errors = []
    for worker, outcomes in reports.items():
        held = set()  # slots (so steps: step n goes with slot n) this contender already booked
        for o in outcomes:
            if o["outcome"] == "booked":
                held.update(o["slots"])
            elif not (o["outcome"] == "slot_taken" or (o["outcome"] == "already_booked" and set(o["slots"]) <= held)):
                errors.append((worker, o))
    assert not errors, (
        f"contenders failed otherwise than with slot_taken (or already_booked for their own steps): {errors}"
    )

    booked = Appointment.objects.filter(status=AppointmentStatus.BOOKED)
    per_slot = Counter(booked.values_list("slot_id", flat=True))
    assert per_slot == {slot.pk: 1 for slot in slots}
    assert Appointment.objects.count() == SLOTS  # nothing half-booked then cancelled either

    won = [o for outcomes in reports.values() for o in outcomes if o["outcome"] == "booked"]
    assert sum(len(o["slots"]) for o in won) == SLOTS
    sizes = {str(row["group"]): row["n"] for row in Appointment.objects.values("group").annotate(n=Count("id"))}
    assert sizes == {o["group"]: len(o["slots"]) for o in won}  # every group in the database is whole
    for o in won:
        assert sorted(Appointment.objects.filter(group=o["group"]).values_list("slot_id", flat=True)) == sorted(
            o["slots"]
        )

    for pathway in pathways:
        planned = set(Milestone.objects.filter(pathway=pathway, planned_at__isnull=False).values_list("pk", flat=True))
        assert planned == set(booked.filter(pathway=pathway).values_list("milestone_id", flat=True))
    for slot in slots:
        appointment = booked.select_related("milestone").get(slot=slot)
        assert appointment.milestone.planned_at == slot.start


@pytest.fixture
def arena(race, tmp_path):
    """Where the contenders race: (database file name or None, DATABASE_URL for a process).

    PostgreSQL: the test database itself (pytest-django's `test_<name>`, from the live connection settings).
    SQLite: pytest-django's test database is in memory, which other processes cannot open, and whose
    shared cache answers « database table is locked » at once instead of waiting; so the race runs on a
    file copy of it (the data just committed included), opened like the production database (WAL,
    IMMEDIATE transactions that serialise writers, busy timeout)."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        credentials = quote(db["USER"] or "", safe="") + (
            ":" + quote(db["PASSWORD"], safe="") if db["PASSWORD"] else ""
        )
        host = db["HOST"] or "localhost"
        port = f":{db['PORT']}" if db["PORT"] else ""
        return None, f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"
    assert connection.vendor == "sqlite", f"Jalon runs on PostgreSQL and SQLite only, not {connection.vendor}"
    if not connection.is_in_memory_db():
        return None, f"sqlite:///{db['NAME']}"
    copy = tmp_path / "race.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(copy)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    return str(copy), f"sqlite:///{copy}"


def test_processes_racing_for_the_same_slots_book_each_slot_exactly_once(race, arena):
    slots, pathways, plans = race
    database_name, database_url = arena
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(CONTENDERS)
    results = context.Queue()
    processes = [
        context.Process(
            target=process_main,
            kwargs={
                "database_url": database_url,
                "settings_module": settings.SETTINGS_MODULE,
                "results": results,
                "worker": number,
                "pathway_id": pathway.pk,
                "user_id": race_user_id(pathway),
                "attempts": attempts,
                "barrier": barrier,
                "timeout": BARRIER_TIMEOUT,
            },
            daemon=True,
        )
        for number, (pathway, attempts) in enumerate(plans)
    ]
    reports: dict[int, list[dict]] = {}
    try:
        for process in processes:
            process.start()
        for _ in processes:
            try:
                worker, outcomes = results.get(timeout=RACE_TIMEOUT)
            except queue.Empty:
                break
            reports[worker] = outcomes
        for process in processes:
            process.join(timeout=30)
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
                process.join(timeout=10)
    assert [process.exitcode for process in processes] == [0] * CONTENDERS
    with on_database(database_name):
        check_outcome(slots, pathways, reports)


def race_user_id(pathway) -> int:
    """The coordinator who started the pathway books for it."""
    return pathway.referral.events.get(kind="pathway.started").actor_id


def test_threads_racing_for_the_same_slots_book_each_slot_exactly_once(race, arena):
    slots, pathways, plans = race
    database_name, _url = arena
    barrier = threading.Barrier(CONTENDERS)
    reports: dict[int, list[dict]] = {}

    def contend(number: int, pathway, user_id: int, attempts) -> None:
        try:
            reports[number] = book_attempts(
                pathway_id=pathway.pk,
                user_id=user_id,
                attempts=attempts,
                barrier=barrier,
                timeout=BARRIER_TIMEOUT,
                database_name=database_name,
            )
        except BaseException as error:  # noqa: BLE001 - reported by check_outcome
            reports[number] = [{"slots": [], "outcome": "error", "detail": f"{type(error).__name__}: {error}"}]

    threads = [
        threading.Thread(target=contend, args=(number, pathway, race_user_id(pathway), attempts), daemon=True)
        for number, (pathway, attempts) in enumerate(plans)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=RACE_TIMEOUT)
    assert not [thread for thread in threads if thread.is_alive()], "a contender is still running"
    with on_database(database_name):
        check_outcome(slots, pathways, reports)
