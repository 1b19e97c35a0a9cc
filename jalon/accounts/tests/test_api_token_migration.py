"""The migration that gives tokens scopes and an expiry keeps existing tokens working, for a while."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _migration_named(executor: MigrationExecutor, suffix: str) -> tuple[str, str]:
    """The accounts migration whose name ends with `suffix` (numbers may change when branches merge)."""
    (name,) = [name for app, name in executor.loader.disk_migrations if app == "accounts" and name.endswith(suffix)]
    return ("accounts", name)


def test_existing_tokens_get_every_scope_and_the_default_lifetime():
    """A token from before the migration may still submit and read, and expires 90 days after the migration."""
    executor = MigrationExecutor(connection)
    target = _migration_named(executor, "api_token_scopes_expiry_last_used")
    before = executor.loader.graph.node_map[target].parents
    (previous,) = [parent.key for parent in before if parent.key[0] == "accounts"]
    executor.migrate([previous])
    old_apps = executor.loader.project_state([previous]).apps
    user = old_apps.get_model("accounts", "User").objects.create(username="dr.ancien")
    old_apps.get_model("accounts", "ApiToken").objects.create(
        user=user, name="Ancien logiciel", key_prefix="jal_abcd", key_hash="0" * 64
    )

    executor = MigrationExecutor(connection)
    executor.migrate([target])
    new_apps = executor.loader.project_state([target]).apps
    token = new_apps.get_model("accounts", "ApiToken").objects.get()

    assert sorted(token.scopes) == ["read_status", "submit"]
    assert abs(token.expires_at - (timezone.now() + timedelta(days=90))) < timedelta(minutes=5)
    assert token.last_used_at is None

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
