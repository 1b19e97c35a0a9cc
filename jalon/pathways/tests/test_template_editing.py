"""Template editing pages and template_version_create: a new version each time, running pathways keep theirs."""

from __future__ import annotations

import html
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from conftest import identity
from jalon.accounts.models import AuditRecord
from jalon.core.actor import Actor
from jalon.pathways.models import MilestoneTemplate, PathwayTemplate, PathwayTemplateVersion
from jalon.pathways.services import pathway_record_outcome, pathway_start
from jalon.pathways.template_services import (
    MILESTONE_FIELDS,
    TemplateVersionInvalid,
    milestone_as_dict,
    template_version_create,
)
from jalon.testing.factories import letters_name, make_ins

PARIS = ZoneInfo("Europe/Paris")
MONDAY_9H = datetime(2026, 11, 16, 9, 0, tzinfo=PARIS)


@pytest.fixture
def lung_version(db):
    """A published lung template version of our own (numbered after any shipped one): first contact
    within 24 h, reception 2 working days after it, and a malignant-branch treatment start."""
    template, _ = PathwayTemplate.objects.get_or_create(kind="lung", defaults={"name": "Poumon"})
    number = (template.versions.aggregate(last=Max("version"))["last"] or 0) + 1
    version = PathwayTemplateVersion.objects.create(
        template=template, version=number, published_at=timezone.now(), source="Seed 001, fiche 3"
    )
    MilestoneTemplate.objects.create(
        template_version=version,
        code="first_contact",
        label="Premier contact",
        order=1,
        responsible_role="coordinator",
        target_amount=24,
        target_unit="hours",
        source="Seed 000 : accueil sous 48 h",
    )
    MilestoneTemplate.objects.create(
        template_version=version,
        code="reception",
        label="Accueil",
        order=2,
        responsible_role="specialist",
        depends_on=["first_contact"],
        reference_code="first_contact",
        target_amount=2,
        target_unit="working_days",
    )
    MilestoneTemplate.objects.create(
        template_version=version,
        code="treatment_start",
        label="Début du traitement",
        order=3,
        phase="treatment",
        branch="malignant",
        responsible_role="oncologist",
        reference_code="reception",
        target_amount=30,
        target_unit="days",
    )
    return version


def rows_of(version: PathwayTemplateVersion) -> list[dict]:
    return [milestone_as_dict(m) for m in version.milestones.order_by("order")]


def post_data(
    rows: list[dict], change_note: str = "Premier contact sous 48 h", initial_forms: int | None = None
) -> dict:
    """The new-version form as a browser posts it (a checkbox is sent only when ticked)."""
    data = {
        "milestones-TOTAL_FORMS": str(len(rows)),
        "milestones-INITIAL_FORMS": str(len(rows) if initial_forms is None else initial_forms),
        "milestones-MIN_NUM_FORMS": "0",
        "milestones-MAX_NUM_FORMS": "100",
        "change_note": change_note,
    }
    for index, row in enumerate(rows):
        for name in MILESTONE_FIELDS:
            value = row.get(name)
            key = f"milestones-{index}-{name}"
            if name == "required":
                if value:
                    data[key] = "on"
            elif name in ("depends_on", "follows"):
                data[key] = ", ".join(value or [])
            elif name == "delay_by_priority":
                for priority, delay in (value or {}).items():
                    data[f"milestones-{index}-{priority.lower()}_amount"] = str(delay["amount"])
                    data[f"milestones-{index}-{priority.lower()}_unit"] = delay["unit"]
            else:
                data[key] = "" if value is None else str(value)
        if row.get("DELETE"):
            data[f"milestones-{index}-DELETE"] = "on"
    return data


def page_text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def start_lung_pathway(submit, coordinator):
    """Start a lung pathway for a new patient (seed makes each patient distinct)."""

    def _start(seed: int):
        patient = identity(
            birth_name=letters_name("Patient", seed), ins=make_ins(sex="F", birth_date=date(1956, 3, 12), seed=seed)
        )
        referral = submit(patient=patient).referral
        referral.pathway_kind = "lung"
        referral.save(update_fields=["pathway_kind"])
        return pathway_start(actor=Actor(user=coordinator), referral=referral, priority="P2")

    return _start


def test_it_publishes_a_new_version_and_running_pathways_keep_theirs(client, manager, lung_version, start_lung_pathway):
    """Editing through the page publishes v+1; a pathway started before keeps v and its due dates, one started after
    uses v+1."""
    with time_machine.travel(MONDAY_9H, tick=False):
        old_pathway = start_lung_pathway(seed=11)
    due_before = dict(old_pathway.milestones.values_list("code", "due_at"))

    rows = rows_of(lung_version)
    rows[0]["target_amount"] = 48
    client.force_login(manager)
    with time_machine.travel(MONDAY_9H + timedelta(hours=2), tick=False):
        response = client.post(reverse("pathway_templates:version_new", args=["lung"]), post_data(rows))
    new_version = PathwayTemplateVersion.objects.get(template=lung_version.template, version=lung_version.version + 1)
    assert response.status_code == 302
    assert response.url == reverse("pathway_templates:version", args=["lung", new_version.version])
    assert new_version.published_at is not None and new_version.created_by_id == manager.pk
    assert new_version.change_note == "Premier contact sous 48 h"
    assert new_version.source == "Seed 001, fiche 3"
    assert new_version.milestones.get(code="first_contact").target_amount == 48
    assert new_version.milestones.get(code="reception").depends_on == ["first_contact"]
    assert lung_version.template.current_version() == new_version
    assert lung_version.milestones.get(code="first_contact").target_amount == 24  # the old version is untouched
    assert AuditRecord.objects.filter(
        object_type="pathway_template_version", object_id=str(new_version.pk), actor=manager
    ).exists()

    old_pathway.refresh_from_db()
    assert old_pathway.template_version_id == lung_version.pk
    assert dict(old_pathway.milestones.values_list("code", "due_at")) == due_before
    assert due_before["first_contact"] == MONDAY_9H + timedelta(hours=24)

    with time_machine.travel(MONDAY_9H + timedelta(hours=3), tick=False):
        new_pathway = start_lung_pathway(seed=12)
    assert new_pathway.template_version_id == new_version.pk
    assert new_pathway.milestones.get(code="first_contact").due_at == MONDAY_9H + timedelta(hours=3 + 48)


def test_it_takes_an_old_pathway_down_its_own_version_branch(manager, coordinator, lung_version, start_lung_pathway):
    """A cancer confirmed after v+1 is published adds the treatment milestones of the pathway's own version."""
    with time_machine.travel(MONDAY_9H, tick=False):
        pathway = start_lung_pathway(seed=13)
    rows = rows_of(lung_version)
    rows[2].update(code="treatment_first_day", target_amount=15)
    template_version_create(
        actor=Actor(user=manager),
        template=lung_version.template,
        milestones=rows,
        change_note="Traitement sous 15 jours",
    )
    with time_machine.travel(MONDAY_9H + timedelta(days=1), tick=False):
        pathway_record_outcome(actor=Actor(user=coordinator), pathway=pathway, outcome="malignant")
    treatment = pathway.milestones.get(code="treatment_start")
    assert treatment.template.template_version_id == lung_version.pk
    assert not pathway.milestones.filter(code="treatment_first_day").exists()


def test_it_prefills_the_form_with_the_current_milestones(client, manager, lung_version):
    """The new-version page lists every current milestone, ready to edit, plus blank rows to add."""
    client.force_login(manager)
    response = client.get(reverse("pathway_templates:version_new", args=["lung"]))
    text = page_text(response)
    assert response.status_code == 200
    assert 'value="first_contact"' in text and 'value="treatment_start"' in text
    assert 'name="milestones-INITIAL_FORMS" value="3"' in text
    assert 'name="milestones-TOTAL_FORMS" value="6"' in text
    assert "Nature de la modification" in text


def test_it_deletes_and_adds_rows(client, manager, lung_version):
    """A row ticked for deletion is left out, a filled blank row is added, and blank extra rows are ignored."""
    rows = rows_of(lung_version)
    rows[2]["DELETE"] = True
    added = {
        "code": "imaging",
        "label": "Scanner thoraco-abdominal",
        "order": 3,
        "phase": "diagnosis",
        "branch": "",
        "responsible_role": "radiologist",
        "required": True,
        "depends_on": ["reception"],
        "reference_code": "reception",
        "target_amount": 5,
        "target_unit": "working_days",
        "source": "Seed 001 : J+5",
    }
    blank = {"phase": "diagnosis", "required": True}
    client.force_login(manager)
    response = client.post(
        reverse("pathway_templates:version_new", args=["lung"]), post_data([*rows, added, blank], initial_forms=3)
    )
    assert response.status_code == 302
    new_version = lung_version.template.current_version()
    assert list(new_version.milestones.order_by("order").values_list("code", flat=True)) == [
        "first_contact",
        "reception",
        "imaging",
    ]
    assert new_version.milestones.get(code="imaging").target_unit == "working_days"


@pytest.mark.parametrize(
    ("row_index", "change", "field", "message"),
    [
        (1, {"code": "first_contact"}, "code", "Le code « first_contact » est déjà utilisé"),
        (1, {"reference_code": "treatment_start"}, "reference_code", "« treatment_start » doit venir avant ce jalon"),
        (1, {"depends_on": ["nowhere"]}, "depends_on", "« nowhere » n'est le code d'aucun autre jalon"),
        (0, {"target_unit": ""}, "target_unit", "Indiquez à la fois le délai cible et son unité"),
        (2, {"target_amount": None}, "target_amount", "Indiquez à la fois le délai cible et son unité"),
    ],
)
def test_it_refuses_an_invalid_row_and_saves_nothing(client, manager, lung_version, row_index, change, field, message):
    """Each refusal shows a French message on the row and field concerned, and no version is created."""
    rows = rows_of(lung_version)
    rows[row_index].update(change)
    versions, milestones = PathwayTemplateVersion.objects.count(), MilestoneTemplate.objects.count()
    client.force_login(manager)
    response = client.post(reverse("pathway_templates:version_new", args=["lung"]), post_data(rows))
    assert response.status_code == 400
    form = response.context["formset"].forms[row_index]
    assert any(message in error for error in form.errors[field])
    assert message in page_text(response)
    assert "La nouvelle version n'est pas enregistrée" in page_text(response)
    assert (PathwayTemplateVersion.objects.count(), MilestoneTemplate.objects.count()) == (versions, milestones)
    assert lung_version.template.current_version() == lung_version


def test_it_refuses_an_always_milestone_referencing_a_branch_one(client, manager, lung_version):
    """A milestone every pathway has cannot count its delay from a milestone only the malignant branch has."""
    rows = rows_of(lung_version)
    rows.append(
        {
            "code": "gp_letter",
            "label": "Courrier au médecin traitant",
            "order": 4,
            "phase": "return",
            "branch": "",
            "responsible_role": "coordinator",
            "required": True,
            "depends_on": [],
            "reference_code": "treatment_start",
            "target_amount": 2,
            "target_unit": "days",
            "source": "",
        }
    )
    client.force_login(manager)
    response = client.post(reverse("pathway_templates:version_new", args=["lung"]), post_data(rows, initial_forms=3))
    assert response.status_code == 400
    errors = response.context["formset"].forms[3].errors["reference_code"]
    assert any("un jalon commun à tous les parcours ne peut pas s'y référer" in error for error in errors)
    assert lung_version.template.current_version() == lung_version


def test_it_requires_a_change_note(client, manager, lung_version):
    """Without a change note nothing is published and the note field says why, in French."""
    client.force_login(manager)
    response = client.post(
        reverse("pathway_templates:version_new", args=["lung"]), post_data(rows_of(lung_version), change_note="  ")
    )
    assert response.status_code == 400
    assert "Décrivez la modification" in page_text(response)
    assert lung_version.template.current_version() == lung_version


def test_it_collects_every_error_at_once_in_the_service(manager, lung_version):
    """template_version_create reports all problems by row and field, and writes nothing."""
    rows = rows_of(lung_version)
    rows[0]["code"] = "reception"
    rows[1]["target_unit"] = "fortnights"
    count = PathwayTemplateVersion.objects.count()
    with pytest.raises(TemplateVersionInvalid) as raised:
        template_version_create(
            actor=Actor(user=manager), template=lung_version.template, milestones=rows, change_note=""
        )
    assert set(raised.value.fields) == {"change_note"}
    assert "code" in raised.value.rows[1]
    assert "target_unit" in raised.value.rows[1]
    assert PathwayTemplateVersion.objects.count() == count


def test_it_lists_templates_with_running_pathways_per_version(
    client, manager, lung_version, start_lung_pathway, django_assert_max_num_queries
):
    """The list shows each template's current version and how many pathways run on each version."""
    with time_machine.travel(MONDAY_9H, tick=False):
        start_lung_pathway(seed=21)
        start_lung_pathway(seed=22)
    client.force_login(manager)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("pathway_templates:list"))
    text = page_text(response)
    assert response.status_code == 200
    assert f"v{lung_version.version}</a> : 2 parcours en cours" in text
    assert reverse("pathway_templates:version_new", args=["lung"]) in text


def test_it_shows_a_version_with_its_milestones(client, admin_user, lung_version):
    """The version page lists each milestone with its responsible, dependencies, reference, delay and source."""
    client.force_login(admin_user)
    response = client.get(reverse("pathway_templates:version", args=["lung", lung_version.version]))
    text = page_text(response)
    assert response.status_code == 200
    for expected in (
        "Premier contact",
        "24 heures",
        "2 jours ouvrés",
        "Seed 000 : accueil sous 48 h",
        "Si cancer confirmé",
        "Oncologue",
        "en vigueur",
    ):
        assert expected in text


def test_it_answers_404_for_an_unknown_template_or_version(client, manager, lung_version):
    """An unknown kind or version number is a 404."""
    client.force_login(manager)
    assert client.get(reverse("pathway_templates:version", args=["lung", 999])).status_code == 404
    assert client.get(reverse("pathway_templates:version_new", args=["nothing"])).status_code == 404


@pytest.mark.parametrize("persona", ["coordinator", "gp"])
def test_it_refuses_other_roles(client, request, lung_version, persona):
    """Coordinators and GPs cannot see or edit templates (403), and nothing is saved."""
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("pathway_templates:list")).status_code == 403
    assert client.get(reverse("pathway_templates:version", args=["lung", lung_version.version])).status_code == 403
    response = client.post(reverse("pathway_templates:version_new", args=["lung"]), post_data(rows_of(lung_version)))
    assert response.status_code == 403
    assert lung_version.template.current_version() == lung_version


def test_it_shows_the_manager_the_menu_entries(client, manager):
    """Managers reach both configuration pages from the menu."""
    client.force_login(manager)
    text = page_text(client.get(reverse("pathway_templates:list")))
    assert reverse("pathway_templates:list") in text and reverse("triage_rules:published") in text


def test_it_keeps_the_booking_metadata_in_a_new_version(client, manager, lung_version):
    """A new version carries each step's resource kind and same-day group unless the manager changes them."""
    lung_version.milestones.filter(code="reception").update(
        resource_kind="consultation", same_day_group="diagnostic_day"
    )
    client.force_login(manager)
    rows = rows_of(lung_version)
    response = client.post("/modeles-de-parcours/lung/nouvelle-version/", post_data(rows))
    assert response.status_code == 302, page_text(response)
    newest = PathwayTemplate.objects.get(kind="lung").current_version()
    reception = newest.milestones.get(code="reception")
    assert (reception.resource_kind, reception.same_day_group) == ("consultation", "diagnostic_day")
    bad = rows_of(lung_version)
    bad[1]["resource_kind"] = "teleportation"
    assert "Sélectionnez un choix valide" in page_text(
        client.post("/modeles-de-parcours/lung/nouvelle-version/", post_data(bad))
    )
