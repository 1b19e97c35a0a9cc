"""Database triggers that make a table append-only: the database itself refuses UPDATE and DELETE.

Installed by migrations (`append_only_operation`), so a bug, a shell or a raw SQL statement of the
application cannot rewrite the audit trail or the event log. PostgreSQL refuses UPDATE and DELETE;
SQLite refuses UPDATE only, because Django empties SQLite tables with DELETE when a transactional test
ends (PostgreSQL uses TRUNCATE, which fires no row trigger, so flushing a test database still works).
The hash chain of the audit trail (`accounts/chain.py`) detects what someone able to drop the
triggers could still do.
"""

from __future__ import annotations

from django.db import migrations

# No "%" in these statements: they run through the schema editor, which formats parameters.
POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION jalon_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = 'table ' || TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' refused',
        ERRCODE = 'insufficient_privilege';
END
$$;
"""


def trigger_name(table: str) -> str:
    return f"{table}_append_only"


def install_sql(vendor: str, table: str) -> list[str]:
    """The statements that make `table` append-only on this database vendor (none for another vendor)."""
    name = trigger_name(table)
    if vendor == "postgresql":
        return [
            POSTGRES_FUNCTION,
            (
                f"CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION "
                "jalon_refuse_change();"
            ),
        ]
    if vendor == "sqlite":
        return [
            (
                f"CREATE TRIGGER {name} BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'table {table} is append-only: UPDATE refused'); END;"
            ),
        ]
    return []


def uninstall_sql(vendor: str, table: str) -> list[str]:
    """The statements that remove what `install_sql` created for `table`."""
    name = trigger_name(table)
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {name} ON {table};"]
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name};"]
    return []


def append_only_operation(*tables: str) -> migrations.RunPython:
    """A migration operation installing the triggers on the database it runs on (reversible)."""

    def forwards(apps, schema_editor):
        for table in tables:
            for statement in install_sql(schema_editor.connection.vendor, table):
                schema_editor.execute(statement, params=None)

    def backwards(apps, schema_editor):
        for table in tables:
            for statement in uninstall_sql(schema_editor.connection.vendor, table):
                schema_editor.execute(statement, params=None)

    return migrations.RunPython(forwards, backwards)
