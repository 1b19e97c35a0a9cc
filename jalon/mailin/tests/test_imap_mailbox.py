"""The IMAP source, against a small stand-in for imaplib.IMAP4_SSL (no IMAP server runs in the tests)."""

from __future__ import annotations

import imaplib
import ssl

import pytest

from jalon.mailin.mailboxes import ImapMailbox
from jalon.mailin.models import InboundMail, ParseStatus
from jalon.mailin.services import mailbox_poll
from jalon.mailin.tests.conftest import eml

URL = "imaps://numero-unique%40cpts.exemple.mssante.fr:mot%20de%20passe@imap.exemple.mssante.fr:993/INBOX"


class FakeIMAP:
    """Answers like imaplib.IMAP4_SSL for the commands the source uses, over an in-memory mailbox."""

    instances: list[FakeIMAP] = []

    def __init__(
        self, host, port, *, ssl_context=None, timeout=None, mailbox=None, refuse_login=False, drop_on_fetch=None
    ):
        self.host, self.port, self.ssl_context, self.timeout = host, port, ssl_context, timeout
        self.mailbox = mailbox  # uid -> [raw bytes, set of flags]
        self.refuse_login = refuse_login
        self.drop_on_fetch = drop_on_fetch
        self.commands: list[tuple] = []
        self.logged_out = False
        FakeIMAP.instances.append(self)

    def login(self, user, password):
        self.commands.append(("LOGIN", user, password))
        if self.refuse_login:
            raise imaplib.IMAP4.error("[AUTHENTICATIONFAILED] Authentication failed.")
        return "OK", [b"LOGIN completed"]

    def select(self, folder):
        self.commands.append(("SELECT", folder))
        return "OK", [str(len(self.mailbox)).encode()]

    def uid(self, command, *args):
        self.commands.append((command, *args))
        if command == "SEARCH":
            unseen = [uid for uid, (_raw, flags) in sorted(self.mailbox.items()) if "\\Seen" not in flags]
            return "OK", [b" ".join(unseen)]
        if command == "FETCH":
            uid, items = args
            if uid == self.drop_on_fetch:
                raise imaplib.IMAP4.abort("socket error: EOF")
            if items != "(BODY.PEEK[])":
                raise AssertionError("the source must PEEK: a plain BODY[] would mark the mail seen before commit")
            if self.mailbox[uid][0] is None:  # expunged by another client between SEARCH and FETCH
                return "OK", [None]
            raw = self.mailbox[uid][0]
            return "OK", [(b"%s (UID %s BODY[] {%d}" % (uid, uid, len(raw)), raw), b")"]
        if command == "STORE":
            uid, operation, flags = args
            assert (operation, flags) == ("+FLAGS", "(\\Seen)")
            self.mailbox[uid.encode() if isinstance(uid, str) else uid][1].add("\\Seen")
            return "OK", [b"1 (FLAGS (\\Seen))"]
        raise AssertionError(f"unexpected IMAP command {command}")

    def close(self):
        self.commands.append(("CLOSE",))
        return "OK", [b""]

    def logout(self):
        self.logged_out = True
        return "BYE", [b""]


@pytest.fixture
def mailbox():
    FakeIMAP.instances = []
    return {
        b"101": [eml("thunderbird_scan_report.eml"), set()],
        b"102": [eml("forwarded_rfc822.eml"), {"\\Seen"}],  # read by someone on the webmail: not taken
        b"103": [eml("binary_garbage.eml"), set()],
    }


def imap_source(mailbox, **options):
    return ImapMailbox(
        URL, imap_factory=lambda host, port, **kwargs: FakeIMAP(host, port, mailbox=mailbox, **options, **kwargs)
    )


def test_it_reads_unseen_mails_over_tls_and_marks_them_seen_after_commit(
    mailbox, entry_point, django_capture_on_commit_callbacks
):
    """Logs in with the URL's credentials over TLS, stores the UNSEEN mails, flags them \\Seen only on commit."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = mailbox_poll(source=imap_source(mailbox), entry_point=entry_point)
        assert mailbox[b"101"][1] == set()  # not before the commit
    [connection] = FakeIMAP.instances
    for callback in callbacks:
        callback()

    assert (result.stored, result.unreadable, result.failed) == (1, 1, 0)
    assert (connection.host, connection.port) == ("imap.exemple.mssante.fr", 993)
    assert isinstance(connection.ssl_context, ssl.SSLContext)
    assert connection.ssl_context.verify_mode == ssl.CERT_REQUIRED and connection.ssl_context.check_hostname
    assert connection.commands[0] == ("LOGIN", "numero-unique@cpts.exemple.mssante.fr", "mot de passe")
    assert mailbox[b"101"][1] == mailbox[b"103"][1] == {"\\Seen"}
    assert connection.logged_out
    assert sorted(InboundMail.objects.values_list("parse_status", flat=True)) == [
        ParseStatus.PARSED,
        ParseStatus.UNREADABLE,
    ]


def test_it_takes_nothing_twice(mailbox, entry_point, django_capture_on_commit_callbacks):
    """A second poll finds no unseen mail; a mail unflagged again by hand is recognised by its hash."""
    with django_capture_on_commit_callbacks(execute=True):
        mailbox_poll(source=imap_source(mailbox), entry_point=entry_point)
    mailbox[b"101"][1].clear()
    with django_capture_on_commit_callbacks(execute=True):
        again = mailbox_poll(source=imap_source(mailbox), entry_point=entry_point)

    assert (again.stored, again.duplicates) == (0, 1)
    assert InboundMail.objects.count() == 2
    assert mailbox[b"101"][1] == {"\\Seen"}


def test_it_leaves_the_mailbox_untouched_when_login_fails(mailbox, entry_point, django_capture_on_commit_callbacks):
    """Refused credentials: an error in the result and the log, nothing stored, nothing flagged, no crash."""
    with django_capture_on_commit_callbacks(execute=True):
        result = mailbox_poll(source=imap_source(mailbox, refuse_login=True), entry_point=entry_point)

    assert result.errors and "AUTHENTICATIONFAILED" in result.errors[0]
    assert "mot de passe" not in result.errors[0]
    assert not InboundMail.objects.exists()
    assert mailbox[b"101"][1] == set()


def test_it_keeps_what_it_stored_when_the_connection_drops(mailbox, entry_point, django_capture_on_commit_callbacks):
    """The connection lost in the middle: mails stored before are kept and flagged, the rest waits unseen."""
    with django_capture_on_commit_callbacks(execute=True):
        result = mailbox_poll(source=imap_source(mailbox, drop_on_fetch=b"103"), entry_point=entry_point)

    assert result.stored == 1 and result.errors
    assert mailbox[b"101"][1] == {"\\Seen"}
    assert mailbox[b"103"][1] == set()
    assert InboundMail.objects.count() == 1


def test_it_reports_a_mail_the_server_does_not_return(mailbox, entry_point, django_capture_on_commit_callbacks):
    """A FETCH that returns no message (expunged meanwhile) is counted as failed and left alone; the others go on."""
    mailbox[b"100"] = [None, set()]
    with django_capture_on_commit_callbacks(execute=True):
        result = mailbox_poll(source=imap_source(mailbox), entry_point=entry_point)

    assert (result.stored, result.unreadable, result.failed) == (1, 1, 1)
    assert result.errors == ["100: FETCH returned no message (status OK)"]
    assert mailbox[b"100"][1] == set()
