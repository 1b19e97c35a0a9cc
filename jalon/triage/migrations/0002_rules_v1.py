"""Ship the default triage rules (data/rules_v1.json) as published version 1.

Idempotent (a version 1 already present is left alone); the reverse is a no-op. Each rule's
conditions are checked with the engine's validate_conditions, and a set that does not end with the
catch-all (empty conditions) is refused: every referral must get a proposal.
"""

import json
from pathlib import Path

from django.db import migrations
from django.utils import timezone

DATA = Path(__file__).resolve().parent.parent / "data" / "rules_v1.json"


def check(data: dict) -> list[dict]:
    """The rules in order, or ValueError when the file cannot be shipped as is."""
    from jalon.triage.engine import validate_conditions  # no models in there: safe in a data migration

    rules = sorted(data["rules"], key=lambda rule: rule["order"])
    if not rules or rules[-1]["conditions"] != {}:
        raise ValueError("Le jeu de règles de tri doit se terminer par une règle sans condition (règle par défaut).")
    codes = [rule["code"] for rule in rules]
    if len(set(codes)) != len(codes):
        raise ValueError("Codes de règle en double dans le jeu de règles de tri.")
    orders = [rule["order"] for rule in rules]
    if len(set(orders)) != len(orders):
        raise ValueError("Ordres de règle en double dans le jeu de règles de tri.")
    for rule in rules:
        try:
            validate_conditions(rule["conditions"])
        except Exception as error:
            raise ValueError(f"Règle {rule['code']} : {error}") from error
    return rules


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
        note="Jeu de règles par défaut livré avec Jalon.",
        published_at=timezone.now(),
    )
    Rule.objects.bulk_create(
        Rule(
            rule_set=rule_set,
            order=rule["order"],
            code=rule["code"],
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
    dependencies = [("triage", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
