"""API tokens get scopes, an expiry and a last-used date."""

import django.utils.timezone
from django.db import migrations, models

import jalon.accounts.models


def grant_existing_tokens_every_scope(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    ApiToken.objects.update(scopes=["read_status", "submit"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="apitoken",
            options={"verbose_name": "jeton d'API", "verbose_name_plural": "jetons d'API"},
        ),
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(default=jalon.accounts.models.default_token_expiry, verbose_name="expire le"),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="last_used_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="dernière utilisation"),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="scopes",
            field=models.JSONField(default=list, verbose_name="droits"),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="créé le"),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="key_prefix",
            field=models.CharField(db_index=True, max_length=8, verbose_name="début de la clé"),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="revoked_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="révoqué le"),
        ),
        # Tokens issued before scopes existed could do everything: they keep both scopes. They expire
        # API_TOKEN_LIFETIME_DAYS after this migration (the field's default, evaluated once for them).
        migrations.RunPython(grant_existing_tokens_every_scope, migrations.RunPython.noop),
    ]
