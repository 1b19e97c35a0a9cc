"""The `poll_mailbox` command and the worker's periodic task: both read the configured mailbox."""

from __future__ import annotations

import shutil
from datetime import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from huey.api import PeriodicTask

from jalon.mailin.models import InboundMail
from jalon.mailin.tasks import poll_secure_mailbox
from jalon.mailin.tests.conftest import EML


@pytest.fixture
def inbox(tmp_path, settings, entry_point):
    folder = tmp_path / "mail-in"
    folder.mkdir()
    settings.MAIL_IN_URL = f"dir://{folder}"
    settings.MAIL_IN_ENTRY_POINT = entry_point.slug
    for name in ("thunderbird_scan_report.eml", "empty.eml"):
        shutil.copy(EML / name, folder / name)
    return folder


def test_it_polls_by_hand_and_says_what_it_did(inbox, django_capture_on_commit_callbacks):
    """The command stores the mails and prints the counts in French."""
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("poll_mailbox", stdout=out)

    assert "1 courriel(s) enregistré(s), 1 illisible(s) gardé(s), 0 déjà connu(s), 0 en échec." in out.getvalue()
    assert InboundMail.objects.count() == 2
    assert not list(inbox.glob("*.eml"))


def test_it_fails_clearly_without_entry_point(inbox, settings):
    """No MAIL_IN_ENTRY_POINT: the command stops with a French error and reads nothing."""
    settings.MAIL_IN_ENTRY_POINT = ""
    with pytest.raises(CommandError, match="MAIL_IN_ENTRY_POINT ne désigne aucun guichet"):
        call_command("poll_mailbox", stdout=StringIO())
    assert not InboundMail.objects.exists()


def test_it_runs_the_periodic_task_every_two_minutes(inbox, django_capture_on_commit_callbacks):
    """The worker's task is periodic (every 2 minutes) and calls the same poll."""
    task = poll_secure_mailbox.task_class()
    assert isinstance(task, PeriodicTask)
    assert task.validate_datetime(datetime(2026, 12, 1, 10, 4))
    assert not task.validate_datetime(datetime(2026, 12, 1, 10, 5))
    with django_capture_on_commit_callbacks(execute=True):
        poll_secure_mailbox.call_local()
    assert InboundMail.objects.count() == 2


def test_it_leaves_the_worker_standing_without_entry_point(inbox, settings):
    """The periodic task with no entry point configured returns quietly."""
    settings.MAIL_IN_ENTRY_POINT = "inconnu"
    poll_secure_mailbox.call_local()
    assert not InboundMail.objects.exists()


def test_it_refuses_a_plain_imap_url_in_french(inbox, settings):
    """imap:// (no TLS) stops the command with a French error, not a traceback."""
    settings.MAIL_IN_URL = "imap://u:p@imap.exemple.fr:143/INBOX"
    with pytest.raises(CommandError, match="Configuration de la messagerie refusée"):
        call_command("poll_mailbox", stdout=StringIO())
    assert not InboundMail.objects.exists()


def test_it_says_when_a_mail_could_not_be_read(inbox, monkeypatch, django_capture_on_commit_callbacks):
    """A file that cannot be read is reported on stderr and the command fails, the others stored."""
    real_read_bytes = type(inbox).read_bytes

    def read_bytes(path):
        if path.name == "empty.eml":
            raise PermissionError(13, "Permission denied")
        return real_read_bytes(path)

    monkeypatch.setattr(type(inbox), "read_bytes", read_bytes)
    err = StringIO()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(CommandError, match="restent dans la messagerie"),
    ):
        call_command("poll_mailbox", stdout=StringIO(), stderr=err)
    assert "empty.eml: Permission denied" in err.getvalue()
    assert InboundMail.objects.count() == 1
