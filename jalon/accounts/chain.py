"""The audit trail's hash chain: every record sealed by a link that hashes it with the previous link.

Writing an audit record stays one INSERT in the caller's transaction. Sealing happens after commit
(`audit_seal`, every minute from Huey, and from `manage.py audit_seal`): under one lock (a PostgreSQL
advisory lock; SQLite's IMMEDIATE transactions already serialise writers), it takes the committed
records not sealed yet, in id order, and appends one `AuditSeal` per record with the next position
and sha256(previous link's hash, the record's canonical content). Sealing inside each writer's
transaction would hold the chain's lock until that transaction commits: every page that audits would
wait behind the slowest auditing transaction, and a transaction that audits then updates a row
could deadlock with one that updates the row then audits.

`audit_chain_verify` walks the links in position order, in batches, and returns the first broken one:
a record changed or gone, a link changed or missing. A database superuser could rebuild the whole
chain after tampering; the head's hash is logged at each sealing and printed by `audit_verify`, so
a copy kept elsewhere (the log collector) pins it.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Max

from jalon.accounts.models import AuditRecord, AuditSeal

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
# Any constant: the key of the PostgreSQL advisory lock that serialises sealers across servers.
CHAIN_LOCK_KEY = 0x4A414C4F4E
# A record can commit after records with greater ids (its transaction started earlier): the sealer
# looks this many ids back from the newest sealed record. `audit_seal(full=True)` looks at all.
LOOKBACK_IDS = 10_000


def record_fields() -> list[str]:
    """The columns a record's hash covers: all of them (attnames, e.g. actor_id)."""
    return [field.attname for field in AuditRecord._meta.concrete_fields]


def _canonical_value(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    return value


def record_content(values: dict) -> bytes:
    """The canonical bytes of a record: sorted JSON of its non-empty columns.

    Empty values (None, "", {}) are left out so that adding a column with an empty default keeps
    the links of older records valid; any change of a value still changes the bytes.
    """
    content = {name: _canonical_value(value) for name, value in values.items() if value not in (None, "", {}, [])}
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def link_hash(previous_hash: str, content: bytes) -> str:
    return hashlib.sha256(previous_hash.encode() + b"\n" + content).hexdigest()


def _lock_chain() -> None:
    """Serialise sealers until the end of the transaction (SQLite: the IMMEDIATE transaction does)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])


@transaction.atomic
def _seal_batch(*, batch_size: int, stragglers: bool, full: bool) -> int:
    """Seal one batch: records above the newest sealed one, or (`stragglers`) unsealed ones below it."""
    _lock_chain()
    head = AuditSeal.objects.order_by("-position").values("position", "hash").first()
    position, previous_hash = (head["position"], head["hash"]) if head else (0, GENESIS_HASH)
    newest = AuditSeal.objects.aggregate(newest=Max("record_id"))["newest"]
    if stragglers:
        if newest is None:
            return 0
        candidates = AuditRecord.objects.filter(seal__isnull=True, id__lt=newest)
        if not full:
            candidates = candidates.filter(id__gt=newest - LOOKBACK_IDS)
    else:
        candidates = AuditRecord.objects.filter(id__gt=newest) if newest is not None else AuditRecord.objects.all()
    rows = list(candidates.order_by("id").values(*record_fields())[:batch_size])
    seals = []
    for values in rows:
        position += 1
        previous_hash = link_hash(previous_hash, record_content(values))
        seals.append(AuditSeal(position=position, record_id=values["id"], hash=previous_hash))
    AuditSeal.objects.bulk_create(seals)
    return len(seals)


def audit_seal(*, batch_size: int = 2000, full: bool = False) -> int:
    """Seal every committed record not sealed yet; return how many were sealed. Idempotent.

    First the stragglers (committed after a record with a greater id was sealed: looked for
    `LOOKBACK_IDS` back, or everywhere with `full`), then the new records, each an index range scan.
    """
    total = 0
    for stragglers in (True, False):
        while sealed := _seal_batch(batch_size=batch_size, stragglers=stragglers, full=full):
            total += sealed
    if total:
        head = AuditSeal.objects.order_by("-position").values("position", "hash").first()
        logger.info("audit chain: %d records sealed, head %s %s", total, head["position"], head["hash"])
    return total


@dataclass(frozen=True)
class BrokenLink:
    position: int
    record_id: int | None
    at: datetime.datetime | None
    reason: str


@dataclass(frozen=True)
class ChainReport:
    links: int
    unsealed: int
    head_hash: str
    broken: BrokenLink | None


def audit_chain_verify(*, batch_size: int = 5000) -> ChainReport:
    """Walk the chain in position order (batches of `batch_size`); stop at the first broken link."""
    fields = record_fields()
    columns = ["position", "hash", "record_id", *(f"record__{name}" for name in fields)]
    expected_position, previous_hash, links = 1, GENESIS_HASH, 0
    while True:
        batch = list(
            AuditSeal.objects.filter(position__gte=expected_position).order_by("position").values(*columns)[:batch_size]
        )
        if not batch:
            break
        for row in batch:
            values = {name: row[f"record__{name}"] for name in fields}
            if row["position"] != expected_position:  # a link (or its record, joined) is gone
                broken = BrokenLink(expected_position, values["id"], values["at"], "missing_link")
                return ChainReport(links, _unsealed(), previous_hash, broken)
            if link_hash(previous_hash, record_content(values)) != row["hash"]:
                broken = BrokenLink(row["position"], values["id"], values["at"], "hash_mismatch")
                return ChainReport(links, _unsealed(), previous_hash, broken)
            previous_hash = row["hash"]
            expected_position += 1
            links += 1
    return ChainReport(links, _unsealed(), previous_hash, None)


def _unsealed() -> int:
    return AuditRecord.objects.filter(seal__isnull=True).count()
