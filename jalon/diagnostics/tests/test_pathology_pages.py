"""The pages: the pathologist's screen shows only their requests, others' answer 404; the coordination asks for
pathology from the pathway page (bad input: French errors, nothing saved); the result recorded from the page."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.urls import reverse

from jalon.accounts.models import AuditRecord, Role
from jalon.diagnostics.access import (
    may_record_pathology_result,
    pathology_request_for_user,
    pathology_requests_visible_to,
)
from jalon.diagnostics.models import PathologyRequest, PathologyStatus
from jalon.diagnostics.tests.conftest import LUNG_PRESCRIPTION
from jalon.pathways.models import Task
from jalon.testing.factories import UserFactory


@pytest.fixture
def other_pathologist(hospital):
    """A pathologist of the same hospital to whom nothing was addressed."""
    return UserFactory(username="dr.autre.anapath", role=Role.PATHOLOGIST, professional__organizations=[hospital])


@pytest.fixture
def request_sent(pathway, send_specimen):
    return send_specimen(pathway)


def _reaches(user, request) -> bool:
    listed = pathology_requests_visible_to(user).filter(pk=request.pk).exists()
    try:
        found = pathology_request_for_user(user, request.pk) is not None
    except Http404:
        found = False
    assert listed == found, "the list and the detail disagree"
    return listed


REACHES = {"pathologist", "coordinator"}
RECORDS = {"pathologist", "coordinator"}
PERSONAS = [
    "pathologist",
    "other_pathologist",
    "coordinator",
    "coordinator_elsewhere",
    "gp",
    "specialist",
    "manager",
    "admin_user",
]


@pytest.mark.parametrize("name", PERSONAS)
def test_only_the_addressed_pathologist_and_the_coordination_reach_a_pathology_request(name, request, request_sent):
    """The pathologist it is addressed to and the entry point's coordination reach it; everyone else gets a 404,
    another pathologist of the same hospital included."""
    user = request.getfixturevalue(name)
    assert _reaches(user, request_sent) is (name in REACHES)
    assert may_record_pathology_result(user, request_sent) is (name in RECORDS)


def test_the_pathologists_screen_lists_their_requests_only(client, pathologist, other_pathologist, request_sent):
    client.force_login(pathologist)
    page = client.get(reverse("diagnostics:pathology_worklist"))
    assert page.status_code == 200 and "Biopsie bronchique" in page.content.decode()
    assert AuditRecord.objects.filter(object_type="pathology.list", patient_id=request_sent.pathway.patient_id).exists()

    client.force_login(other_pathologist)
    page = client.get(reverse("diagnostics:pathology_worklist"))
    assert "Biopsie bronchique" not in page.content.decode() and "Aucune demande en attente." in page.content.decode()
    assert client.get(reverse("diagnostics:pathology_detail", args=[request_sent.pk])).status_code == 404


@pytest.mark.parametrize("name", ["gp", "coordinator", "specialist"])
def test_the_pathologists_screen_is_closed_to_other_roles(name, request, client):
    client.force_login(request.getfixturevalue(name))
    assert client.get(reverse("diagnostics:pathology_worklist")).status_code == 403


def test_a_pathologist_does_not_reach_the_pathway_page(client, pathologist, request_sent):
    client.force_login(pathologist)
    reference = request_sent.pathway.referral.reference
    assert client.get(reverse("pathways:detail", args=[reference])).status_code in (403, 404)


def test_the_coordinator_asks_for_pathology_and_a_bad_input_is_refused_in_french(
    client, coordinator, pathway, pathologist
):
    client.force_login(coordinator)
    url = reverse("diagnostics:pathology_new", args=[pathway.referral.reference])
    assert client.get(url).status_code == 200
    data = {
        "milestone": pathway.milestones.get(code="biopsy").pk,
        "pathologist": pathologist.professional_id,
        "specimen": "Biopsie bronchique",
        "specimen_taken_at": "2026-11-16T08:50",
        "rx_metastatic": "no",
        "rx_diagnosis_context": "first",
        "rx_clinical_summary": "Nodule de 25 mm.",
    }
    refused = client.post(url, data)
    assert refused.status_code == 400
    assert "Renseignez « Patient fumeur »." in refused.content.decode()
    assert not PathologyRequest.objects.exists()

    sent = client.post(url, {**data, "rx_smoker": "yes", "rx_molecular_tests": ["egfr", "alk"]})
    assert sent.status_code == 302
    request = PathologyRequest.objects.get()
    assert request.prescription["molecular_tests"] == ["egfr", "alk"]
    page = client.get(reverse("pathways:detail", args=[pathway.referral.reference])).content.decode()
    assert "Examens et anatomopathologie" in page and "Biopsie bronchique" in page


def test_the_pathologist_records_a_non_contributive_result_from_the_page(client, pathologist, request_sent):
    client.force_login(pathologist)
    url = reverse("diagnostics:pathology_result", args=[request_sent.pk])
    refused = client.post(url, {"stage": "preliminary", "recorded_at": "2026-11-16T09:00", "contributive": "no"})
    assert refused.status_code == 400 and "Ce champ est obligatoire." in refused.content.decode()

    done = client.post(
        url,
        {
            "stage": "preliminary",
            "recorded_at": "2026-11-16T09:00",
            "contributive": "no",
            "text": "Matériel insuffisant",
        },
    )
    assert done.status_code == 302
    request_sent.refresh_from_db()
    assert request_sent.status == PathologyStatus.NON_CONTRIBUTIVE
    assert Task.objects.filter(pk=request_sent.rebiopsy_task_id, done_at__isnull=True).exists()
    assert client.post(url, {"stage": "final"}).status_code == 403  # no result once the request is closed


def test_the_prescription_of_the_lung_template_asks_the_seed_fields():
    """Seed 001, fiche 5: smoker, metastatic, first diagnosis or recurrence, complementary tests."""
    from jalon.diagnostics.prescription import prescription_clean, prescription_fields

    assert [f.code for f in prescription_fields("lung")][:4] == [
        "smoker",
        "metastatic",
        "diagnosis_context",
        "molecular_tests",
    ]
    assert prescription_clean("lung", LUNG_PRESCRIPTION)[1] == {}
    assert [f.code for f in prescription_fields("thyroid")] == [f.code for f in prescription_fields("unknown-kind")]


def test_the_pathologists_screen_does_not_grow_in_queries(client, pathologist, make_pathway, send_specimen):
    """One request or three: the same number of queries for the pathologist's screen."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(pathologist)
    url = reverse("diagnostics:pathology_worklist")
    send_specimen(make_pathway())
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for _ in range(2):
        send_specimen(make_pathway())
    with CaptureQueriesContext(connection) as three:
        assert client.get(url).status_code == 200
    assert len(three) == len(one)
