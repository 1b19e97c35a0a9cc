"""The shipped templates' version 3 (data/templates_v3.json, migration 0013, issue 16): the nurse's announcement
time (« temps d'accompagnement soignant », seed 003) is a step of the treatment branch of every template, after the
medical announcement consultation, with a sourced target; the file is loaded as it is; a pathway keeps its version."""

from __future__ import annotations

import importlib
import json

from jalon.core.actor import Actor
from jalon.pathways.models import Branch, MilestoneStatus, Outcome, PathwayTemplate
from jalon.pathways.services import milestone_record, pathway_record_outcome
from jalon.pathways.template_services import MILESTONE_FIELDS, template_version_validate
from jalon.pathways.tests.factories import pathway_build

migration = importlib.import_module("jalon.pathways.migrations.0013_templates_v3")
DATA = json.loads(migration.DATA.read_text(encoding="utf-8"))


def test_every_shipped_template_is_at_version_3_with_the_file_loaded_as_it_is(db):
    """Each template's current version is 3 and holds exactly the file's steps, field by field."""
    for template_data in DATA["templates"]:
        version = PathwayTemplate.objects.get(kind=template_data["kind"]).current_version()
        assert version.version == 3, template_data["kind"]
        stored = list(version.milestones.order_by("order").values(*MILESTONE_FIELDS))
        expected = [{name: row[name] for name in MILESTONE_FIELDS} for row in template_data["milestones"]]
        for row in expected:
            row["target_unit"] = row["target_unit"] or ""
        assert stored == expected, template_data["kind"]


def test_the_nurse_announcement_follows_the_medical_one_in_every_template(db):
    """Treatment branch, after the announcement consultation (it depends on it), 7 days after the board (P2), its
    source citing seed 003 and its delay marked to validate; a manager could publish the list as it is."""
    for template_data in DATA["templates"]:
        rows = {row["code"]: row for row in template_data["milestones"]}
        nurse = rows["nurse_announcement"]
        assert nurse["branch"] == Branch.MALIGNANT and nurse["phase"] == "treatment"
        assert nurse["depends_on"] == ["announcement"] and nurse["order"] == rows["announcement"]["order"] + 1
        assert (nurse["reference_code"], nurse["target_amount"], nurse["target_unit"]) == ("tumour_board", 7, "days")
        assert "Seed 003" in nurse["source"] and "proposition Jalon, à valider" in nurse["source"]
        assert "nurse_announcement" not in rows["treatment_start"]["depends_on"]
        template_version_validate(milestones=template_data["milestones"], change_note="v3")


def test_a_pathway_keeps_its_version_and_a_new_one_gets_the_step(submit, coordinator):
    """A pathway started on version 2 gets no nurse step when its treatment branch opens; one started now does,
    due from the tumour board once it is recorded."""
    actor = Actor(user=coordinator)
    old = pathway_build(submit, user=coordinator)
    old.template_version = old.template_version.template.versions.get(version=2)
    old.save(update_fields=["template_version"])
    new = pathway_build(submit, user=coordinator)
    assert new.template_version.version == 3

    for pathway in (old, new):
        pathway_record_outcome(actor=actor, pathway=pathway, outcome=Outcome.MALIGNANT)

    assert not old.milestones.filter(code="nurse_announcement").exists()
    nurse = new.milestones.get(code="nurse_announcement")
    assert nurse.status == MilestoneStatus.PENDING and nurse.due_at is not None
    board = new.milestones.get(code="tumour_board")
    for code in ("first_contact", "reception", "imaging", "biopsy", "pathology_final"):
        milestone_record(actor=actor, milestone=new.milestones.get(code=code), done_at=new.started_at)
    milestone_record(actor=actor, milestone=board, done_at=new.started_at)
    nurse.refresh_from_db()
    announcement = new.milestones.get(code="announcement")
    assert nurse.due_at >= announcement.due_at
