"""The boards' read-only API: a member lists the coming meetings of their boards and reads a meeting with its cases;
the coordination reads the schedule and only its own entry points' cases; a member of another board gets 404 for
this one's meeting, a GP 403. Case reads are audited."""

from __future__ import annotations

import pytest

from jalon.accounts.models import ApiToken, AuditRecord
from jalon.boards.services import board_case_create
from jalon.core.actor import Actor

MEETINGS = "/api/v1/boards/meetings"


def _get(client, user, path, *, scopes=None):
    key = ApiToken.issue(user=user, name="Logiciel de RCP", scopes=scopes)[1]
    return client.get(path, HTTP_AUTHORIZATION=f"Bearer {key}")


@pytest.fixture
def case(pathway, meeting, coordinator):
    return board_case_create(actor=Actor(user=coordinator), pathway=pathway, meeting=meeting, question="Opérable ?")


def test_a_member_reads_the_meetings_of_their_board_and_its_cases(client, chair, case, meeting, later_meeting):
    listed = _get(client, chair, MEETINGS)

    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()][:2] == [meeting.pk, later_meeting.pk]
    one = _get(client, chair, f"{MEETINGS}/{meeting.pk}")
    assert one.status_code == 200
    [row] = one.json()["cases"]
    assert row["reference"] == case.pathway.referral.reference and row["question"] == "Opérable ?"
    assert row["status"]["code"] == "draft" and case.pathway.patient.birth_name.upper() in row["patient"]
    assert AuditRecord.objects.filter(
        actor=chair, object_type="board_case", patient_id=case.pathway.patient_id
    ).exists()


def test_the_coordination_reads_only_its_own_cases(client, coordinator, coordinator_elsewhere, case, meeting):
    mine = _get(client, coordinator, f"{MEETINGS}/{meeting.pk}").json()["cases"]
    assert [row["id"] for row in mine] == [case.pk]
    theirs = _get(client, coordinator_elsewhere, f"{MEETINGS}/{meeting.pk}")
    assert theirs.status_code == 200 and theirs.json()["cases"] == []


def test_what_is_not_theirs_answers_404_or_403(client, outside_member, gp, pathologist, meeting, case):
    assert _get(client, outside_member, f"{MEETINGS}/{meeting.pk}").status_code == 404
    assert meeting.pk not in [row["id"] for row in _get(client, outside_member, MEETINGS).json()]
    for user in (gp, pathologist):
        assert _get(client, user, MEETINGS).status_code == 403
        assert _get(client, user, f"{MEETINGS}/{meeting.pk}").status_code == 403


def test_an_id_no_row_can_have_or_a_token_without_the_scope_is_refused(client, chair, meeting):
    assert _get(client, chair, f"{MEETINGS}/99999999999999999999999").status_code == 404
    assert _get(client, chair, MEETINGS, scopes=["read_status"]).status_code == 403
