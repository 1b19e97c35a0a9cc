"""The shipped pathway templates (data/templates_v1.json, loaded by migration 0002): one per pathway kind,
well-formed references, branches respected, every delay sourced, the common steps shared."""

from __future__ import annotations

import importlib
import json

import pytest

from jalon.core.vocabulary import PathwayKind
from jalon.pathways.models import AlertPolicy, Branch, MilestoneTemplate, PathwayTemplate, Phase
from jalon.pathways.template_services import template_version_validate

migration = importlib.import_module("jalon.pathways.migrations.0002_templates_v1")
DATA = json.loads(migration.DATA.read_text(encoding="utf-8"))

COMMON_CODES = {
    "first_contact",
    "reception",
    "imaging",
    "tumour_board",
    "announcement",
    "treatment_start",
    "return_to_gp",
}
TREATMENT_CODES = {"tumour_board", "announcement", "treatment_start"}


def shipped_versions():
    """The version 1 of every template, as loaded by the migration."""
    return {template.kind: template.versions.get(version=1) for template in PathwayTemplate.objects.all()}


def test_it_ships_a_published_template_for_every_pathway_kind(db):
    """Every PathwayKind has a template whose version 1 is published with its milestones and its source."""
    versions = shipped_versions()
    assert set(versions) == set(PathwayKind.values)
    for kind, version in versions.items():
        assert version.published_at is not None, kind
        assert version.source.strip(), kind
        assert 8 <= version.milestones.count() <= 12, kind


def test_it_loads_the_file_as_it_is(db):
    """The database holds exactly the milestones of the JSON file, field by field."""
    versions = shipped_versions()
    fields = [
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
    ]
    for template in DATA["templates"]:
        stored = list(versions[template["kind"]].milestones.order_by("order").values(*fields))
        assert stored == [{name: row[name] for name in fields} for row in template["milestones"]], template["kind"]


def test_it_refers_only_to_earlier_existing_steps(db):
    """Every reference_code and depends_on names another step of the same version with a lower order."""
    for kind, version in shipped_versions().items():
        order_of = dict(version.milestones.values_list("code", "order"))
        for milestone in version.milestones.all():
            targets = ([milestone.reference_code] if milestone.reference_code else []) + list(milestone.depends_on)
            for code in targets:
                assert code in order_of, (kind, milestone.code, code)
                assert order_of[code] < milestone.order, (kind, milestone.code, code)


def test_it_respects_the_branch_rule(db):
    """Diagnosis steps are always there; treatment steps only if malignant; the return to the GP only if
    not malignant; a step refers only to steps that exist whenever it does."""
    for kind, version in shipped_versions().items():
        by_code = {milestone.code: milestone for milestone in version.milestones.all()}
        for milestone in by_code.values():
            expected = {
                Phase.DIAGNOSIS: Branch.ALWAYS,
                Phase.TREATMENT: Branch.MALIGNANT,
                Phase.RETURN: Branch.NOT_MALIGNANT,
            }[milestone.phase]
            assert milestone.branch == expected, (kind, milestone.code)
            for code in ([milestone.reference_code] if milestone.reference_code else []) + list(milestone.depends_on):
                assert by_code[code].branch in (Branch.ALWAYS, milestone.branch), (kind, milestone.code, code)
        assert {code for code, m in by_code.items() if m.branch == Branch.MALIGNANT} >= TREATMENT_CODES, kind
        assert by_code["return_to_gp"].branch == Branch.NOT_MALIGNANT, kind


def test_it_cites_a_source_for_every_delay(db):
    """A milestone with a target delay has its unit and a source citing a seed or saying it is a proposal."""
    delayed = MilestoneTemplate.objects.filter(template_version__version=1, target_amount__isnull=False)
    assert delayed.count() > 80
    for milestone in delayed:
        assert milestone.target_unit, milestone.code
        assert "seed" in milestone.source or "proposition Jalon" in milestone.source, (
            milestone.template_version,
            milestone.code,
        )
    for milestone in MilestoneTemplate.objects.filter(template_version__version=1, target_amount__isnull=True):
        assert milestone.target_unit == "", milestone.code


def test_it_uses_the_same_codes_for_the_common_steps(db):
    """Indicators compare templates through shared codes: each template has the common steps."""
    for kind, version in shipped_versions().items():
        codes = set(version.milestones.values_list("code", flat=True))
        assert codes >= COMMON_CODES | {"biopsy", "pathology_final"}, (kind, COMMON_CODES - codes)


@pytest.mark.parametrize(
    ("code", "amount", "unit", "reference"),
    [
        ("reception", 48, "working_hours", ""),
        ("imaging", 12, "hours", "reception"),
        ("pathology_preliminary", 4, "working_days", "biopsy"),
        ("announcement", 7, "days", "tumour_board"),
        ("treatment_start", 14, "days", "tumour_board"),
        ("return_to_gp", 2, "working_days", "pathology_final"),
    ],
)
def test_it_gives_every_template_the_seed_delays(db, code, amount, unit, reference):
    """The seed delays shared by every template: reception in 48 working hours, imaging the same day,
    the intermediate pathology result at D+4, and the proposals after the tumour board."""
    for kind, version in shipped_versions().items():
        milestone = version.milestones.get(code=code)
        assert (milestone.target_amount, milestone.target_unit, milestone.reference_code) == (
            amount,
            unit,
            reference,
        ), kind


def test_it_targets_the_tumour_board_seven_days_after_reception_on_the_fast_track(db):
    """Fiche 4: complete diagnosis in 7 days, before the tumour board (except where the pathology cannot
    be done in time: lymphoma and glioblastoma count from the final result)."""
    for kind, version in shipped_versions().items():
        milestone = version.milestones.get(code="tumour_board")
        expected_reference = "pathology_final" if kind in ("lymphoma", "glioblastoma") else "reception"
        assert (milestone.target_amount, milestone.target_unit, milestone.reference_code) == (
            7,
            "days",
            expected_reference,
        ), kind


def test_it_passes_the_checks_of_the_migration_and_of_the_editing_pages(db):
    """The file passes the migration's check and the validation a manager's edit goes through, so a
    manager can republish any shipped template unchanged."""
    assert len(migration.check(DATA)) == len(PathwayKind.values)
    for template in DATA["templates"]:
        template_version_validate(milestones=template["milestones"], change_note="Republication")


def test_it_refuses_a_reference_to_a_later_or_branch_step():
    """The migration's check names a reference to a later step and an always step depending on a branch step."""
    rows = [
        {
            "code": "reception",
            "label": "Accueil",
            "order": 1,
            "phase": "diagnosis",
            "branch": "",
            "responsible_role": "specialist",
            "depends_on": [],
            "reference_code": "imaging",
            "target_amount": None,
            "target_unit": "",
            "source": "",
        },
        {
            "code": "imaging",
            "label": "Imagerie",
            "order": 2,
            "phase": "diagnosis",
            "branch": "",
            "responsible_role": "radiologist",
            "depends_on": ["tumour_board"],
            "reference_code": "",
            "target_amount": 1,
            "target_unit": "days",
            "source": "",
        },
        {
            "code": "tumour_board",
            "label": "RCP",
            "order": 3,
            "phase": "treatment",
            "branch": "malignant",
            "responsible_role": "tumour_board",
            "depends_on": [],
            "reference_code": "",
            "target_amount": None,
            "target_unit": "",
            "source": "",
        },
    ]
    problems = " ".join(migration.milestone_problems(rows))
    assert "reception.reference_code : « imaging » ne vient pas avant" in problems
    assert "imaging.depends_on : « tumour_board »" in problems
    assert "imaging : un délai cible doit citer sa source" in problems
    with pytest.raises(ValueError):
        migration.check({"templates": [{"kind": "lung", "milestones": rows}]})


def test_it_ships_the_default_alert_policy(db):
    """Alert policy v1: warning 24 h before, escalation after 48 h overdue, lost to follow-up after 14 days, sourced."""
    policy = AlertPolicy.objects.get(version=1)
    assert (policy.warning_horizon_hours, policy.escalation_after_hours, policy.lost_to_follow_up_days) == (24, 48, 14)
    assert policy.published_at is not None and "seed 001" in policy.source


def test_it_is_idempotent(db):
    """Running the loader again changes nothing: the shipped versions are there once."""
    from django.apps import apps

    counts = (PathwayTemplate.objects.count(), MilestoneTemplate.objects.count(), AlertPolicy.objects.count())
    migration.load(apps, None)
    assert (PathwayTemplate.objects.count(), MilestoneTemplate.objects.count(), AlertPolicy.objects.count()) == counts
