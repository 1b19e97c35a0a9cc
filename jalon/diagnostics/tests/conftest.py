"""A lung pathway whose first steps are done, on a frozen Monday morning, and the pathology helpers."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from jalon.core.actor import Actor
from jalon.diagnostics.services import pathology_request_create
from jalon.pathways.models import Milestone
from jalon.pathways.services import milestone_record
from jalon.pathways.tests.factories import pathway_build

PARIS = ZoneInfo("Europe/Paris")
MONDAY_9H = datetime(2026, 11, 16, 9, 0, tzinfo=PARIS)  # no public holiday that week
LUNG_PRESCRIPTION = {
    "smoker": "yes",
    "metastatic": "unknown",
    "diagnosis_context": "first",
    "molecular_tests": ["egfr", "alk", "pdl1"],
    "clinical_summary": "Nodule lobaire supérieur droit de 25 mm, adénopathies médiastinales.",
}


@pytest.fixture
def clock():
    """The clock stands still on Monday 16 November 2026 at 9:00 (Paris) until a test moves it."""
    with time_machine.travel(MONDAY_9H, tick=False) as traveller:
        yield traveller


def first_steps_done(pathway, user, *, at) -> None:
    """First contact and reception recorded at `at`: the biopsy may then be recorded."""
    for code in ("first_contact", "reception"):
        milestone = Milestone.objects.filter(pathway=pathway, code=code).first()
        if milestone is not None:
            milestone_record(actor=Actor(user=user), milestone=milestone, done_at=at)


@pytest.fixture
def make_pathway(submit, coordinator, clock):
    """A pathway of `kind` (lung by default) started on Monday 9:00 by the CPTS coordinator, first steps done."""

    def _make(kind: str = "lung", priority: str = "P2"):
        pathway = pathway_build(submit, user=coordinator, kind=kind, priority=priority)
        first_steps_done(pathway, coordinator, at=MONDAY_9H - timedelta(minutes=30))
        return pathway

    return _make


@pytest.fixture
def pathway(make_pathway):
    return make_pathway()


@pytest.fixture
def send_specimen(coordinator, pathologist):
    """Send the biopsy specimen of `pathway` to `pathologist` with a complete prescription."""

    def _send(pathway, *, prescription=None, taken_at=None, to=None):
        return pathology_request_create(
            actor=Actor(user=coordinator),
            pathway=pathway,
            milestone=pathway.milestones.get(code="biopsy"),
            pathologist=(to or pathologist).professional,
            specimen="Biopsie bronchique, lobe supérieur droit",
            specimen_taken_at=taken_at or MONDAY_9H - timedelta(minutes=10),
            prescription=prescription if prescription is not None else prescription_for(pathway),
        )

    return _send


def prescription_for(pathway) -> dict:
    """A complete prescription for the pathway's template (the lung one, or the common fields)."""
    if pathway.template_version.template.kind == "lung":
        return dict(LUNG_PRESCRIPTION)
    return {
        "metastatic": "no",
        "diagnosis_context": "first",
        "molecular_tests": [],
        "clinical_summary": "Lésion suspecte, biopsie réalisée.",
    }
