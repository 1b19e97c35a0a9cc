"""Say which resource each shipped step books and which steps share the diagnostic day.

Booking metadata only (no delay changes), so it is set on the shipped version 1 of each template:
the Gustave Roussy diagnostic day (seed 001, fiche 4): « consultation ... le matin, scanner et IRM
l'après-midi (jour 1), écho-endoscopie ou biopsie le lendemain (jour 2) ».
"""

from django.db import migrations

IMAGING_BY_TEMPLATE = {
    "lung": "ct",
    "pancreas_biliary": "ct",
    "liver": "mri",
    "digestive": "ct",
    "lymphoma": "ct",
    "glioblastoma": "mri",
    "generic": "ct",
    # breast (mammography, ultrasound) and thyroid (ultrasound) imaging are booked outside Jalon
}
BY_CODE = {
    "reception": ("consultation", "diagnostic_day"),
    "pet_ct": ("pet_ct", ""),
    "biopsy": ("biopsy", ""),
    "eus_biopsy": ("endoscopy", ""),
    "endoscopy": ("endoscopy", ""),
    "anaesthesia": ("anaesthesia", ""),
    "announcement": ("consultation", ""),
}


def forwards(apps, schema_editor):  # noqa: ARG001
    MilestoneTemplate = apps.get_model("pathways", "MilestoneTemplate")
    for step in MilestoneTemplate.objects.filter(template_version__version=1).select_related(
        "template_version__template"
    ):
        kind = step.template_version.template.kind
        if step.code == "imaging":
            resource_kind, group = IMAGING_BY_TEMPLATE.get(kind, ""), "diagnostic_day"
        else:
            resource_kind, group = BY_CODE.get(step.code, ("", ""))
        if resource_kind:
            step.resource_kind, step.same_day_group = resource_kind, group if resource_kind else ""
            step.save(update_fields=["resource_kind", "same_day_group"])


class Migration(migrations.Migration):
    dependencies = [("pathways", "0003_milestonetemplate_resource_kind_and_more")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
