"""Publish the shipped templates' version 2 (data/templates_v2.json, issue 14: urgency changes dates):
a target per priority on each step (P1 ≤ P2 ≤ P3, each sourced), the reception counted from the
request, the final pathology result never due before the intermediate one.

A template is given version 2 only when its current version is still the shipped version 1: a
template a manager has already edited keeps theirs (they add per-priority targets on the editing
page). Running pathways keep the version they started with. Idempotent; the reverse is a no-op.
"""

import json
from pathlib import Path

from django.db import migrations
from django.utils import timezone

from jalon.core.workcalendar import delay_never_longer

DATA = Path(__file__).resolve().parent.parent / "data" / "templates_v2.json"
PRIORITIES = ("P1", "P2", "P3")
UNITS = {"hours", "days", "working_days", "working_hours"}
REQUEST_REFERENCE = "request"
FIELDS = (
    "code",
    "label",
    "order",
    "phase",
    "branch",
    "responsible_role",
    "required",
    "depends_on",
    "reference_code",
    "target_amount",
    "target_unit",
    "source",
    "resource_kind",
    "same_day_group",
    "delay_by_priority",
    "priority_source",
    "follows",
)


def milestone_problems(milestones: list[dict]) -> list[str]:
    """Every reason this list cannot be shipped: references, dependencies and `follows` name earlier steps
    existing whenever this one does ("request" = the referral's reception); per-priority targets complete,
    ordered P1 ≤ P2 ≤ P3 and sourced."""
    problems = []
    by_code = {row["code"]: row for row in milestones}
    if len(by_code) != len(milestones):
        problems.append("code en double")
    for row in milestones:
        code = row["code"]
        targets = (
            [row["reference_code"]] if row["reference_code"] and row["reference_code"] != REQUEST_REFERENCE else []
        )
        for target_code in targets + list(row["depends_on"]) + list(row["follows"]):
            target = by_code.get(target_code)
            if (
                target is None
                or target["order"] >= row["order"]
                or (target["branch"] and target["branch"] != row["branch"])
            ):
                problems.append(f"{code} : « {target_code} » n'est pas un jalon antérieur compatible")
        by_priority = row["delay_by_priority"]
        if not by_priority:
            continue
        if set(by_priority) != set(PRIORITIES) or any(
            d["unit"] not in UNITS or d["amount"] < 0 for d in by_priority.values()
        ):
            problems.append(f"{code} : délais par priorité incomplets")
            continue
        delays = [(by_priority[p]["amount"], by_priority[p]["unit"]) for p in PRIORITIES]
        if not (delay_never_longer(delays[0], delays[1]) and delay_never_longer(delays[1], delays[2])):
            problems.append(f"{code} : P1 ≤ P2 ≤ P3 non respecté")
        source = row["priority_source"]
        if not ("seed" in source or "proposition Jalon, à valider" in source) or len(source) > 300:
            problems.append(f"{code} : source des délais par priorité manquante ou trop longue")
    return problems


def check(data: dict) -> list[dict]:
    problems = [f"{t['kind']} / {p}" for t in data["templates"] for p in milestone_problems(t["milestones"])]
    if problems:
        raise ValueError("Modèles de parcours v2 invalides : " + " ; ".join(problems))
    return data["templates"]


def load(apps, schema_editor):  # noqa: ARG001
    PathwayTemplate = apps.get_model("pathways", "PathwayTemplate")
    PathwayTemplateVersion = apps.get_model("pathways", "PathwayTemplateVersion")
    MilestoneTemplate = apps.get_model("pathways", "MilestoneTemplate")
    data = json.loads(DATA.read_text(encoding="utf-8"))
    now = timezone.now()
    for template_data in check(data):
        template = PathwayTemplate.objects.filter(kind=template_data["kind"]).first()
        if template is None or list(template.versions.values_list("version", flat=True)) != [1]:
            continue  # not shipped, already at version 2, or edited by a manager: theirs stays
        version = PathwayTemplateVersion.objects.create(
            template=template,
            version=2,
            published_at=now,
            change_note="Version 2 livrée avec Jalon : délais cibles selon la priorité, accueil compté depuis la demande.",
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
    dependencies = [("pathways", "0010_urgency_per_priority_targets")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
