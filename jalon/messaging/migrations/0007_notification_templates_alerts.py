"""Ship the alert and escalation texts (data/notification_templates_alerts_v1.json) as published
region-wide version 1: until now jalon/pathways/alerts.py wrote them in code, and sent the step's name
by plain e-mail. Idempotent like 0004; the reverse is a no-op."""

import json
from pathlib import Path

from django.db import migrations
from django.utils import timezone

DATA = Path(__file__).resolve().parent.parent / "data" / "notification_templates_alerts_v1.json"


def forwards(apps, schema_editor):
    NotificationTemplate = apps.get_model("messaging", "NotificationTemplate")
    data = json.loads(DATA.read_text(encoding="utf-8"))
    now = timezone.now()
    for kind, texts in data["templates"].items():
        NotificationTemplate.objects.get_or_create(
            kind=kind,
            organization=None,
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
    dependencies = [("messaging", "0006_notification_texts_per_organisation")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
