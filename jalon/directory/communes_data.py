"""Read the bundled list of French communes (``data/communes.csv.gz``).

The file is derived from the npm package ``@etalab/decoupage-administratif``
(INSEE Code Officiel Géographique + La Poste base officielle des codes
postaux, Licence Ouverte); see ``data/README.md`` for its provenance and
``scripts/derive_communes.py`` to regenerate it.

This module has no Django dependency so it can be used by scripts, data
migrations and management commands alike.
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DEFAULT_COMMUNES_PATH = Path(__file__).resolve().parent / "data" / "communes.csv.gz"

EXPECTED_HEADER = ["code", "name", "department", "postal_codes"]


@dataclass(frozen=True, slots=True)
class CommuneRow:
    """One current French commune."""

    code: str  # INSEE code (5 characters, e.g. "67482", "2A004")
    name: str
    department: str  # department code (e.g. "67", "2A", "971")
    postal_codes: tuple[str, ...]


def iter_communes(path: Path | None = None) -> Iterator[CommuneRow]:
    """Yield every commune of the gzip CSV file, in INSEE code order."""
    source = Path(path) if path is not None else DEFAULT_COMMUNES_PATH
    with gzip.open(source, mode="rt", encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header != EXPECTED_HEADER:
            raise ValueError(f"{source}: unexpected header {header!r}, expected {EXPECTED_HEADER!r}")
        for row in reader:
            code, name, department, postal_codes = row
            yield CommuneRow(
                code=code,
                name=name,
                department=department,
                postal_codes=tuple(postal_codes.split()),
            )
