"""Ship the reviewed completeness rules (data/completeness_v2.json) as published version 2: endoscopy counts
as a digestive exploration, the blood test is wished, not required; each row says whether it is required."""

import json
from pathlib import Path

from django.db import migrations
from django.utils import timezone

DATA = Path(__file__).resolve().parent.parent / "data" / "completeness_v2.json"


def load(apps, schema_editor):  # noqa: ARG001
    RuleSet = apps.get_model("referrals", "CompletenessRuleSet")
    Requirement = apps.get_model("referrals", "CompletenessRequirement")
    data = json.loads(DATA.read_text(encoding="utf-8"))
    if RuleSet.objects.filter(version=data["version"]).exists():
        return
    rule_set = RuleSet.objects.create(version=data["version"], source=data["source"], published_at=timezone.now())
    Requirement.objects.bulk_create(
        Requirement(
            rule_set=rule_set,
            suspected_site=row["site"],
            item=row["item"],
            required=row["required"],
            source=row["source"],
        )
        for row in data["requirements"]
    )


class Migration(migrations.Migration):
    dependencies = [("referrals", "0008_completeness_wished_items_not_done")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
