"""Reading back the text of a PDF Jalon wrote (appointment letters, the PPS), for tests."""

from __future__ import annotations

import re
from io import BytesIO

from pypdf import PdfReader


def pdf_text(content: bytes) -> str:
    """The text of every page, whitespace normalised to single spaces."""
    text = " ".join(page.extract_text() or "" for page in PdfReader(BytesIO(content)).pages)
    return re.sub(r"\s+", " ", text)
