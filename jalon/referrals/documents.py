"""Checking uploaded documents: size and real content type (read from the bytes, not the name)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import puremagic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

ALLOWED_CONTENT_TYPES = {"application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG"}


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
            _("Le fichier « %(name)s » n'est pas accepté : seuls les documents PDF, PNG et JPEG le sont.") % {"name": name},
            code="document_type",
        )
    digest = hashlib.sha256(head)
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    return CheckedDocument(upload=upload, name=name, content_type=content_type, size=size, sha256=digest.hexdigest())
