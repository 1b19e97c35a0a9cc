"""Where mails come from: a folder of .eml files (embedded default) or an IMAP mailbox over TLS.

A source opens, yields the mails not yet processed, is told after commit which ones Jalon now
holds (`mark_processed`), and closes. It never deletes a mail: the folder keeps them in `traites/`,
the IMAP mailbox marks them \\Seen. Chosen by MAIL_IN_URL (`mailbox_from_url`).
"""

from __future__ import annotations

import imaplib
import logging
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

PROCESSED_FOLDER = "traites"
IMAP_TIMEOUT_SECONDS = 30


class MailboxUnavailable(Exception):
    """The mailbox cannot be reached now (network, login, folder): the next poll tries again."""


@dataclass(frozen=True)
class FetchedMail:
    key: str  # the file name, or the IMAP UID
    raw: bytes | None  # None: the mail could not even be read (`error` says why); it stays where it is
    error: str = ""


class MailboxSource(Protocol):
    def open(self) -> None: ...

    def fetch(self) -> Iterator[FetchedMail]: ...

    def mark_processed(self, key: str) -> None: ...

    def close(self) -> None: ...


class DirectoryMailbox:
    """A folder of .eml files; each processed file moves into `traites/` (never deleted)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.processed = self.path / PROCESSED_FOLDER

    def __repr__(self) -> str:
        return f"DirectoryMailbox({str(self.path)!r})"

    def open(self) -> None:
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise MailboxUnavailable(f"mail-in folder {self.path} cannot be created: {exc.strerror}") from exc

    def fetch(self) -> Iterator[FetchedMail]:
        try:
            names = sorted(
                entry.name for entry in self.path.iterdir() if entry.suffix.lower() == ".eml" and entry.is_file()
            )
        except OSError as exc:
            raise MailboxUnavailable(f"mail-in folder {self.path} cannot be listed: {exc.strerror}") from exc
        for name in names:
            try:
                raw = (self.path / name).read_bytes()
            except FileNotFoundError:
                continue  # another worker took it meanwhile
            except OSError as exc:
                yield FetchedMail(key=name, raw=None, error=exc.strerror or type(exc).__name__)
            else:
                yield FetchedMail(key=name, raw=raw)

    def mark_processed(self, key: str) -> None:
        source = self.path / key
        try:
            self.processed.mkdir(exist_ok=True)
            source.rename(self._free_name(key))
        except FileNotFoundError:
            logger.info("mail-in: %s already moved (another worker processed it)", key)
        except OSError as exc:
            # Stored already: the next poll reads it again and finds it known by its hash.
            logger.error("mail-in: %s stored but not moved to %s/: %s", key, PROCESSED_FOLDER, exc.strerror)

    def _free_name(self, name: str) -> Path:
        target = self.processed / name
        stem, suffix = target.stem, target.suffix
        number = 1
        while target.exists():
            number += 1
            target = self.processed / f"{stem}-{number}{suffix}"
        return target

    def close(self) -> None:
        return None


class ImapMailbox:
    """An IMAP mailbox over TLS (`imaps://user:password@host:993/INBOX`): reads UNSEEN, marks \\Seen after commit."""

    def __init__(self, url: str, *, imap_factory: Callable[..., imaplib.IMAP4] | None = None):
        parts = urlsplit(url)
        if parts.scheme != "imaps":
            raise ImproperlyConfigured(
                "MAIL_IN_URL must be imaps:// (IMAP over TLS) or dir://; plain imap:// is refused"
            )
        try:
            port = parts.port or imaplib.IMAP4_SSL_PORT
        except ValueError as exc:
            raise ImproperlyConfigured("MAIL_IN_URL has an invalid port") from exc
        if not parts.hostname or not parts.username:
            raise ImproperlyConfigured(
                "MAIL_IN_URL must name the IMAP host and the user: imaps://user:password@host:993/INBOX"
            )
        self.host = parts.hostname
        self.port = port
        self.username = unquote(parts.username)
        self.password = unquote(parts.password or "")
        self.folder = unquote(parts.path.lstrip("/")) or "INBOX"
        self.imap_factory = imap_factory or imaplib.IMAP4_SSL
        self.connection = None

    def __repr__(self) -> str:  # never the password
        return f"ImapMailbox({self.username}@{self.host}:{self.port}/{self.folder})"

    def open(self) -> None:
        try:
            self.connection = self.imap_factory(
                self.host, self.port, ssl_context=ssl.create_default_context(), timeout=IMAP_TIMEOUT_SECONDS
            )
            self._expect_ok(self.connection.login(self.username, self.password), "LOGIN")
            self._expect_ok(self.connection.select(_quoted(self.folder)), "SELECT")
        except (OSError, imaplib.IMAP4.error) as exc:
            self.close()
            raise MailboxUnavailable(f"IMAP {self.host}:{self.port} unavailable: {type(exc).__name__}: {exc}") from exc

    def fetch(self) -> Iterator[FetchedMail]:
        try:
            status, data = self.connection.uid("SEARCH", None, "UNSEEN")
            self._expect_ok((status, data), "SEARCH")
            uids = (data[0] or b"").split() if data else []
            for uid in uids:
                key = uid.decode("ascii", "replace")
                # BODY.PEEK leaves the mail unseen until Jalon has committed it.
                status, data = self.connection.uid("FETCH", uid, "(BODY.PEEK[])")
                raw = _literal(data) if status == "OK" else None
                if raw is None:
                    yield FetchedMail(key=key, raw=None, error=f"FETCH returned no message (status {status})")
                else:
                    yield FetchedMail(key=key, raw=raw)
        except (OSError, imaplib.IMAP4.error) as exc:
            raise MailboxUnavailable(f"IMAP {self.host}:{self.port} lost: {type(exc).__name__}: {exc}") from exc

    def mark_processed(self, key: str) -> None:
        try:
            status, _data = self.connection.uid("STORE", key, "+FLAGS", "(\\Seen)")
        except (OSError, imaplib.IMAP4.error, AttributeError) as exc:
            logger.error("mail-in: IMAP UID %s stored but not marked seen: %s", key, type(exc).__name__)
            return
        if status != "OK":
            logger.error("mail-in: IMAP UID %s stored but not marked seen: STORE %s", key, status)

    def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is None:
            return
        for command in ("close", "logout"):
            try:
                getattr(connection, command)()
            except (OSError, imaplib.IMAP4.error):
                continue

    @staticmethod
    def _expect_ok(response, command: str) -> None:
        status = response[0] if response else None
        if status != "OK":
            raise imaplib.IMAP4.error(f"{command} answered {status}")


def _quoted(folder: str) -> str:
    if any(ch in folder for ch in ' "()\\{'):
        return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return folder


def _literal(data) -> bytes | None:
    """The message bytes of a FETCH answer: imaplib returns [(b'1 (UID 7 BODY[] {n}', b'<bytes>'), b')']."""
    for item in data or ():
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes | bytearray):
            return bytes(item[1])
    return None


def mailbox_from_url(url: str, *, imap_factory: Callable[..., imaplib.IMAP4] | None = None) -> MailboxSource:
    """The source MAIL_IN_URL names: `dir://<folder>` or `imaps://user:password@host:993/INBOX`."""
    scheme = urlsplit(url).scheme
    if scheme == "dir":
        folder = unquote(url[len("dir://") :])
        if not folder:
            raise ImproperlyConfigured("MAIL_IN_URL dir:// must name a folder, e.g. dir:///var/lib/jalon/mail-in")
        return DirectoryMailbox(Path(folder))
    if scheme == "imaps":
        return ImapMailbox(url, imap_factory=imap_factory)
    raise ImproperlyConfigured("MAIL_IN_URL must be imaps:// (IMAP over TLS) or dir://; plain imap:// is refused")
