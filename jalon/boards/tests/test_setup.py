"""Managers set up their organisations' boards and cancel meetings from pages (boards/setup.py): a board created with
its schedule, quorum and members (meetings generated, audited); bad input refused in French with nothing changed; a
cancelled meeting's open cases carried to the next meeting, their coordinators told; who reaches these pages."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from jalon.accounts.models import AuditAction, AuditRecord, Role
from jalon.boards.models import (
    OPEN_CASE_STATUSES,
    Board,
    BoardCase,
    BoardMeeting,
    BoardSpecialty,
    CaseStatus,
    MeetingStatus,
)
from jalon.boards.services import board_case_create, board_case_list
from jalon.boards.setup import board_meeting_cancel
from jalon.boards.tests.conftest import ANSWERS, diagnosis_complete
from jalon.core.actor import Actor
from jalon.messaging.models import OutboxMessage
from jalon.testing.factories import UserFactory


@pytest.fixture
def hospital_manager(hospital):
    """The hospital's manager: sets up the hospital's boards, sees no case's content."""
    return UserFactory(username="responsable.hopital", role=Role.MANAGER, professional__organizations=[hospital])


def _board_post(hospital, chair, oncologist, radiotherapist, changes=None) -> dict:
    data = {
        "name": "RCP sénologie",
        "organization": str(hospital.pk),
        "pathway_kinds": ["breast"],
        "weekday": "1",
        "start_time": "13:30",
        "duration_minutes": "90",
        "every_weeks": "2",
        "first_date": "2026-01-06",
        "required_specialties": [BoardSpecialty.MEDICAL_ONCOLOGY, BoardSpecialty.RADIATION_ONCOLOGY],
        "chair": str(chair.professional_id),
        "is_active": "on",
        "membres-TOTAL_FORMS": "4",
        "membres-INITIAL_FORMS": "0",
        "membres-MIN_NUM_FORMS": "0",
        "membres-MAX_NUM_FORMS": "60",
        "membres-0-professional": str(chair.professional_id),
        "membres-0-specialty": BoardSpecialty.ORGAN_SPECIALIST,
        "membres-1-professional": str(oncologist.professional_id),
        "membres-1-specialty": BoardSpecialty.MEDICAL_ONCOLOGY,
        "membres-2-professional": str(radiotherapist.professional_id),
        "membres-2-specialty": BoardSpecialty.RADIATION_ONCOLOGY,
        "membres-3-professional": "",
        "membres-3-specialty": "",
    }
    data.update(changes or {})
    return data


def test_a_manager_creates_a_board_whose_meetings_follow_its_schedule(
    client, hospital_manager, hospital, chair, oncologist, radiotherapist
):
    client.force_login(hospital_manager)
    assert client.get(reverse("boards:board_new")).status_code == 200

    response = client.post(reverse("boards:board_new"), _board_post(hospital, chair, oncologist, radiotherapist))

    assert response.status_code == 302
    board = Board.objects.get(name="RCP sénologie")
    assert board.organization == hospital and board.pathway_kinds == ["breast"] and board.every_weeks == 2
    assert board.chair_id == chair.professional_id
    assert dict(board.members.values_list("professional_id", "specialty")) == {
        chair.professional_id: BoardSpecialty.ORGAN_SPECIALIST,
        oncologist.professional_id: BoardSpecialty.MEDICAL_ONCOLOGY,
        radiotherapist.professional_id: BoardSpecialty.RADIATION_ONCOLOGY,
    }
    meetings = list(board.meetings.order_by("starts_at"))
    assert meetings and all(timezone.localtime(m.starts_at).weekday() == 1 for m in meetings)
    assert all((b.starts_at - a.starts_at).days == 14 for a, b in zip(meetings, meetings[1:], strict=False))
    assert AuditRecord.objects.filter(object_type="board", object_id=board.pk, action=AuditAction.CREATE).exists()
    page = client.get(reverse("boards:manage")).content.decode()
    assert "RCP sénologie" in page and "aucun dossier" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"membres-2-professional": "", "membres-2-specialty": ""}, "Aucun membre ne siège pour : Radiothérapie"),
        ({"chair": "999999"}, "Choisissez le président dans la liste"),
        ({"membres-0-professional": "99999999999999999999999"}, "Choisissez un professionnel de la liste"),
        ({"organization": "<b>x</b>"}, "Choisissez un site de la liste"),
        ({"pathway_kinds": ["poumon"]}, "Choisissez des types de parcours de la liste"),
        ({"membres-3-professional": "CHAIR", "membres-3-specialty": "surgery"}, "inscrit deux fois"),
        ({"membres-1-specialty": ""}, "Choisissez la spécialité sous laquelle ce membre siège"),
        ({"every_weeks": "0"}, "supérieure ou égale à 1"),
        ({"start_time": "25:99"}, "Saisissez une heure"),
        ({"name": "  "}, "Ce champ est obligatoire"),
    ],
)
def test_bad_input_is_refused_in_french_and_changes_nothing(
    changes, message, client, hospital_manager, hospital, chair, oncologist, radiotherapist
):
    client.force_login(hospital_manager)
    changes = {k: (str(chair.professional_id) if v == "CHAIR" else v) for k, v in changes.items()}

    response = client.post(
        reverse("boards:board_new"), _board_post(hospital, chair, oncologist, radiotherapist, changes)
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Board.objects.filter(name="RCP sénologie").exists()


def test_a_manager_edits_a_board_its_members_replaced(client, hospital_manager, board, chair, oncologist, hospital):
    client.force_login(hospital_manager)
    form = client.get(reverse("boards:board_edit", args=[board.pk])).content.decode()
    assert "RCP thoracique" in form

    data = _board_post(
        hospital,
        chair,
        oncologist,
        oncologist,
        {
            "name": "RCP thoracique (modifiée)",
            "required_specialties": [BoardSpecialty.MEDICAL_ONCOLOGY],
            "membres-2-professional": "",
            "membres-2-specialty": "",
        },
    )
    response = client.post(reverse("boards:board_edit", args=[board.pk]), data)

    assert response.status_code == 302
    board.refresh_from_db()
    assert board.name == "RCP thoracique (modifiée)" and board.required_specialties == ["medical_oncology"]
    assert set(board.members.values_list("professional_id", flat=True)) == {
        chair.professional_id,
        oncologist.professional_id,
    }
    assert AuditRecord.objects.filter(object_type="board", object_id=board.pk, action=AuditAction.UPDATE).exists()


@pytest.fixture
def cases(pathway, meeting, coordinator, submit):
    """On the meeting in two days: a listed case (diagnosis complete) and a case in preparation."""
    from jalon.pathways.tests.factories import pathway_build

    diagnosis_complete(pathway, coordinator)
    listed = board_case_create(actor=Actor(user=coordinator), pathway=pathway, meeting=meeting, answers=ANSWERS)
    board_case_list(actor=Actor(user=coordinator), case=listed)
    other = pathway_build(submit, user=coordinator)
    draft = board_case_create(actor=Actor(user=coordinator), pathway=other, meeting=meeting)
    return listed, draft


def test_cancelling_a_meeting_carries_its_cases_to_the_next_one_and_tells_their_coordinators(
    client, hospital_manager, meeting, later_meeting, cases, coordinator
):
    """The listed case goes to the next meeting « dossier complet » (to list again), the draft stays in preparation;
    each old case is kept as postponed with the reason; the entry point's coordinator is told; audited."""
    listed, draft = cases
    client.force_login(hospital_manager)
    page = client.get(reverse("boards:meeting_cancel", args=[meeting.pk])).content.decode()
    assert "2 dossiers sont inscrits" in page
    assert listed.pathway.patient.birth_name not in page  # the manager sees how many, never whose

    response = client.post(
        reverse("boards:meeting_cancel", args=[meeting.pk]), {"reason": "Congrès : président absent"}
    )

    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED and meeting.cancel_reason == "Congrès : président absent"
    assert meeting.cancelled_by == hospital_manager
    for old in (listed, draft):
        old.refresh_from_db()
        assert old.status == CaseStatus.POSTPONED and "Congrès : président absent" in old.postponed_reason
    moved = {case.pathway_id: case for case in BoardCase.objects.filter(status__in=OPEN_CASE_STATUSES)}
    next_one = BoardMeeting.objects.filter(
        board=meeting.board, status=MeetingStatus.SCHEDULED, starts_at__gt=meeting.starts_at
    ).earliest("starts_at")
    assert next_one.starts_at <= later_meeting.starts_at
    assert {case.meeting_id for case in moved.values()} == {next_one.pk}
    assert moved[listed.pathway_id].status == CaseStatus.READY
    assert moved[draft.pathway_id].status == CaseStatus.DRAFT
    told = OutboxMessage.objects.filter(kind="board.meeting_cancelled", channel="in_app")
    assert set(told.values_list("recipient_user_id", flat=True)) == {coordinator.pk}
    assert told.count() == 2
    bodies = " ".join(told.values_list("body", flat=True))
    assert all(f"/rcp/dossiers/{case.pk}/" in bodies for case in moved.values())
    assert AuditRecord.objects.filter(object_type="board_meeting", object_id=meeting.pk).exists()


def test_a_cancellation_without_reason_or_twice_is_refused_in_french(client, hospital_manager, meeting, cases):
    client.force_login(hospital_manager)

    response = client.post(reverse("boards:meeting_cancel", args=[meeting.pk]), {"reason": "  "})

    assert response.status_code == 400 and "Ce champ est obligatoire" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.SCHEDULED
    assert not BoardCase.objects.filter(status=CaseStatus.POSTPONED).exists()
    board_meeting_cancel(actor=Actor(user=hospital_manager), meeting=meeting, reason="Salle indisponible")
    again = client.post(reverse("boards:meeting_cancel", args=[meeting.pk]), {"reason": "Encore"})
    assert again.status_code == 400 and "déjà annulée" in again.content.decode()


def test_a_past_meeting_or_one_without_a_next_meeting_for_its_cases_cannot_be_cancelled(
    hospital_manager, board, meeting, cases
):
    from jalon.boards.errors import BoardError

    past = BoardMeeting.objects.create(board=board, starts_at=timezone.now() - timedelta(days=1))
    with pytest.raises(BoardError, match="passée"):
        board_meeting_cancel(actor=Actor(user=hospital_manager), meeting=past, reason="Trop tard")
    board.is_active = False
    board.save()
    BoardMeeting.objects.filter(board=board, starts_at__gt=meeting.starts_at).delete()
    with pytest.raises(BoardError, match="pas de réunion suivante"):
        board_meeting_cancel(actor=Actor(user=hospital_manager), meeting=meeting, reason="Salle indisponible")
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.SCHEDULED


def test_only_the_managers_of_the_boards_site_reach_its_pages(
    client, hospital_manager, manager, coordinator, chair, board, meeting
):
    """The CPTS manager does not reach the hospital's board (404); a coordinator or a board member has no such page."""
    urls = [reverse("boards:board_edit", args=[board.pk]), reverse("boards:meeting_cancel", args=[meeting.pk])]
    client.force_login(hospital_manager)
    assert all(client.get(url).status_code == 200 for url in urls)
    client.force_login(manager)
    assert all(client.get(url).status_code == 404 for url in urls)
    assert "RCP thoracique" not in client.get(reverse("boards:manage")).content.decode()
    for user in (coordinator, chair):
        client.force_login(user)
        assert all(client.get(url).status_code == 403 for url in [*urls, reverse("boards:manage")])
