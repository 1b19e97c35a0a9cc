"""Publish the shipped templates' version 3 (data/templates_v3.json, issue 16): the nurse's announcement time
(« temps d'accompagnement soignant », seed 003) becomes a step of the treatment branch, after the medical
announcement consultation, with its target delay (tracked, overdue alerts, indicators, the PPS calendar).

Like migration 0011: a template is given version 3 only when its versions are still exactly the shipped 1 and 2;
a template a manager has edited keeps theirs (they can add the step on the editing page). Running pathways keep
the version they started with (the tumour-board decision then adds the nurse's time as a task, as before).
The file's rows are checked with 0011's rules. Idempotent; the reverse is a no-op.
"""

import importlib
import json
from pathlib import Path

from django.db import migrations
from django.utils import timezone

DATA = Path(__file__).resolve().parent.parent / "data" / "templates_v3.json"
v2 = importlib.import_module("jalon.pathways.migrations.0011_templates_v2")
FIELDS = (*v2.FIELDS, "specialty")


def load(apps, schema_editor):  # noqa: ARG001
    PathwayTemplate = apps.get_model("pathways", "PathwayTemplate")
    PathwayTemplateVersion = apps.get_model("pathways", "PathwayTemplateVersion")
    MilestoneTemplate = apps.get_model("pathways", "MilestoneTemplate")
    data = json.loads(DATA.read_text(encoding="utf-8"))
    now = timezone.now()
    for template_data in v2.check(data):
        template = PathwayTemplate.objects.filter(kind=template_data["kind"]).first()
        if template is None or sorted(template.versions.values_list("version", flat=True)) != [1, 2]:
            continue  # not shipped, already at version 3, or edited by a manager: theirs stays
        version = PathwayTemplateVersion.objects.create(
            template=template,
            version=3,
            published_at=now,
            change_note=(
                "Version 3 livrée avec Jalon : le temps d'accompagnement soignant (annonce infirmière) devient une "
                "étape du parcours, après la consultation d'annonce."
            ),
            source=template_data["source"],
        )
        MilestoneTemplate.objects.bulk_create(
            MilestoneTemplate(
                template_version=version,
                **{name: row[name] or ("" if name == "target_unit" else row[name]) for name in FIELDS},
            )
            for row in template_data["milestones"]
        )


class Migration(migrations.Migration):
    dependencies = [("pathways", "0012_step_specialties")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
