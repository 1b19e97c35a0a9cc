"""The pathology read-only API: a pathologist lists the requests addressed to them and reads one; the coordination
of the pathway's entry point reads one; another pathologist, a coordinator elsewhere or a GP reaching for what is not
theirs gets 404 (a request) or 403 (the list, for a role that receives none). Reads are audited."""

from __future__ import annotations

import pytest

from jalon.accounts.models import ApiToken, AuditRecord, Role
from jalon.testing.factories import UserFactory

LIST = "/api/v1/anapath/requests"


def _get(client, user, path, *, scopes=None):
    key = ApiToken.issue(user=user, name="Logiciel du laboratoire", scopes=scopes)[1]
    return client.get(path, HTTP_AUTHORIZATION=f"Bearer {key}")


@pytest.fixture
def other_pathologist(hospital):
    return UserFactory(username="dr.autre.anapath", role=Role.PATHOLOGIST, professional__organizations=[hospital])


@pytest.fixture
def request_sent(pathway, send_specimen):
    return send_specimen(pathway)


def test_the_pathologist_lists_and_reads_their_requests(client, pathologist, request_sent):
    listed = _get(client, pathologist, LIST)

    assert listed.status_code == 200
    [row] = listed.json()
    assert row["id"] == request_sent.pk and row["reference"] == request_sent.pathway.referral.reference
    assert row["status"]["code"] == "requested" and row["late"] == []
    assert row["preliminary_due_at"].startswith("2026-11-20T09:00:00+01:00")
    assert len(row["molecular_tests_asked"]) == 3 and row["molecular_tests_received"] == []
    one = _get(client, pathologist, f"{LIST}/{request_sent.pk}")
    assert one.status_code == 200 and one.json()["specimen"] == request_sent.specimen
    audited = AuditRecord.objects.filter(actor=pathologist, patient_id=request_sent.pathway.patient_id)
    assert audited.filter(object_type="pathology", object_id=str(request_sent.pk)).exists()
    assert audited.filter(object_type="pathology.list").exists()


def test_the_entry_points_coordination_reads_the_request_but_has_no_pathologists_list(
    client, coordinator, request_sent
):
    assert _get(client, coordinator, f"{LIST}/{request_sent.pk}").status_code == 200
    refused = _get(client, coordinator, LIST)
    assert refused.status_code == 403 and refused.json()["message"]


@pytest.mark.parametrize("name", ["other_pathologist", "coordinator_elsewhere", "gp", "specialist"])
def test_what_is_not_theirs_answers_404_or_403(name, request, client, request_sent):
    user = request.getfixturevalue(name)
    one = _get(client, user, f"{LIST}/{request_sent.pk}")
    assert one.status_code in (403, 404)
    if name in ("other_pathologist", "coordinator_elsewhere"):
        assert one.status_code == 404  # their role reaches requests, not this one: as if it did not exist
    listed = _get(client, user, LIST)
    if name == "other_pathologist":
        assert listed.status_code == 200 and listed.json() == []
    else:
        assert listed.status_code == 403


def test_an_id_no_row_can_have_or_a_token_without_the_scope_is_refused(client, pathologist, request_sent):
    assert _get(client, pathologist, f"{LIST}/99999999999999999999999").status_code == 404
    assert _get(client, pathologist, LIST, scopes=["read_status"]).status_code == 403
