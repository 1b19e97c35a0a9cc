"""Ship the default message texts (data/notification_templates_v1.json) as published version 1.

Idempotent: a kind whose version 1 exists is left alone; the reverse is a no-op. The texts are
checked against the kinds' variables by jalon/messaging/tests/test_templates_data.py.
"""

import json
from pathlib import Path

from django.db import migrations
from django.utils import timezone

DATA = Path(__file__).resolve().parent.parent / "data" / "notification_templates_v1.json"


def forwards(apps, schema_editor):  # noqa: ARG001
    NotificationTemplate = apps.get_model("messaging", "NotificationTemplate")
    data = json.loads(DATA.read_text(encoding="utf-8"))
    now = timezone.now()
    for kind, texts in data["templates"].items():
        NotificationTemplate.objects.get_or_create(
            kind=kind,
            version=1,
            defaults=dict(
                subject=texts["subject"],
                body=texts["body"],
                notice=texts["notice"],
                published_at=now,
                change_note="Version livrée avec Jalon",
                source=data["source"][:300],
            ),
        )


class Migration(migrations.Migration):
    dependencies = [("messaging", "0003_notification_templates")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
