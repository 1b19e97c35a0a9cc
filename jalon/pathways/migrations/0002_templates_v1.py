"""Ship the default pathway templates (data/templates_v1.json) as published version 1, and the
default alert policy as version 1.

Idempotent: a template whose version 1 already exists, or an alert policy version 1 already there,
is left alone; the reverse is a no-op. The file is checked before anything is written (`check`):
a template that refers to a later or unknown step, or to a step of a branch that may not exist
when it does, cannot be shipped.
"""

import json
from pathlib import Path

from django.db import migrations
from django.utils import timezone

DATA = Path(__file__).resolve().parent.parent / "data" / "templates_v1.json"

PHASES = {"diagnosis", "treatment", "return"}
BRANCHES = {"", "malignant", "not_malignant"}
ROLES = {"coordinator", "specialist", "radiologist", "pathologist", "surgeon", "oncologist", "tumour_board", "gp"}
UNITS = {"hours", "days", "working_days", "working_hours"}  # jalon.core.workcalendar.DELAY_UNITS

ALERT_POLICY_V1 = {
    "version": 1,
    "warning_horizon_hours": 24,
    "escalation_after_hours": 48,
    "lost_to_follow_up_days": 14,
    "source": (
        "seed 001, fiche 6 : le coordinateur évite les patients « perdus de vue » et doit « limiter les ruptures de parcours » ; "
        "seuils (alerte 24 h avant l'échéance, escalade après 48 h de retard, perdu de vue après 14 jours sans événement) : "
        "proposition Jalon, à valider"
    ),
}


def milestone_problems(milestones: list[dict]) -> list[str]:
    """Every reason this list of milestones cannot be shipped (empty when it can).

    A reference or a dependency must name a step of the same template with a lower order that exists
    whenever this one does: a branch step may refer to an always step or to a step of its own branch;
    an always step only to an always step.
    """
    problems = []
    by_code = {}
    for row in milestones:
        code = row["code"]
        if code in by_code:
            problems.append(f"{code} : code en double")
        by_code[code] = row
    orders = [row["order"] for row in milestones]
    if len(set(orders)) != len(orders):
        problems.append("ordres en double")
    for row in milestones:
        code = row["code"]
        if not row.get("label") or len(row["label"]) > 200:
            problems.append(f"{code} : libellé vide ou trop long")
        if row["phase"] not in PHASES:
            problems.append(f"{code} : phase inconnue {row['phase']!r}")
        if row["branch"] not in BRANCHES:
            problems.append(f"{code} : branche inconnue {row['branch']!r}")
        if row["responsible_role"] not in ROLES:
            problems.append(f"{code} : responsable inconnu {row['responsible_role']!r}")
        amount, unit = row.get("target_amount"), row.get("target_unit") or ""
        if (amount is None) != (not unit):
            problems.append(f"{code} : délai cible et unité vont ensemble")
        if unit and unit not in UNITS:
            problems.append(f"{code} : unité inconnue {unit!r}")
        if amount is not None and (not isinstance(amount, int) or amount < 0):
            problems.append(f"{code} : délai cible invalide")
        if amount is not None and not (row.get("source") or "").strip():
            problems.append(f"{code} : un délai cible doit citer sa source")
        if len(row.get("source") or "") > 300:
            problems.append(f"{code} : source de plus de 300 caractères")
        targets = [("reference_code", row["reference_code"])] if row.get("reference_code") else []
        targets += [("depends_on", target) for target in row.get("depends_on", [])]
        for field, target_code in targets:
            target = by_code.get(target_code)
            if target is None or target is row:
                problems.append(f"{code}.{field} : « {target_code} » n'est pas un autre jalon du modèle")
            elif target["order"] >= row["order"]:
                problems.append(f"{code}.{field} : « {target_code} » ne vient pas avant")
            elif target["branch"] and target["branch"] != row["branch"]:
                problems.append(f"{code}.{field} : « {target_code} » n'existe que dans la branche {target['branch']}")
    return problems


def check(data: dict) -> list[dict]:
    """The templates, or ValueError naming every problem when the file cannot be shipped as is."""
    problems = []
    kinds = [template["kind"] for template in data["templates"]]
    if len(set(kinds)) != len(kinds):
        problems.append("type de parcours en double")
    for template in data["templates"]:
        if not template["milestones"]:
            problems.append(f"{template['kind']} : aucun jalon")
        problems += [f"{template['kind']} / {problem}" for problem in milestone_problems(template["milestones"])]
    if problems:
        raise ValueError("Modèles de parcours invalides : " + " ; ".join(problems))
    return data["templates"]


def load(apps, schema_editor):  # noqa: ARG001
    PathwayTemplate = apps.get_model("pathways", "PathwayTemplate")
    PathwayTemplateVersion = apps.get_model("pathways", "PathwayTemplateVersion")
    MilestoneTemplate = apps.get_model("pathways", "MilestoneTemplate")
    AlertPolicy = apps.get_model("pathways", "AlertPolicy")
    data = json.loads(DATA.read_text(encoding="utf-8"))
    now = timezone.now()
    for template_data in check(data):
        template, _created = PathwayTemplate.objects.get_or_create(
            kind=template_data["kind"], defaults={"name": template_data["name"]}
        )
        if PathwayTemplateVersion.objects.filter(template=template, version=1).exists():
            continue
        version = PathwayTemplateVersion.objects.create(
            template=template,
            version=1,
            published_at=now,
            change_note="Version initiale livrée avec Jalon.",
            source=template_data["source"],
        )
        MilestoneTemplate.objects.bulk_create(
            MilestoneTemplate(
                template_version=version,
                code=row["code"],
                label=row["label"],
                order=row["order"],
                phase=row["phase"],
                branch=row["branch"],
                responsible_role=row["responsible_role"],
                required=row["required"],
                depends_on=list(row["depends_on"]),
                reference_code=row["reference_code"],
                target_amount=row["target_amount"],
                target_unit=row["target_unit"] or "",
                source=row["source"],
            )
            for row in template_data["milestones"]
        )
    if not AlertPolicy.objects.filter(version=ALERT_POLICY_V1["version"]).exists():
        AlertPolicy.objects.create(published_at=now, **ALERT_POLICY_V1)


class Migration(migrations.Migration):
    dependencies = [("pathways", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
