"""Uploaded documents: the real type is read from the bytes (puremagic), never from the name or the declared type."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from conftest import MINIMAL_PDF
from jalon.referrals.documents import check_document, detect_content_type


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
