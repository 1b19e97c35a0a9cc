"""Publish, as region-wide version 1, the shipped text of `pathology.requested` (issue 16: the pathologist is told
when a request is addressed to them), added to data/notification_templates_v1.json. Idempotent; reverse no-op."""

import json
from pathlib import Path

from django.db import migrations
from django.utils import timezone

DATA = Path(__file__).resolve().parent.parent / "data" / "notification_templates_v1.json"
KINDS = ("pathology.requested",)


def forwards(apps, schema_editor):  # noqa: ARG001
    NotificationTemplate = apps.get_model("messaging", "NotificationTemplate")
    data = json.loads(DATA.read_text(encoding="utf-8"))
    now = timezone.now()
    for kind in KINDS:
        texts = data["templates"][kind]
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
    dependencies = [("messaging", "0009_notification_templates_pathology")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
