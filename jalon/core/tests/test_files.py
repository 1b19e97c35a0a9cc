"""Stored files without a row: removed when their transaction rolls back, and swept every night."""

from __future__ import annotations

import os
from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import models, transaction
from django.utils import timezone

from jalon.core.files import SWEPT_FOLDERS, RollbackSafeStorage, file_references, files_sweep
from jalon.messaging.models import OutboxMessage
from jalon.referrals.models import ReferralDocument


def _stored(folder: str) -> list[str]:
    """Every file under `folder` in the default storage."""
    if not default_storage.exists(folder):
        return []
    folders, files = default_storage.listdir(folder)
    return [f"{folder}/{name}" for name in files] + [name for sub in folders for name in _stored(f"{folder}/{sub}")]


@pytest.fixture(autouse=True)
def empty_storage():
    """Each test starts with an empty storage (test media are shared by the session)."""
    for folder in SWEPT_FOLDERS:
        for name in _stored(folder):
            default_storage.delete(name)


def test_the_default_storage_removes_files_of_rolled_back_transactions():
    """Every FileField stores through the rollback-safe storage."""
    assert isinstance(default_storage, RollbackSafeStorage)


@pytest.mark.django_db
def test_a_service_that_fails_after_writing_its_document_leaves_no_file(submit, monkeypatch):
    """referral_submit stores the PDF then fails: the savepoint rolls back and the file is gone with it."""

    def fail(**kwargs):
        raise RuntimeError("SMTP en panne")

    monkeypatch.setattr("jalon.referrals.services.notify_referrer", fail)
    with pytest.raises(RuntimeError):
        submit()
    assert not ReferralDocument.objects.exists()
    assert _stored("referrals") == []


@pytest.mark.django_db
def test_a_service_that_succeeds_keeps_its_document(submit, django_capture_on_commit_callbacks):
    """The same submission committed keeps its file, and the row names it."""
    with django_capture_on_commit_callbacks(execute=True):
        submit()
    document = ReferralDocument.objects.get()
    assert _stored("referrals") == [document.file.name]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_file_saved_in_a_transaction_that_rolls_back_is_removed():
    """Outermost transaction: a rollback removes the file, a commit keeps it."""
    with pytest.raises(RuntimeError), transaction.atomic():
        lost = default_storage.save("referrals/2026/12/perdu.pdf", ContentFile(b"%PDF"))
        assert default_storage.exists(lost)
        raise RuntimeError("échec après l'écriture")
    assert not default_storage.exists(lost)
    with transaction.atomic():
        kept = default_storage.save("referrals/2026/12/garde.pdf", ContentFile(b"%PDF"))
    assert default_storage.exists(kept)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_only_the_rolled_back_savepoint_loses_its_file():
    """A file saved in an inner block that rolls back goes; the outer block's file stays after commit."""
    with transaction.atomic():
        outer = default_storage.save("letters/2026/12/exterieur.pdf", ContentFile(b"%PDF"))
        with pytest.raises(RuntimeError), transaction.atomic():
            inner = default_storage.save("letters/2026/12/interieur.pdf", ContentFile(b"%PDF"))
            raise RuntimeError("échec dans le bloc intérieur")
        assert not default_storage.exists(inner)
    assert default_storage.exists(outer)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_file_saved_outside_any_transaction_is_left_to_the_sweep():
    """No transaction, nothing to roll back: the file stays (the sweep removes it if no row names it)."""
    name = default_storage.save("mailin/2026/12/seul.eml", ContentFile(b"From: x"))
    assert default_storage.exists(name)


def _orphan(name: str, *, age: timedelta = timedelta(days=2)) -> str:
    """A file no row names, last modified `age` ago (the sweep reads the file system's date)."""
    name = default_storage.save(name, ContentFile(b"%PDF orphelin"))
    modified = (timezone.now() - age).timestamp()
    os.utime(default_storage.path(name), (modified, modified))
    return name


@pytest.mark.django_db
def test_the_sweep_removes_old_orphans_and_keeps_the_rest(submit, django_capture_on_commit_callbacks):
    """Older than the grace period and named by no row: removed; named by a row, or recent: kept."""
    with django_capture_on_commit_callbacks(execute=True):
        submit()
    document = ReferralDocument.objects.get()
    old_orphan = _orphan("teleexpertise/2026/12/vieux.pdf", age=timedelta(hours=25))
    recent_orphan = _orphan("mailin/2026/12/recent.eml", age=timedelta(hours=23))
    report = files_sweep(grace=timedelta(hours=24))
    assert [name for name, _size in report.removed] == [old_orphan]
    assert report.kept == 2
    assert sorted(_stored("referrals") + _stored("mailin") + _stored("teleexpertise")) == sorted(
        [document.file.name, recent_orphan]
    )


@pytest.mark.django_db
def test_a_file_named_only_by_an_outbox_message_is_kept():
    """A letter joined to a message waiting in the outbox is still needed."""
    name = _orphan("letters/2026/12/courrier.pdf")
    OutboxMessage.objects.create(
        idempotency_key="test-attachment",
        channel="mssante",
        recipient_address="dr@exemple.mssante.fr",
        subject="Courrier",
        body="Courrier joint.",
        attachment_path=name,
    )
    report = files_sweep(grace=timedelta(hours=24))
    assert name not in [removed for removed, _size in report.removed]
    assert default_storage.exists(name)


@pytest.mark.django_db
def test_the_sweep_is_idempotent():
    """A second sweep finds nothing more to remove."""
    _orphan("letters/2026/12/vieux.pdf")
    assert len(files_sweep(grace=timedelta(hours=24)).removed) == 1
    assert files_sweep(grace=timedelta(hours=24)).removed == []


@pytest.mark.django_db
def test_the_command_reports_and_dry_run_removes_nothing():
    """--dry-run lists the orphans in French and keeps them; without it they are removed."""
    name = _orphan("referrals/2026/12/vieux.pdf")
    out = StringIO()
    call_command("files_sweep", dry_run=True, stdout=out)
    assert f"orphelin à supprimer : {name} (13 octets)" in out.getvalue()
    assert "1 fichier(s) orphelin(s) trouvé(s), rien supprimé (--dry-run)" in out.getvalue()
    assert default_storage.exists(name)
    out = StringIO()
    call_command("files_sweep", stdout=out)
    assert f"orphelin supprimé : {name}" in out.getvalue()
    assert not default_storage.exists(name)


@pytest.mark.django_db
def test_the_command_refuses_a_grace_period_under_an_hour():
    """A grace period of 0 could remove the file of a transaction in progress: refused in French."""
    name = _orphan("referrals/2026/12/en-cours.pdf", age=timedelta(minutes=5))
    with pytest.raises(CommandError, match="au moins 1"):
        call_command("files_sweep", grace_hours=0, stdout=StringIO())
    assert default_storage.exists(name)


@pytest.mark.django_db
def test_the_worker_sweeps_every_night():
    """The Huey periodic job runs the sweep at 04:10 with the configured grace period."""
    from datetime import datetime

    from huey.api import PeriodicTask

    from jalon.core.tasks import sweep_orphan_files

    task = sweep_orphan_files.task_class()
    assert isinstance(task, PeriodicTask)
    assert task.validate_datetime(datetime(2026, 12, 1, 4, 10))
    assert not task.validate_datetime(datetime(2026, 12, 1, 4, 11))
    name = _orphan("letters/2026/12/vieux.pdf")
    sweep_orphan_files.call_local()
    assert not default_storage.exists(name)


def test_every_file_field_writes_into_a_swept_folder():
    """A new FileField whose folder the sweep does not know would keep its orphans forever."""
    for model, column in file_references():
        model_field = model._meta.get_field(column)
        if not isinstance(model_field, models.FileField):
            continue
        instance = model()
        path = model_field.generate_filename(instance, "x.pdf")
        assert path.split("/")[0] in SWEPT_FOLDERS, f"{model.__name__}.{column} writes to {path}"
