"""Periodic jobs shared by every domain (thin wrappers around services)."""

from datetime import timedelta

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task, post_execute, pre_execute

from jalon.core.files import files_sweep
from jalon.core.request_id import current_request_id


@pre_execute()
def _log_with_task_id(task) -> None:
    """In the worker, a task's log lines carry its id where a request's carry the request id."""
    task.request_id_token = current_request_id.set(f"task-{task.id}")


@post_execute()
def _log_without_task_id(task, task_value, exc) -> None:  # noqa: ARG001
    # Back to what it was: "-" in the worker, the request's id when a task ran inline (HUEY_IMMEDIATE).
    token = getattr(task, "request_id_token", None)
    if token is not None:
        current_request_id.reset(token)


@db_periodic_task(crontab(hour="4", minute="10"))
@lock_task("core-files-sweep")
def sweep_orphan_files() -> None:
    """Every night; idempotent, and the grace period keeps it off files of transactions in progress."""
    files_sweep(grace=timedelta(hours=settings.FILES_SWEEP_GRACE_HOURS))
