from django.db import migrations

from jalon.core.append_only import append_only_operation


class Migration(migrations.Migration):
    """The database refuses UPDATE (and DELETE on PostgreSQL) on the event log."""

    dependencies = [
        ("events", "0001_initial"),
    ]

    operations = [
        append_only_operation("events_event"),
    ]
