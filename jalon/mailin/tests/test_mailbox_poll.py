"""Polling the mailbox folder: each mail stored once, moved only after commit, unreadable ones kept."""

from __future__ import annotations

import logging
import shutil

import pytest
from django.core.exceptions import ImproperlyConfigured

from jalon.mailin import services
from jalon.mailin.mailboxes import DirectoryMailbox, ImapMailbox, mailbox_from_url
from jalon.mailin.models import InboundAttachment, InboundMail, ParseStatus
from jalon.mailin.services import inbound_mail_store, mailbox_poll
from jalon.mailin.tests.conftest import EML, eml


@pytest.fixture
def inbox(tmp_path, settings, entry_point):
    """The embedded default: a folder of .eml files read for the CPTS entry point."""
    folder = tmp_path / "mail-in"
    folder.mkdir()
    settings.MAIL_IN_URL = f"dir://{folder}"
    settings.MAIL_IN_ENTRY_POINT = entry_point.slug
    return folder


def drop(folder, *names):
    for name in names:
        shutil.copy(EML / name, folder / name)


def test_it_stores_each_mail_and_moves_it_after_commit(inbox, django_capture_on_commit_callbacks):
    """Every .eml becomes a mail of the entry point; the files move into traites/ once committed."""
    drop(inbox, "thunderbird_scan_report.eml", "apple_mail_inline_image.eml", "truncated_boundary.eml")
    (inbox / "notes.txt").write_text("pas un courriel")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = mailbox_poll()
        assert len(list(inbox.glob("*.eml"))) == 3  # nothing moves before the commit
    for callback in callbacks:
        callback()

    assert (result.stored, result.unreadable, result.duplicates, result.failed) == (2, 1, 0, 0)
    assert InboundMail.objects.count() == 3
    assert sorted(path.name for path in (inbox / "traites").iterdir()) == [
        "apple_mail_inline_image.eml",
        "thunderbird_scan_report.eml",
        "truncated_boundary.eml",
    ]
    assert [path.name for path in inbox.iterdir() if path.is_file()] == ["notes.txt"]


def test_it_is_idempotent_when_run_again(inbox, django_capture_on_commit_callbacks):
    """A second run finds nothing new; the same mail dropped again is recognised by its hash."""
    drop(inbox, "thunderbird_scan_report.eml")
    with django_capture_on_commit_callbacks(execute=True):
        mailbox_poll()
    with django_capture_on_commit_callbacks(execute=True):
        assert mailbox_poll().stored == 0

    drop(inbox, "thunderbird_scan_report.eml")  # sent twice by the GP
    with django_capture_on_commit_callbacks(execute=True):
        again = mailbox_poll()

    assert (again.stored, again.duplicates) == (0, 1)
    assert (InboundMail.objects.count(), InboundAttachment.objects.count()) == (1, 1)
    assert sorted(path.name for path in (inbox / "traites").iterdir()) == [
        "thunderbird_scan_report-2.eml",
        "thunderbird_scan_report.eml",
    ]


def test_it_changes_nothing_when_two_workers_read_the_same_files(
    inbox, entry_point, django_capture_on_commit_callbacks
):
    """Two sources on one folder (two workers): each mail stored once, the late mover finds the file gone."""
    drop(inbox, "thunderbird_scan_report.eml", "iso8859_q_headers.eml")
    first, second = DirectoryMailbox(inbox), DirectoryMailbox(inbox)
    second.open()
    fetched_by_second = list(second.fetch())  # read before the first worker moves them

    with django_capture_on_commit_callbacks(execute=True):
        assert mailbox_poll(source=first).stored == 2
    with django_capture_on_commit_callbacks(execute=True):
        for fetched in fetched_by_second:
            services._poll_one(second, fetched, entry_point, services.PollResult())

    assert InboundMail.objects.count() == 2
    assert len(list((inbox / "traites").iterdir())) == 2


def test_it_keeps_a_mail_stored_by_another_worker_meanwhile(entry_point, monkeypatch, settings, tmp_path):
    """Losing the race on the hash (the other worker commits first) returns its row and leaves no orphan file."""
    settings.MEDIA_ROOT = tmp_path / "media"
    real_parse = services.parse_mail
    competitor = {}

    def parse_while_another_worker_stores(data):
        monkeypatch.setattr(services, "parse_mail", real_parse)
        competitor["mail"] = inbound_mail_store(raw=data, entry_point=entry_point).mail
        return real_parse(data)

    monkeypatch.setattr(services, "parse_mail", parse_while_another_worker_stores)
    result = inbound_mail_store(raw=eml("thunderbird_scan_report.eml"), entry_point=entry_point)

    assert not result.created
    assert result.mail.pk == competitor["mail"].pk
    assert (InboundMail.objects.count(), InboundAttachment.objects.count()) == (1, 1)
    on_disk = sorted(
        path.relative_to(settings.MEDIA_ROOT).as_posix() for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()
    )
    assert on_disk == sorted([competitor["mail"].raw.name, competitor["mail"].attachments.get().file.name])


def test_it_keeps_and_shows_unreadable_files(inbox, django_capture_on_commit_callbacks):
    """Garbage and an empty file are stored as unreadable mails (raw kept) and leave the folder like the others."""
    drop(inbox, "binary_garbage.eml", "empty.eml")
    with django_capture_on_commit_callbacks(execute=True):
        result = mailbox_poll()

    assert (result.stored, result.unreadable) == (0, 2)
    assert set(InboundMail.objects.values_list("parse_status", flat=True)) == {ParseStatus.UNREADABLE}
    assert not list(inbox.glob("*.eml"))


def test_it_leaves_a_file_whose_read_fails_and_reports_it(
    inbox, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    """A read error (disk, permissions) leaves the file where it is, counted as failed, logged."""
    drop(inbox, "thunderbird_scan_report.eml", "iso8859_q_headers.eml")
    real_read_bytes = type(inbox).read_bytes

    def read_bytes(path):
        if path.name == "iso8859_q_headers.eml":
            raise PermissionError(13, "Permission denied")
        return real_read_bytes(path)

    monkeypatch.setattr(type(inbox), "read_bytes", read_bytes)
    with django_capture_on_commit_callbacks(execute=True), caplog.at_level(logging.ERROR):
        result = mailbox_poll()

    assert (result.stored, result.failed) == (1, 1)
    assert result.errors == ["iso8859_q_headers.eml: Permission denied"]
    assert (inbox / "iso8859_q_headers.eml").exists()
    assert not (inbox / "traites" / "iso8859_q_headers.eml").exists()
    assert "iso8859_q_headers.eml cannot be read (Permission denied); it stays in the mailbox" in caplog.text


def test_it_leaves_the_file_when_storing_fails(inbox, monkeypatch, django_capture_on_commit_callbacks):
    """If storing raises, the transaction rolls back and the file stays for the next poll."""
    drop(inbox, "thunderbird_scan_report.eml")

    def broken(**kwargs):
        raise RuntimeError("disque plein")

    monkeypatch.setattr(services, "inbound_mail_store", broken)
    with django_capture_on_commit_callbacks(execute=True):
        result = mailbox_poll()

    assert result.failed == 1
    assert (inbox / "thunderbird_scan_report.eml").exists()
    assert not InboundMail.objects.exists()


def test_it_creates_the_default_folder(tmp_path, settings, entry_point, django_capture_on_commit_callbacks):
    """The embedded default folder need not exist: the first poll creates it."""
    folder = tmp_path / "var" / "mail-in"
    settings.MAIL_IN_URL = f"dir://{folder}"
    settings.MAIL_IN_ENTRY_POINT = entry_point.slug
    with django_capture_on_commit_callbacks(execute=True):
        result = mailbox_poll()

    assert result.configured and folder.is_dir()


@pytest.mark.parametrize("slug", ["", "guichet-inconnu"])
def test_it_does_nothing_without_a_known_entry_point(slug, inbox, settings, caplog):
    """An empty or unknown MAIL_IN_ENTRY_POINT: a clear log line, nothing read, no crash."""
    settings.MAIL_IN_ENTRY_POINT = slug
    drop(inbox, "thunderbird_scan_report.eml")
    with caplog.at_level(logging.INFO):
        result = mailbox_poll()

    assert not result.configured
    assert not InboundMail.objects.exists()
    assert (inbox / "thunderbird_scan_report.eml").exists()
    assert "MAIL_IN_ENTRY_POINT" in caplog.text and "not read" in caplog.text


def test_it_chooses_the_source_from_the_url(tmp_path):
    """dir:// is a folder, imaps:// an IMAP mailbox over TLS with its credentials and folder."""
    assert mailbox_from_url(f"dir://{tmp_path}/boite").path == tmp_path / "boite"
    imap = mailbox_from_url("imaps://numero-unique%40cpts.fr:s%C3%A9cret@imap.mssante.fr:993/Demandes%20re%C3%A7ues")
    assert isinstance(imap, ImapMailbox)
    assert (imap.host, imap.port, imap.username, imap.password, imap.folder) == (
        "imap.mssante.fr",
        993,
        "numero-unique@cpts.fr",
        "sécret",
        "Demandes reçues",
    )
    assert "sécret" not in repr(imap)
    assert mailbox_from_url("imaps://u:p@imap.exemple.fr").folder == "INBOX"


@pytest.mark.parametrize(
    "url",
    [
        "imap://u:p@imap.exemple.fr:143/INBOX",
        "pop3://u:p@pop.exemple.fr",
        "dir://",
        "imaps://imap.exemple.fr/INBOX",
        "imaps://u:p@h:notaport/",
    ],
)
def test_it_refuses_a_url_that_is_not_tls_or_incomplete(url):
    """Plain IMAP (no TLS), unknown schemes, and URLs without folder, user or valid port are refused."""
    with pytest.raises(ImproperlyConfigured):
        mailbox_from_url(url)
