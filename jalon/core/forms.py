"""What forms across the apps share."""

from __future__ import annotations

MAX_ROW_ID = 2**63 - 1
"""The largest id a BigAutoField holds on SQLite and PostgreSQL. A number beyond it is no row's id,
and SQLite cannot even bind it (OverflowError), so forms refuse or ignore it before any query."""


def beyond_any_row_id(value) -> bool:
    """True for a whole number (as text or int) no row can have as id."""
    text = str(value).strip()
    return text.isascii() and text.lstrip("-").isdigit() and not 0 <= int(text) <= MAX_ROW_ID
