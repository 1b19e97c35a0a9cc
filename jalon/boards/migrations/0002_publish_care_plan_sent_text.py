"""Publish, as region-wide version 1, the shipped text of the notification kind this app added to
messaging's data/notification_templates_v1.json (`care_plan.sent`: the PPS to the GP). Idempotent; reverse no-op."""

import json
from pathlib import Path

from django.db import migrations
from django.utils import timezone

DATA = Path(__file__).resolve().parents[2] / "messaging" / "data" / "notification_templates_v1.json"
KINDS = ("care_plan.sent",)


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
    dependencies = [
        ("boards", "0001_boards_meetings_cases_decisions_care_plans"),
        ("messaging", "0008_notification_templates_rebooked"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
