"""Idempotency keys of API POST requests: unique per user, with the request's fingerprint and the answer."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_api_token_scopes_expiry_last_used"),
    ]

    operations = [
        migrations.CreateModel(
            name="IdempotencyKey",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.CharField(max_length=255, verbose_name="clé")),
                ("request_hash", models.CharField(max_length=64, verbose_name="empreinte de la requête")),
                (
                    "status",
                    models.CharField(
                        choices=[("in_progress", "En cours"), ("completed", "Terminée")],
                        max_length=16,
                        verbose_name="état",
                    ),
                ),
                ("attempt", models.PositiveIntegerField(default=1)),
                ("locked_at", models.DateTimeField(verbose_name="traitement commencé le")),
                ("response_status", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("response_content_type", models.CharField(blank=True, max_length=100)),
                ("response_body", models.TextField(blank=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("completed_at", models.DateTimeField(blank=True, null=True)),
                ("expires_at", models.DateTimeField(db_index=True, verbose_name="expire le")),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "verbose_name": "clé d'idempotence",
                "verbose_name_plural": "clés d'idempotence",
                "constraints": [
                    models.UniqueConstraint(fields=("user", "key"), name="idempotency_key_unique_per_user")
                ],
            },
        ),
    ]
