"""Serving a stored file (a document, a letter, a received mail) once its view has checked access and audited."""

from __future__ import annotations

from django.http import FileResponse, Http404


def stored_file_response(field_file, *, content_type: str, filename: str, as_attachment: bool = False) -> FileResponse:
    """The file as a response; 404 when its bytes are gone from storage (never a 500)."""
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, ValueError) as exc:  # ValueError: the field has no file
        raise Http404 from exc
    return FileResponse(handle, content_type=content_type, as_attachment=as_attachment, filename=filename)
