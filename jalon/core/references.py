"""Short yearly references shown to people (JAL-2026-000123, TEX-2026-000012), from a counter row per year."""

from __future__ import annotations

from django.db import connections, router


def next_reference(counter_model, *, prefix: str, year: int) -> str:
    """The next reference of `year`: the counter row is incremented in the database (safe across servers),
    inside the caller's transaction. `counter_model` has `year` (primary key) and `last`."""
    number = _increment(counter_model, year)
    if number is None:  # the year's first reference
        counter_model.objects.get_or_create(year=year)
        number = _increment(counter_model, year)
    return f"{prefix}-{year}-{number:06d}"


def _increment(counter_model, year: int) -> int | None:
    """The year's counter moved on by one and read in one statement (UPDATE ... RETURNING: PostgreSQL, SQLite
    ≥ 3.35); None when the year has no row yet."""
    meta = counter_model._meta
    connection = connections[router.db_for_write(counter_model)]
    table, last, key = (
        connection.ops.quote_name(name)
        for name in (meta.db_table, meta.get_field("last").column, meta.get_field("year").column)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {last} = {last} + 1 WHERE {key} = %s RETURNING {last}", [year])  # noqa: S608 - names quoted, value bound
        row = cursor.fetchone()
    return row[0] if row else None


# A reference in a URL: a yearly one (JAL-2026-000123) or a synthetic population's
# (SYN-<seed>-<run>-000123, `indicators/synthetic.py`), whose pathways coordinators of those sites open too.
REFERENCE_URL_PATTERN = r"^(?P<reference>[A-Z]{2,8}(?:-\d{1,10}){2,3})/"
