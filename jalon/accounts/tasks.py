"""Worker jobs of accounts: seal new audit records into the hash chain every minute; purge expired
idempotency keys nightly."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from jalon.accounts.chain import audit_seal
from jalon.accounts.idempotency import idempotency_keys_purge


@db_periodic_task(crontab(minute="*"))
@lock_task("accounts-audit-seal")
def seal_audit_trail() -> None:
    """Every minute; the lock only saves work, the chain's own lock keeps a second sealer harmless."""
    audit_seal()


@db_periodic_task(crontab(minute="23", hour="3"))
def purge_idempotency_keys() -> None:
    """Nightly; expired keys are already free, this only keeps the table small. Idempotent."""
    idempotency_keys_purge()
