"""The audit trail's hash chain, `audit_verify`, and the database refusing to rewrite the trail and the events."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from jalon.accounts.audit import audit
from jalon.accounts.chain import GENESIS_HASH, audit_chain_verify, audit_seal, link_hash, record_content
from jalon.accounts.models import AuditAction, AuditRecord, AuditSeal
from jalon.core.actor import Actor
from jalon.core.append_only import install_sql, trigger_name, uninstall_sql
from jalon.events.services import event_record
from jalon.testing.factories import PatientFactory

pytestmark = pytest.mark.django_db

ONLY_POSTGRESQL = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite keeps DELETE allowed: Django empties its tables with DELETE after transactional tests",
)


@contextmanager
def triggers_dropped(*tables: str):
    """What someone able to drop the triggers could do (the test transaction restores them anyway)."""
    with connection.cursor() as cursor:
        for table in tables:
            for statement in uninstall_sql(connection.vendor, table):
                cursor.execute(statement)
    yield
    with connection.cursor() as cursor:
        for table in tables:
            for statement in install_sql(connection.vendor, table):
                cursor.execute(statement)


def _records(count: int) -> list[AuditRecord]:
    actor = Actor(user=None, ip_address="192.0.2.7", path="/dossiers/1/")
    for number in range(count):
        audit(actor, action=AuditAction.READ, patient_id=None, object_type="referral", object_id=number)
    return list(AuditRecord.objects.order_by("id"))


def test_it_seals_each_record_with_the_hash_of_the_previous_link():
    """Each link is sha256 of the previous link's hash and the record's canonical content."""
    first, second = _records(2)
    assert audit_seal() == 2
    seals = list(AuditSeal.objects.order_by("position"))
    assert [(seal.position, seal.record_id) for seal in seals] == [(1, first.id), (2, second.id)]
    first_values = AuditRecord.objects.filter(id=first.id).values(
        *[f.attname for f in AuditRecord._meta.concrete_fields]
    )[0]
    assert seals[0].hash == link_hash(GENESIS_HASH, record_content(first_values))
    assert seals[1].hash != seals[0].hash


def test_sealing_again_seals_only_new_records():
    """Sealing is idempotent: a second run seals nothing, a new record gets the next position."""
    _records(2)
    audit_seal()
    assert audit_seal() == 0
    _records(1)
    assert audit_seal() == 1
    assert list(AuditSeal.objects.values_list("position", flat=True)) == [1, 2, 3]


def test_the_sealer_works_in_batches():
    """Small batches give the same chain as one big batch."""
    _records(5)
    assert audit_seal(batch_size=2) == 5
    assert audit_chain_verify(batch_size=2).broken is None


def test_audit_verify_reports_an_intact_chain(capsys):
    """An untouched trail: « chaîne intacte (N traces) » and the head's hash."""
    _records(3)
    audit_seal()
    call_command("audit_verify", batch_size=2)
    out = capsys.readouterr().out
    assert "chaîne intacte (3 traces)" in out
    assert AuditSeal.objects.get(position=3).hash in out


def test_audit_verify_counts_records_not_sealed_yet(capsys):
    """Records written since the last sealing are reported, not taken for a break."""
    _records(2)
    audit_seal()
    _records(1)
    call_command("audit_verify")
    out = capsys.readouterr().out
    assert "1 trace(s) pas encore scellée(s)" in out
    assert "chaîne intacte (2 traces)" in out


def test_a_record_changed_by_raw_sql_is_detected():
    """Someone who drops the trigger and rewrites a record breaks the chain at that record."""
    records = _records(3)
    audit_seal()
    with triggers_dropped("accounts_auditrecord"), connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_auditrecord SET object_type = 'rien' WHERE id = %s", [records[1].id])
    report = audit_chain_verify(batch_size=2)
    assert report.broken is not None
    assert (report.broken.position, report.broken.record_id, report.broken.reason) == (
        2,
        records[1].id,
        "hash_mismatch",
    )
    assert report.links == 1
    with pytest.raises(CommandError, match=rf"maillon n° 2 : trace n° {records[1].id} du \d\d/\d\d/\d{{4}}") as caught:
        call_command("audit_verify")
    assert caught.value.returncode == 1


def test_a_changed_link_hash_is_detected():
    """Rewriting a link's hash (to hide a change) breaks the chain there."""
    _records(2)
    audit_seal()
    with triggers_dropped("accounts_auditseal"), connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_auditseal SET hash = %s WHERE position = 1", ["f" * 64])
    report = audit_chain_verify()
    assert (report.broken.position, report.broken.reason) == (1, "hash_mismatch")


def test_a_deleted_link_and_record_are_detected():
    """A record deleted with its link leaves a gap in the positions."""
    records = _records(3)
    audit_seal()
    with triggers_dropped("accounts_auditseal", "accounts_auditrecord"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_auditseal WHERE position = 2")
        cursor.execute("DELETE FROM accounts_auditrecord WHERE id = %s", [records[1].id])
    report = audit_chain_verify()
    assert (report.broken.position, report.broken.record_id, report.broken.reason) == (2, records[2].id, "missing_link")


def test_a_record_with_an_added_detail_still_verifies():
    """The admin's detail is part of the hash; empty details leave older hashes unchanged."""
    audit(
        Actor.system(),
        action=AuditAction.UPDATE,
        patient_id=None,
        object_type="user",
        object_id=1,
        detail={"role": ["a", "b"]},
    )
    _records(1)
    audit_seal()
    assert audit_chain_verify().broken is None


def test_the_database_refuses_to_update_an_audit_record():
    """Raw SQL cannot rewrite a record (a trigger on both databases)."""
    (record,) = _records(1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_auditrecord SET object_type = 'rien' WHERE id = %s", [record.id])
    assert AuditRecord.objects.get(id=record.id).object_type == "referral"


def test_the_database_refuses_to_update_a_seal():
    """Raw SQL cannot rewrite a link of the chain."""
    _records(1)
    audit_seal()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_auditseal SET hash = 'x'")


def test_the_database_refuses_to_update_an_event():
    """Raw SQL cannot rewrite the event log."""
    event = event_record(actor=Actor.system(), kind="referral.submitted", patient_id=PatientFactory().id)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE events_event SET kind = 'rien' WHERE id = %s", [event.id])


@ONLY_POSTGRESQL
@pytest.mark.parametrize("table", ["accounts_auditrecord", "accounts_auditseal", "events_event"])
def test_postgresql_refuses_to_delete_from_the_append_only_tables(table):
    """DELETE is refused by the database on PostgreSQL, row by row."""
    _records(1)
    audit_seal()
    event_record(actor=Actor.system(), kind="referral.submitted", patient_id=PatientFactory().id)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")


@ONLY_POSTGRESQL
def test_postgresql_refuses_to_update_with_insufficient_privilege():
    """The error is PostgreSQL's « insufficient privilege », not a generic failure."""
    (record,) = _records(1)
    with pytest.raises(DatabaseError) as caught, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_auditrecord SET path = '' WHERE id = %s", [record.id])
    assert caught.value.__cause__.sqlstate == "42501"


@pytest.mark.parametrize("table", ["accounts_auditrecord", "accounts_auditseal", "events_event"])
def test_the_triggers_are_installed(table):
    """A later migration that rebuilds one of these tables (SQLite drops its triggers then) must reinstall them."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT 1 FROM pg_trigger WHERE tgname = %s", [trigger_name(table)])
        else:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = %s", [trigger_name(table)])
        assert cursor.fetchone() == (1,)


def test_the_orm_refuses_to_change_or_delete_a_seal():
    """The model and its queryset refuse too, before the database is asked."""
    _records(1)
    audit_seal()
    seal = AuditSeal.objects.get()
    with pytest.raises(PermissionError):
        seal.save()
    with pytest.raises(PermissionError):
        seal.delete()
    with pytest.raises(PermissionError):
        AuditSeal.objects.all().delete()


def test_the_worker_seals_every_minute():
    """The Huey periodic job seals what was written."""
    from datetime import datetime

    from huey.api import PeriodicTask

    from jalon.accounts.tasks import seal_audit_trail

    task = seal_audit_trail.task_class()
    assert isinstance(task, PeriodicTask)
    assert task.validate_datetime(datetime(2026, 12, 1, 10, 7))
    _records(2)
    seal_audit_trail.call_local()
    assert AuditSeal.objects.count() == 2


def test_audit_seal_command_reports_what_it_sealed(capsys):
    """`manage.py audit_seal --full` seals what the minute job has not yet."""
    _records(2)
    call_command("audit_seal", full=True)
    assert "2 trace(s) scellée(s)." in capsys.readouterr().out


def _record_with_id(record_id: int) -> AuditRecord:
    """A record with a chosen id, as if its transaction had started before or after others."""
    AuditRecord.objects.bulk_create(
        [AuditRecord(id=record_id, actor_label="Jalon (système)", action=AuditAction.READ, object_type="referral")]
    )
    return AuditRecord.objects.get(id=record_id)


def test_a_record_committed_late_is_sealed_after_newer_ones():
    """A record whose transaction committed after a newer record was sealed gets the next link."""
    (first,) = _records(1)
    _record_with_id(first.id + 10)
    audit_seal()
    late = _record_with_id(first.id + 5)
    assert audit_seal() == 1
    assert AuditSeal.objects.get(record=late).position == 3
    assert audit_chain_verify().broken is None


def test_a_record_far_behind_is_sealed_by_the_full_run():
    """Beyond the look-back window only `audit_seal --full` finds it; audit_verify counts it meanwhile."""
    from jalon.accounts.chain import LOOKBACK_IDS

    (first,) = _records(1)
    _record_with_id(first.id + LOOKBACK_IDS + 10)
    audit_seal()
    far = _record_with_id(first.id + 5)
    assert audit_seal() == 0
    assert audit_chain_verify().unsealed == 1
    call_command("audit_seal", full=True)
    assert AuditSeal.objects.get(record=far).position == 3
    assert audit_chain_verify().unsealed == 0
