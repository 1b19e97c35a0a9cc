"""Uploaded documents: the real type is read from the bytes (puremagic), never from the name or the declared type."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from PIL import Image

from conftest import MINIMAL_PDF
from jalon.core.documents import check_document, detect_content_type, stored_file_response, stored_name


def image_bytes(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("scanner.pdf", MINIMAL_PDF, "application/pdf"),
        ("photo.png", image_bytes("PNG"), "image/png"),
        ("photo.jpg", image_bytes("JPEG"), "image/jpeg"),
        ("sans-extension", MINIMAL_PDF, "application/pdf"),
    ],
)
def test_it_accepts_pdf_png_and_jpeg_by_their_content(name, content, expected):
    """A PDF, PNG or JPEG is accepted whatever its name, with the type its bytes say and their digest."""
    checked = check_document(SimpleUploadedFile(name, content, content_type="application/octet-stream"))
    assert checked.content_type == expected
    assert checked.size == len(content) and len(checked.sha256) == 64


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("compte-rendu.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64),  # a Windows program
        ("compte-rendu.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 64),  # a Linux program
        ("radio.jpg", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"),
        ("radio.png", b"PK\x03\x04\x14\x00\x00\x00" + b"\x00" * 64),  # a zip archive
        ("notes.pdf", b"texte libre sans signature"),
    ],
)
def test_it_refuses_a_renamed_program_page_or_archive(name, content):
    """A file whose bytes are not PDF, PNG or JPEG is refused in French, whatever its name and declared type."""
    with pytest.raises(ValidationError) as raised:
        check_document(SimpleUploadedFile(name, content, content_type="application/pdf"))
    assert raised.value.code == "document_type"
    assert "seuls les documents PDF, PNG et JPEG" in raised.value.messages[0]


def test_it_refuses_an_empty_file():
    with pytest.raises(ValidationError) as raised:
        check_document(SimpleUploadedFile("vide.pdf", b"", content_type="application/pdf"))
    assert raised.value.code == "document_empty"


def test_it_names_what_it_detects():
    """The detected type is kept for received mail attachments: a page is text/html, unknown bytes are ""."""
    assert detect_content_type(b"<!DOCTYPE html><html></html>") == "text/html"
    assert detect_content_type(b"") == detect_content_type(b"\x00\x01\x02") == ""


# --- Stored names and downloads ------------------------------------------------------------------


def test_it_stores_under_a_random_name_by_folder_and_month():
    """The original name never reaches the storage; the extension follows the content type."""
    name = stored_name("referrals", content_type="application/pdf")
    folder, year, month, file_name = name.split("/")
    assert folder == "referrals" and len(year) == 4 and len(month) == 2
    assert file_name.endswith(".pdf") and len(file_name) == 32 + 4
    assert stored_name("mailin", content_type="text/html").endswith(".bin")
    assert stored_name("mailin", extension="eml").endswith(".eml")


class _StoredFile:
    """Stands for a FieldFile: what `stored_file_response` opens."""

    def __init__(self, content: bytes | None):
        self.content = content

    def open(self, mode):
        if self.content is None:
            raise FileNotFoundError
        return io.BytesIO(self.content)


def test_it_shows_an_accepted_type_inline_and_tells_the_browser_not_to_guess():
    """A PDF opens in the browser, under its original name."""
    response = stored_file_response(
        _StoredFile(MINIMAL_PDF), content_type="application/pdf", filename="compte rendu.pdf"
    )
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_it_only_downloads_any_other_type():
    """HTML (or anything not PDF, PNG, JPEG) is sent as bytes to save, never rendered from Jalon's origin."""
    response = stored_file_response(
        _StoredFile(b"<script>alert(1)</script>"), content_type="text/html", filename="page.html"
    )
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")


def test_it_answers_404_when_the_bytes_are_gone():
    """A row whose file left the storage answers 404, never 500."""
    with pytest.raises(Http404):
        stored_file_response(_StoredFile(None), content_type="application/pdf", filename="x.pdf")
