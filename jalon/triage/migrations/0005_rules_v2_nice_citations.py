"""Correct the NICE NG12 recommendation numbers cited by the published triage rules v2 (data/rules_v2.json).

The numbers were those of the 2015 text; the May 2025 update renumbered section 1.2 (jaundice 1.2.2 → 1.2.4, liver
1.2.7 → 1.2.11, dysphagia now 1.2.1 and 1.2.7) and section-only citations (§1.5, §1.10...) now name their
recommendation (docs/triage-criteria.md, « Vérification des numéros NICE »). Only the citation changes: the `source`
of the set and of each rule, copied from the JSON, never a condition, a priority, a pathway or a task, so every
proposal and every decision already taken stays what it was and v2 stays the published version. A database where
0004 already loaded the corrected file has nothing to change; the reverse is a no-op.
"""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "rules_v2.json"


def correct_citations(apps, schema_editor):  # noqa: ARG001
    RuleSet = apps.get_model("triage", "TriageRuleSet")
    Rule = apps.get_model("triage", "TriageRule")
    data = json.loads(DATA.read_text(encoding="utf-8"))
    rule_set = RuleSet.objects.filter(version=data["version"]).first()
    if rule_set is None:
        return
    if rule_set.source != data["source"]:
        RuleSet.objects.filter(pk=rule_set.pk).update(source=data["source"])
    for rule in data["rules"]:
        Rule.objects.filter(rule_set=rule_set, code=rule["code"]).exclude(source=rule["source"]).update(
            source=rule["source"]
        )


class Migration(migrations.Migration):
    dependencies = [("triage", "0004_rules_v2")]
    operations = [migrations.RunPython(correct_citations, migrations.RunPython.noop)]
