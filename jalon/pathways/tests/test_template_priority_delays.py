"""The manager's template editing page shows and takes a target per priority (P1 ≤ P2 ≤ P3, sourced) and
refuses, in French, a higher priority that would wait longer."""

from __future__ import annotations

import html
from datetime import timedelta

import time_machine
from django.urls import reverse

from jalon.pathways.models import PathwayTemplate, PathwayTemplateVersion
from jalon.pathways.template_services import TemplateVersionInvalid, template_version_validate
from jalon.pathways.tests.test_template_editing import MONDAY_9H, lung_version, post_data, rows_of  # noqa: F401


def test_it_shows_the_per_priority_targets_of_the_shipped_version(client, manager):
    client.force_login(manager)
    page = html.unescape(client.get(reverse("pathway_templates:version_new", args=["lung"])).content.decode())
    for label in (
        "Délai P1 (très urgent)",
        "Délai P2 (urgent)",
        "Délai P3 (habituel)",
        "Source des délais par priorité",
        "Jamais attendu avant",
    ):
        assert label in page
    detail = html.unescape(client.get(reverse("pathway_templates:version", args=["lung", 2])).content.decode())
    assert "P1 : 24 heures ouvrées" in detail and "P3 : 5 jours ouvrés" in detail


def test_it_publishes_per_priority_targets(client, manager, lung_version):
    rows = rows_of(lung_version)
    rows[0]["delay_by_priority"] = {"P1": {"amount": 4, "unit": "hours"}, "P3": {"amount": 2, "unit": "working_days"}}
    rows[0]["priority_source"] = "proposition Jalon, à valider"
    client.force_login(manager)
    with time_machine.travel(MONDAY_9H + timedelta(hours=2), tick=False):
        response = client.post(reverse("pathway_templates:version_new", args=["lung"]), post_data(rows))
    assert response.status_code == 302
    version = PathwayTemplateVersion.objects.get(template=lung_version.template, version=lung_version.version + 1)
    first = version.milestones.get(code="first_contact")
    assert first.delay_by_priority == {
        "P1": {"amount": 4, "unit": "hours"},
        "P3": {"amount": 2, "unit": "working_days"},
    }
    assert first.target_for("P2") == (24, "hours")  # P2 left blank: the step's target delay


def test_it_refuses_a_p1_longer_than_p2_with_a_french_message(client, manager, lung_version):
    rows = rows_of(lung_version)
    rows[0]["delay_by_priority"] = {"P1": {"amount": 3, "unit": "working_days"}, "P2": {"amount": 24, "unit": "hours"}}
    rows[0]["priority_source"] = "proposition Jalon, à valider"
    client.force_login(manager)
    with time_machine.travel(MONDAY_9H, tick=False):
        response = client.post(reverse("pathway_templates:version_new", args=["lung"]), post_data(rows))
    assert response.status_code == 400
    assert "Le délai P1 doit être au plus égal au délai P2 (P1 ≤ P2 ≤ P3)" in html.unescape(response.content.decode())
    assert PathwayTemplate.objects.get(kind="lung").versions.count() == lung_version.version


def test_it_asks_for_the_source_and_accepts_the_request_reference(db):
    row = {
        "code": "reception",
        "label": "Accueil",
        "order": 1,
        "responsible_role": "specialist",
        "reference_code": "request",
        "target_amount": 48,
        "target_unit": "working_hours",
        "delay_by_priority": {"P1": {"amount": 24, "unit": "working_hours"}},
    }
    try:
        template_version_validate(milestones=[row], change_note="x")
    except TemplateVersionInvalid as invalid:
        assert list(invalid.rows[0]) == ["priority_source"]
    else:
        raise AssertionError("a per-priority target without a source is refused")
    template_version_validate(milestones=[{**row, "priority_source": "seed 001, fiche 2"}], change_note="x")
