"""Audit trail (issue 12): the cost of one audit write, of sealing the hash chain, and of audit_verify.

    python bench/audit_bench.py --database sqlite   --rows 1000000
    python bench/audit_bench.py --database postgres --rows 1000000

1. `write`: `audit()` as a page read calls it (its own transaction), `--writes` times: what every
   request pays. The chain adds nothing here (sealing is after commit; the triggers fire on UPDATE
   and DELETE only).
2. `write_sealed_inline`: for comparison, the same write with its link appended in the same
   transaction (lock, read the head, hash, insert the link), the design not taken: its cost
   without contention (lock waits come on top under load).
3. `seal`: `audit_seal()` over `--rows` records written beforehand (per record), then the minute
   job's steady state: 100 new records on top of the sealed trail.
4. `verify`: `audit_chain_verify()` over the whole chain (per link).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import benchdb
from benchdb import BenchDatabase, machine_info


def _timed(function, repeat: int) -> dict:
    durations = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        durations.append((time.perf_counter() - start) * 1000)
    durations.sort()
    return {
        "n": repeat,
        "p50_ms": round(statistics.median(durations), 3),
        "p95_ms": round(durations[max(0, int(0.95 * repeat) - 1)], 3),
        "mean_ms": round(statistics.fmean(durations), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--writes", type=int, default=2000)
    benchdb.add_arguments(parser)
    args = parser.parse_args()

    database = BenchDatabase.from_args("audit", args)
    database.configure_django(database.prepare(args.database))
    from django.core.management import call_command
    from django.db import connection, transaction

    from jalon.accounts import chain
    from jalon.accounts.audit import audit
    from jalon.accounts.models import AuditAction, AuditRecord, AuditSeal
    from jalon.core.actor import Actor

    call_command("migrate", verbosity=0)
    results: dict = {"machine": machine_info(args.database), "rows": args.rows}
    actor = Actor(user=None, ip_address="192.0.2.1", path="/demandes/JAL-2026-000001/")
    load = os.getloadavg

    def write() -> None:
        audit(actor, action=AuditAction.READ, patient_id=None, object_type="referral", object_id="JAL-2026-000001")

    _timed(write, 200)  # warm-up
    results["load_before"] = load()
    results["write"] = _timed(write, args.writes)

    @transaction.atomic
    def write_sealed_inline() -> None:
        chain._lock_chain()
        head = AuditSeal.objects.order_by("-position").values("position", "hash").first()
        position, previous = (head["position"], head["hash"]) if head else (0, chain.GENESIS_HASH)
        record = AuditRecord.objects.create(
            actor_label="Jalon (système)",
            action=AuditAction.READ,
            object_type="referral",
            object_id="JAL-2026-000001",
            path=actor.path,
            ip_address=actor.ip_address,
        )
        values = AuditRecord.objects.filter(id=record.id).values(*chain.record_fields())[0]
        AuditSeal.objects.create(
            position=position + 1, record=record, hash=chain.link_hash(previous, chain.record_content(values))
        )

    chain.audit_seal()
    results["write_sealed_inline"] = _timed(write_sealed_inline, args.writes)
    chain.audit_seal()

    start = time.perf_counter()
    batch = 10_000
    for offset in range(0, args.rows, batch):
        AuditRecord.objects.bulk_create(
            AuditRecord(
                actor_label="Jalon (système)",
                action=AuditAction.READ,
                object_type="referral",
                object_id=f"JAL-2026-{number:06d}",
                path=f"/demandes/JAL-2026-{number:06d}/",
                ip_address="192.0.2.1",
            )
            for number in range(offset, min(offset + batch, args.rows))
        )
    results["generate_s"] = round(time.perf_counter() - start, 1)

    results["load_seal"] = load()
    start = time.perf_counter()
    sealed = chain.audit_seal()
    elapsed = time.perf_counter() - start
    results["seal"] = {
        "records": sealed,
        "seconds": round(elapsed, 1),
        "per_record_us": round(elapsed / sealed * 1e6, 1),
    }

    chain_before = AuditSeal.objects.count()
    for number in range(100):
        audit(actor, action=AuditAction.READ, patient_id=None, object_type="referral", object_id=str(number))
    start = time.perf_counter()
    chain.audit_seal()
    results["seal_100_on_top_ms"] = round((time.perf_counter() - start) * 1000, 1)
    assert AuditSeal.objects.count() == chain_before + 100

    results["load_verify"] = load()
    start = time.perf_counter()
    report = chain.audit_chain_verify()
    elapsed = time.perf_counter() - start
    assert report.broken is None, report
    results["verify"] = {
        "links": report.links,
        "seconds": round(elapsed, 1),
        "per_link_us": round(elapsed / report.links * 1e6, 1),
    }
    with connection.cursor() as cursor:
        if args.database == "postgres":
            cursor.execute(
                "SELECT pg_total_relation_size('accounts_auditseal'), pg_total_relation_size('accounts_auditrecord')"
            )
            seal_bytes, record_bytes = cursor.fetchone()
            results["bytes_per_record"] = {
                "seal": round(seal_bytes / report.links),
                "record": round(record_bytes / report.links),
            }
    results["load_after"] = load()
    print(json.dumps(results, indent=2, default=str))
    database.finish(args.database, keep=args.keep)


if __name__ == "__main__":
    main()
