"""Worker job of the audit trail: seal new records into the hash chain every minute."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from jalon.accounts.chain import audit_seal


@db_periodic_task(crontab(minute="*"))
@lock_task("accounts-audit-seal")
def seal_audit_trail() -> None:
    """Every minute; the lock only saves work, the chain's own lock keeps a second sealer harmless."""
    audit_seal()
