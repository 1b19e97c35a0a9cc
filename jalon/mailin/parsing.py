"""Reading a raw mail: bytes in, a ParsedMail out, or a ParseError that says why in French.

Pure (no database, no settings): the standard library's `email` package with `policy.default`
does the MIME work (RFC 2047 headers, RFC 2231 parameters, transfer encodings); this module
decides what a coordinator needs from it: who sent it, the text to read, the files attached.

What real mail clients send and how it is read:
- headers in RFC 2047 (Q or B, any charset), or raw 8-bit bytes from broken clients: decoded,
  UTF-8 first, else windows-1252; ISO-8859-1 is read as windows-1252 as browsers do (Outlook's
  en dashes and apostrophes);
- text in any declared charset; an unknown or lying charset falls back the same way, with
  replacement characters rather than a crash;
- multipart/alternative: the text/plain version, else the HTML one converted to text; the files
  of every alternative are kept (Apple Mail puts the attachments inside the HTML branch);
- a forwarded message (message/rfc822): its headers and text follow the outer text, its files
  are the mail's files.
A mail with no header, a broken MIME structure or content that cannot be decoded raises ParseError;
the caller keeps its bytes and shows it as unreadable.
"""

from __future__ import annotations

import codecs
import contextlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import errors as email_errors
from email import message_from_bytes, policy
from email.message import EmailMessage
from html import unescape
from html.parser import HTMLParser

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_DEPTH = 12  # nested multiparts and forwarded messages
MAX_PARTS = 300
# Read as windows-1252, its superset, as browsers do: Outlook labels its en dashes and quotes ISO-8859-1.
LATIN_CHARSETS = {"us-ascii", "ascii", "iso-8859-1", "iso8859-1", "latin-1", "latin1", "windows-1252", "cp1252"}
MAIL_HEADERS = ("from", "sender", "to", "date", "subject", "message-id", "received", "mime-version", "return-path")
# Defects that mean the structure itself is broken: a part's content would be guessed, not read.
FATAL_DEFECTS = {
    email_errors.StartBoundaryNotFoundDefect: gettext_lazy(
        "la limite annoncée entre les parties du courriel est absente"
    ),
    email_errors.CloseBoundaryNotFoundDefect: gettext_lazy(
        "le courriel est tronqué (la fin de sa structure MIME manque)"
    ),
    email_errors.NoBoundaryInMultipartDefect: gettext_lazy(
        "le courriel annonce plusieurs parties sans dire comment les séparer"
    ),
    email_errors.InvalidBase64LengthDefect: gettext_lazy("une partie encodée en base64 est tronquée ou corrompue"),
}


class ParseError(Exception):
    """The mail cannot be read; `message` (French) says why, for the coordinator."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str  # decoded, without any directory part; generated when the mail gives none
    content_type: str  # as declared by the mail
    data: bytes
    inline: bool = False
    content_id: str = ""


@dataclass(frozen=True)
class ParsedMail:
    message_id: str
    sender_address: str
    sender_name: str
    subject: str
    sent_at: datetime | None  # the Date header, aware (UTC when the mail gives no zone)
    body_text: str
    attachments: tuple[ParsedAttachment, ...] = ()
    defects: tuple[str, ...] = field(default=())  # minor problems the mail was read despite


@dataclass(frozen=True)
class SalvagedHeaders:
    """What could still be read from an unreadable mail's headers, to show it in a list."""

    message_id: str = ""
    sender_address: str = ""
    sender_name: str = ""
    subject: str = ""
    sent_at: datetime | None = None


def parse_mail(raw: bytes) -> ParsedMail:
    """Read a raw RFC 5322 mail; raise ParseError if it is not one or cannot be decoded."""
    if not raw or not raw.strip():
        raise ParseError(_("Le fichier est vide."))
    message = message_from_bytes(raw, policy=policy.default)
    if not any(name.lower() in MAIL_HEADERS for name in message):
        raise ParseError(_("Aucun en-tête de courriel (De, Date, Objet…) : ce fichier n'est pas un courriel lisible."))
    try:
        headers = _headers(message)
        walker = _Walker()
        walker.walk(message, collect_text=True, depth=0)
    except ParseError:
        raise
    except Exception as exc:  # the email package can raise almost anything on hostile input
        raise ParseError(
            _("Le contenu du courriel n'a pas pu être décodé (%(error)s).") % {"error": type(exc).__name__}
        ) from exc
    return ParsedMail(
        message_id=headers.message_id,
        sender_address=headers.sender_address,
        sender_name=headers.sender_name,
        subject=headers.subject,
        sent_at=headers.sent_at,
        body_text=_tidy_text("\n\n".join(text for text in walker.texts if text.strip())),
        attachments=tuple(walker.attachments),
        defects=tuple(sorted(set(walker.defects))),
    )


def salvage_headers(raw: bytes) -> SalvagedHeaders:
    """The sender, subject and date of a mail that failed to parse, as far as they can be read; never raises."""
    try:
        message = message_from_bytes(raw, policy=policy.default)
        return _headers(message)
    except Exception:  # noqa: BLE001 - best effort by design: the raw bytes are kept anyway
        return SalvagedHeaders()


# --- Headers ---------------------------------------------------------------------------------


def _headers(message: EmailMessage) -> SalvagedHeaders:
    sender = _header(message, "from") or _header(message, "sender")
    address, name = _first_address(sender)
    date_header = _header(message, "date")
    return SalvagedHeaders(
        message_id=_clean_text(str(_header(message, "message-id") or "")).strip()[:500],
        sender_address=address[:254],
        sender_name=name[:200],
        subject=" ".join(_clean_text(str(_header(message, "subject") or "")).split())[:500],
        sent_at=_aware(getattr(date_header, "datetime", None)),
    )


def _header(message: EmailMessage, name: str):
    """The first `name` header, parsed by policy.default; raw 8-bit bytes decoded first (UTF-8, else windows-1252)."""
    raw = next((value for key, value in message.raw_items() if key.lower() == name), None)
    if raw is None:
        return None
    if _has_surrogates(raw):
        raw = _decode_bytes(raw.encode("ascii", "surrogateescape"), None)
    try:
        return policy.default.header_fetch_parse(name, raw)
    except Exception:  # noqa: BLE001 - a header the parser chokes on is shown as it came
        return " ".join(raw.split())


def _first_address(header) -> tuple[str, str]:
    for address in getattr(header, "addresses", ()) or ():
        addr_spec = _clean_text(address.addr_spec or "").strip()
        if addr_spec and "@" in addr_spec:
            return addr_spec.strip("<>"), " ".join(_clean_text(address.display_name or "").split())
    return "", ""


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


# --- Parts -----------------------------------------------------------------------------------


class _Walker:
    """Walks the MIME tree once, collecting the readable text and the attached files in order."""

    def __init__(self):
        self.texts: list[str] = []
        self.attachments: list[ParsedAttachment] = []
        self.defects: list[str] = []
        self.parts = 0

    def walk(self, part: EmailMessage, *, collect_text: bool, depth: int) -> None:
        self.parts += 1
        if depth > MAX_DEPTH or self.parts > MAX_PARTS:
            raise ParseError(_("Le courriel est trop imbriqué ou compte trop de parties pour être lu."))
        self._check_defects(part)
        content_type = part.get_content_type()
        if content_type == "message/rfc822":
            self._forwarded(part, collect_text=collect_text, depth=depth)
        elif part.is_multipart():
            children = list(part.iter_parts())
            preferred = _preferred_alternative(children) if content_type == "multipart/alternative" else None
            for child in children:
                chosen = collect_text and (preferred is None or child is preferred)
                self.walk(child, collect_text=chosen, depth=depth + 1)
        elif part.get_content_maintype() == "multipart":
            raise ParseError(
                _("La structure du courriel est invalide : %(reason)s.")
                % {"reason": FATAL_DEFECTS[email_errors.NoBoundaryInMultipartDefect]}
            )
        elif _is_attachment(part):
            self._attachment(part)
        elif collect_text:
            self.texts.append(self._text(part))

    def _check_defects(self, part: EmailMessage) -> None:
        for defect in part.defects:
            for kind, reason in FATAL_DEFECTS.items():
                if isinstance(defect, kind):
                    raise ParseError(_("La structure du courriel est invalide : %(reason)s.") % {"reason": reason})
            self.defects.append(type(defect).__name__)

    def _text(self, part: EmailMessage) -> str:
        payload = part.get_payload(decode=True) or b""
        self._check_defects(part)  # decoding records its own defects on the part
        text = _decode_bytes(payload, part.get_content_charset())
        return html_to_text(text) if part.get_content_subtype() == "html" else text

    def _attachment(self, part: EmailMessage) -> None:
        data = part.get_payload(decode=True)
        self._check_defects(part)
        if data is None:
            data = b""
        content_type = _clean_text(part.get_content_type())
        number = len(self.attachments) + 1
        self.attachments.append(
            ParsedAttachment(
                filename=_filename(part) or _generated_name(number, content_type),
                content_type=content_type,
                data=data,
                inline=part.get_content_disposition() == "inline",
                content_id=_clean_text(str(part.get("content-id", "") or "")).strip().strip("<>")[:200],
            )
        )

    def _forwarded(self, part: EmailMessage, *, collect_text: bool, depth: int) -> None:
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        if not isinstance(inner, EmailMessage):
            raise ParseError(_("Le message transféré joint au courriel est illisible."))
        if collect_text:
            headers = _headers(inner)
            lines = [_("---------- Message transféré ----------")]
            if headers.sender_address:
                sender = (
                    f"{headers.sender_name} <{headers.sender_address}>"
                    if headers.sender_name
                    else headers.sender_address
                )
                lines.append(_("De : %(sender)s") % {"sender": sender})
            if headers.sent_at:
                lines.append(_("Date : %(date)s") % {"date": headers.sent_at.strftime("%d/%m/%Y %H:%M %z")})
            if headers.subject:
                lines.append(_("Objet : %(subject)s") % {"subject": headers.subject})
            self.texts.append("\n".join(lines))
        self.walk(inner, collect_text=collect_text, depth=depth + 1)


def _preferred_alternative(children: list[EmailMessage]) -> EmailMessage | None:
    """The alternative to read: plain text first, then HTML (each possibly wrapped in related/mixed)."""
    for wanted in ("plain", "html"):
        for child in children:
            if _contains_text(child, wanted):
                return child
    return children[0] if children else None


def _contains_text(part: EmailMessage, subtype: str, depth: int = 0) -> bool:
    if depth > MAX_DEPTH:
        return False
    if part.get_content_type() == f"text/{subtype}" and not _is_attachment(part):
        return True
    if part.is_multipart() and part.get_content_type() != "multipart/alternative":
        first = next(iter(part.iter_parts()), None)
        return first is not None and _contains_text(first, subtype, depth + 1)
    return False


def _is_attachment(part: EmailMessage) -> bool:
    """A file rather than text to read: declared as one, named, or not text at all."""
    if part.get_content_disposition() == "attachment" or part.get_filename():
        return True
    return part.get_content_type() not in ("text/plain", "text/html")


def _filename(part: EmailMessage) -> str:
    """The decoded file name (RFC 2231, or RFC 2047 inside quotes as Outlook writes it), without directories."""
    name = ""
    for header_name, parameter in (("content-disposition", "filename"), ("content-type", "name")):
        header = _header(part, header_name)  # raw 8-bit bytes decoded first, as for the mail's own headers
        params = getattr(header, "params", None) or {}
        if params.get(parameter):
            name = str(params[parameter])
            break
    if not name:
        name = part.get_filename() or ""
    name = _clean_text(name)
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().strip(".")
    if len(name) > 200:
        stem, dot, extension = name.rpartition(".")
        name = f"{stem[: 199 - len(extension)]}.{extension}" if dot and len(extension) <= 10 else name[:200]
    return name


def _generated_name(number: int, content_type: str) -> str:
    import mimetypes

    extension = (
        {"image/jpeg": ".jpg", "text/plain": ".txt"}.get(content_type)
        or mimetypes.guess_extension(content_type)
        or ".bin"
    )
    return _("piece-jointe-%(number)d%(extension)s") % {"number": number, "extension": extension}


# --- Text ------------------------------------------------------------------------------------


def _has_surrogates(value: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in value)


def _decode_bytes(data: bytes, declared: str | None) -> str:
    """Text in its declared charset if it decodes; else UTF-8; else windows-1252 with replacement characters.

    A mail declared ASCII or ISO-8859-1 is tried as UTF-8 first: Latin-1 text is almost never valid
    UTF-8 by accident, while mislabelled UTF-8 is common.
    """
    order = ["utf-8"]
    if declared:
        name = declared.strip().lower()
        if name in LATIN_CHARSETS:
            order = ["utf-8", "cp1252"]
        else:
            with contextlib.suppress(LookupError):
                order = [codecs.lookup(name).name, "utf-8"]
    for charset in order:
        try:
            return _clean_text(data.decode(charset))
        except UnicodeDecodeError:
            continue
    return _clean_text(data.decode("cp1252", errors="replace"))


def _clean_text(value: str) -> str:
    """Storable text: escaped bytes re-decoded, C1 controls read as windows-1252, no NUL (PostgreSQL refuses it)."""
    if _has_surrogates(value):
        try:
            value = value.encode("utf-8", "surrogateescape").decode("utf-8")
        except UnicodeDecodeError:
            value = "".join(_cp1252(ord(ch) - 0xDC00) if "\udc80" <= ch <= "\udcff" else ch for ch in value)
    if any("\x80" <= ch <= "\x9f" for ch in value):
        value = "".join(_cp1252(ord(ch)) if "\x80" <= ch <= "\x9f" else ch for ch in value)
    return value.replace("\x00", "")


def _cp1252(byte: int) -> str:
    return bytes([byte]).decode("cp1252", errors="replace")


def _tidy_text(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


class _HtmlText(HTMLParser):
    """HTML to readable text: paragraphs apart, lines and list items on their own line, scripts and styles gone."""

    PARAGRAPHS = {
        "p",
        "table",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "section",
        "article",
        "header",
        "footer",
    }
    LINES = {"div", "tr", "li", "dt", "dd"}
    SKIPPED = {"script", "style", "head", "title", "noscript", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):  # noqa: ARG002
        if tag in self.SKIPPED:
            self.skipping += 1
        elif tag == "br":
            self.chunks.append("\n")
        elif tag == "li":
            self._break(1)
            self.chunks.append("- ")
        elif tag in ("td", "th"):
            self.chunks.append(" ")
        elif tag in self.PARAGRAPHS:
            self._break(2)
        elif tag in self.LINES:
            self._break(1)

    def handle_endtag(self, tag):
        if tag in self.SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.PARAGRAPHS:
            self._break(2)
        elif tag in self.LINES:
            self._break(1)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        if self.skipping:
            return
        text = re.sub(r"\s+", " ", data)
        if self._at_line_start():
            text = text.lstrip()
        if text:
            self.chunks.append(text)

    def _tail(self) -> str:
        return "".join(self.chunks[-6:]).rstrip(" ")

    def _at_line_start(self) -> bool:
        tail = self._tail()
        return not tail or tail.endswith("\n")

    def _break(self, count: int) -> None:
        """End the current line with at least `count` line breaks (2: a blank line), never more."""
        tail = self._tail()
        if not tail:
            return
        have = len(tail) - len(tail.rstrip("\n"))
        if have < count:
            self.chunks.append("\n" * (count - have))


def html_to_text(html: str) -> str:
    """Readable text of an HTML mail body (never raises: at worst the tags are stripped crudely)."""
    parser = _HtmlText()
    try:
        parser.feed(html)
        parser.close()
        text = "".join(parser.chunks)
    except Exception:  # noqa: BLE001
        text = unescape(re.sub(r"<[^>]+>", " ", html))
    lines = [" ".join(line.replace("\xa0", " ").split()) for line in text.split("\n")]
    return _tidy_text("\n".join(lines))
