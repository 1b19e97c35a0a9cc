"""A small fictitious PDF report for the demo's exams, written without any PDF library."""

from __future__ import annotations


def _pdf_text(value: str) -> bytes:
    return value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("cp1252")


def demo_pdf(title: str, summary: str) -> bytes:
    """A small valid one-page PDF (Helvetica, WinAnsi) saying it is a fictitious report."""
    lines = ((14, title), (10, summary), (10, "Document fictif : données de démonstration de Jalon."))
    content = (
        b"BT 56 780 Td "
        + b" 0 -24 Td ".join(b"/F1 %d Tf (%s) Tj" % (size, _pdf_text(line)) for size, line in lines)
        + b" ET"
    )
    objects = (
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 5 0 R "
            b"/Resources << /Font << /F1 4 0 R >> >> >>"
        ),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
    )
    return _pdf_file(objects)


def _pdf_file(objects: tuple[bytes, ...]) -> bytes:
    """The numbered objects with their cross-reference table and trailer."""
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref_at)
    return bytes(pdf)
