"""Checking uploaded documents: size and real content type (read from the bytes, not the name)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

ALLOWED_CONTENT_TYPES = {"application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG"}


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
    kind = filetype.guess(head)
    content_type = kind.mime if kind else None
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
