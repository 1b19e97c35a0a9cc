"""The demo's data (organisations, professionals, territory, referral story, resources...): JSON files
under jalon/demo/data/, read by the loader."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"


@cache
def demo_data(name: str) -> dict[str, Any]:
    """The parsed contents of data/<name>.json (read once; callers must not change it)."""
    return json.loads((DATA_DIR / f"{name}.json").read_text(encoding="utf-8"))
