"""A meeting cancelled from the managers' page keeps when, by whom and why; the shipped text of the notification
kind this app adds (`board.meeting_cancelled`: a case carried to the next meeting, to its coordinators) is published
as region-wide version 1. The data step is idempotent; its reverse a no-op."""

import json
from pathlib import Path

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

DATA = Path(__file__).resolve().parents[2] / "messaging" / "data" / "notification_templates_v1.json"
KINDS = ("board.meeting_cancelled",)


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
        ("boards", "0002_publish_care_plan_sent_text"),
        ("messaging", "0008_notification_templates_rebooked"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="boardmeeting",
            name="cancel_reason",
            field=models.CharField(blank=True, max_length=300, verbose_name="motif de l'annulation"),
        ),
        migrations.AddField(
            model_name="boardmeeting",
            name="cancelled_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="annulée le"),
        ),
        migrations.AddField(
            model_name="boardmeeting",
            name="cancelled_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
