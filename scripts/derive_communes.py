#!/usr/bin/env python3
"""Derive ``jalon/directory/data/communes.csv.gz`` from Etalab's communes.json.

Source: the npm package ``@etalab/decoupage-administratif`` (file
``data/communes.json``), built from INSEE's Code Officiel Géographique and
La Poste's base officielle des codes postaux (data under Licence Ouverte).

Only current communes (``type == "commune-actuelle"``) are kept, sorted by
INSEE code. Output is a gzip-compressed UTF-8 CSV with the header
``code,name,department,postal_codes`` where ``postal_codes`` is a
space-separated, sorted list. The gzip header carries no file name and
mtime=0, so re-running on the same input yields a byte-identical file.

Usage::

    python scripts/derive_communes.py /path/to/package/data/communes.json [OUTPUT]
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "jalon" / "directory" / "data" / "communes.csv.gz"
HEADER = ("code", "name", "department", "postal_codes")


def derive_rows(communes: list[dict]) -> list[tuple[str, str, str, str]]:
    rows = []
    for item in communes:
        if item.get("type") != "commune-actuelle":
            continue
        postal_codes = sorted(set(item.get("codesPostaux") or ()))
        rows.append(
            (
                item["code"],
                item["nom"],
                item["departement"],
                " ".join(postal_codes),
            )
        )
    rows.sort(key=lambda row: row[0])
    codes = [row[0] for row in rows]
    if len(codes) != len(set(codes)):
        raise SystemExit("duplicate INSEE codes among current communes")
    return rows


def render_csv(rows: list[tuple[str, str, str, str]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def write_gzip(data: bytes, output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    # filename="" and mtime=0 keep the gzip header deterministic.
    with open(output, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
        gz.write(data)


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    source = Path(argv[1])
    output = Path(argv[2]) if len(argv) == 3 else DEFAULT_OUTPUT
    with open(source, encoding="utf-8") as fh:
        communes = json.load(fh)
    rows = derive_rows(communes)
    write_gzip(render_csv(rows), output)
    print(f"wrote {len(rows)} communes to {output} ({output.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
