"""Stored documents: what every stored file of a patient shares, written once.

- the check of an upload: size, and the real content type read from the bytes (puremagic), not the name;
- the stored name: random, under the app's folder and the month (the original name, which may identify
  the patient, stays in the row);
- `StoredDocument`, the abstract model of an uploaded document (file, original name, content type, size,
  hash, who uploaded it and when), used by referrals and tele-expertise; mail attachments and pathway
  letters keep their own fields but use the same stored names, check and download;
- the download: `stored_file_response`, called by a view once it has checked access and audited.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

import puremagic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

ALLOWED_CONTENT_TYPES = {"application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG"}
EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


def stored_name(folder: str, *, content_type: str = "", extension: str = "") -> str:
    """« referrals/2026/03/<random>.pdf »: a random name under `folder` and the month; the extension
    follows the content type ("bin" when it is not an accepted one) unless given."""
    extension = extension or EXTENSIONS.get(content_type, "bin")
    return f"{folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


def detect_content_type(head: bytes) -> str:
    """The content type the bytes' signature says (puremagic, pure Python), "" when none is known.

    Among the strongest signatures found at the start of the file, an accepted type wins (a PDF's
    signature also matches FDF's, for instance); otherwise the first one found.
    """
    if not head:
        return ""
    try:
        matches = [match for match in puremagic.magic_string(head) if match.offset == 0 and match.mime_type]
    except (puremagic.PureError, ValueError):
        return ""
    if not matches:
        return ""
    best = max(match.confidence for match in matches)
    strongest = [match.mime_type for match in matches if match.confidence == best]
    return next((mime for mime in strongest if mime in ALLOWED_CONTENT_TYPES), strongest[0])


@dataclass(frozen=True)
class CheckedDocument:
    upload: object  # an UploadedFile
    name: str
    content_type: str
    size: int
    sha256: str


def check_document(upload) -> CheckedDocument:
    """Accept a PDF, PNG or JPEG under the size limit; raise a French ValidationError otherwise."""
    name = (getattr(upload, "name", "") or "document")[-200:]
    size = upload.size
    if size == 0:
        raise ValidationError(_("Le fichier « %(name)s » est vide.") % {"name": name}, code="document_empty")
    if size > settings.DOCUMENT_MAX_BYTES:
        raise ValidationError(
            _("Le fichier « %(name)s » dépasse la taille maximale de %(limit)s.")
            % {"name": name, "limit": filesizeformat(settings.DOCUMENT_MAX_BYTES)},
            code="document_too_large",
        )
    upload.seek(0)
    head = upload.read(2048)
    content_type = detect_content_type(head)
    if content_type not in ALLOWED_CONTENT_TYPES:
        raise ValidationError(
            _("Le fichier « %(name)s » n'est pas accepté : seuls les documents PDF, PNG et JPEG le sont.")
            % {"name": name},
            code="document_type",
        )
    digest = hashlib.sha256(head)
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    return CheckedDocument(upload=upload, name=name, content_type=content_type, size=size, sha256=digest.hexdigest())


class StoredDocument(models.Model):
    """An uploaded document, checked (`check_document`) before it is stored.

    A concrete model adds what the document belongs to and declares `file` again with its own
    `upload_to` (a function of its module that calls `stored_name` with the app's folder)."""

    file = models.FileField()
    original_name = models.CharField(gettext_lazy("nom du fichier"), max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "id"]

    @classmethod
    def store(cls, document: CheckedDocument, *, uploaded_by, **fields):
        """A new row for the checked `document`, its bytes saved under a random name (in the caller's transaction)."""
        stored = cls(
            original_name=document.name,
            content_type=document.content_type,
            size=document.size,
            sha256=document.sha256,
            uploaded_by=uploaded_by,
            **fields,
        )
        stored.file.save(document.name, document.upload, save=False)
        stored.save()
        return stored


def stored_file_response(field_file, *, content_type: str, filename: str, as_attachment: bool = False) -> FileResponse:
    """The file as a response; 404 when its bytes are gone from storage (never a 500).

    Shown in the browser only when asked and of an accepted type (PDF, PNG, JPEG, by its bytes); anything
    else (HTML, Office files, executables) only downloads, as bytes, never rendered from Jalon's origin.
    The name is sent encoded by Django (RFC 6266), and the browser is told not to guess the type."""
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, ValueError) as exc:  # ValueError: the field has no file
        raise Http404 from exc
    if not as_attachment and content_type not in ALLOWED_CONTENT_TYPES:
        content_type, as_attachment = "application/octet-stream", True
    response = FileResponse(handle, content_type=content_type, as_attachment=as_attachment, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response
