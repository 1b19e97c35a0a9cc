"""Say which specialty the booked consultations of the shipped templates need (issue 14, item 5).

The planner's first proposal for a lung patient booked the « pneumology » reception on an oncology
clinic: a consultation step now names the specialty of the service whose resource it books
(`Resource.service.specialty`). The reception is held by the organ's specialist, as the step labels of
the shipped templates say (« Première consultation de pneumologie », « Consultation de sénologie »...;
seed 001, fiche 4: « consultation ... le matin » by the team of the organ); the announcement by medical
oncology (« Consultation d'annonce », oncologist). Imaging, PET-CT, endoscopy, biopsy and anaesthesia
keep any service of their resource kind. Set on every version whose step has no specialty yet (the
field is new: no manager could have chosen one).
"""

from django.db import migrations

RECEPTION = {
    "lung": "pneumology",
    "pancreas_biliary": "gastroenterology",
    "liver": "gastroenterology",
    "digestive": "gastroenterology",
    "breast": "senology",
    "lymphoma": "haematology",
    "thyroid": "endocrinology",
    "glioblastoma": "neuro_oncology",
    "generic": "medical_oncology",
}
BY_CODE = {"announcement": "medical_oncology"}


def forwards(apps, schema_editor):  # noqa: ARG001
    MilestoneTemplate = apps.get_model("pathways", "MilestoneTemplate")
    steps = MilestoneTemplate.objects.filter(specialty="", resource_kind="consultation").select_related(
        "template_version__template"
    )
    for step in steps:
        kind = step.template_version.template.kind
        specialty = RECEPTION.get(kind, "") if step.code == "reception" else BY_CODE.get(step.code, "")
        if specialty:
            step.specialty = specialty
            step.save(update_fields=["specialty"])


class Migration(migrations.Migration):
    dependencies = [("pathways", "0011_templates_v2")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
