"""Short yearly references shown to people (JAL-2026-000123, TEX-2026-000012), from a counter row per year."""

from __future__ import annotations

from django.db.models import F


def next_reference(counter_model, *, prefix: str, year: int) -> str:
    """The next reference of `year`: the counter row is incremented in the database (safe across servers),
    inside the caller's transaction. `counter_model` has `year` (primary key) and `last`."""
    counter_model.objects.get_or_create(year=year)
    counter_model.objects.filter(year=year).update(last=F("last") + 1)
    number = counter_model.objects.get(year=year).last
    return f"{prefix}-{year}-{number:06d}"


# A reference in a URL: a yearly one (JAL-2026-000123) or a synthetic population's
# (SYN-<seed>-<run>-000123, `indicators/synthetic.py`), whose pathways coordinators of those sites open too.
REFERENCE_URL_PATTERN = r"^(?P<reference>[A-Z]{2,8}(?:-\d{1,10}){2,3})/"
