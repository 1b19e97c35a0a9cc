"""Ship the triage rules v2 (data/rules_v2.json, issue 14: published referral criteria, imaging scores, history
facts) as published version 2, the active set; version 1 stays as it was, for the decisions that name it.

Idempotent (a version 2 already present is left alone); the reverse is a no-op. Checked like version 1
(0002_rules_v1.check: conditions valid for the engine, unique codes and orders, final catch-all).
"""

import importlib
import json
from pathlib import Path

from django.db import migrations
from django.utils import timezone

DATA = Path(__file__).resolve().parent.parent / "data" / "rules_v2.json"
check = importlib.import_module("jalon.triage.migrations.0002_rules_v1").check


def load(apps, schema_editor):  # noqa: ARG001
    RuleSet = apps.get_model("triage", "TriageRuleSet")
    Rule = apps.get_model("triage", "TriageRule")
    data = json.loads(DATA.read_text(encoding="utf-8"))
    if RuleSet.objects.filter(version=data["version"]).exists():
        return
    rules = check(data)
    rule_set = RuleSet.objects.create(
        version=data["version"],
        source=data["source"],
        note="Règles de tri v2 livrées avec Jalon : critères publiés (NICE NG12, HAS/INCa, seeds), scores d'imagerie, antécédents.",
        published_at=timezone.now(),
    )
    Rule.objects.bulk_create(
        Rule(
            rule_set=rule_set,
            order=rule["order"],
            code=rule["code"],
            label=rule["label"],
            comment=rule["comment"],
            conditions=rule["conditions"],
            pathway_kind=rule["pathway_kind"],
            priority=rule["priority"],
            first_tasks=rule["first_tasks"],
            source=rule["source"],
        )
        for rule in rules
    )


class Migration(migrations.Migration):
    dependencies = [("triage", "0003_rule_label")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
