"""Personas and a board for the tumour-board tests.

- `coordinator` (conftest at the root): the CPTS coordination nurse; she prepares the cases of her entry point.
- `chair`: the hospital's pulmonologist (`specialist`), member and chair of the thoracic board (organ specialist).
- `oncologist`, `radiotherapist`: the other members, each under the specialty the quorum requires.
- `outside_member`: a specialist who sits on another board (the digestive one) and must see nothing of this one.
"""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.utils import timezone

from jalon.accounts.models import Role
from jalon.boards.models import Board, BoardMeeting, BoardMember, BoardSpecialty
from jalon.core.actor import Actor
from jalon.pathways.services import milestone_record
from jalon.pathways.tests.factories import pathway_build
from jalon.testing.factories import UserFactory

REQUIRED = [BoardSpecialty.ORGAN_SPECIALIST, BoardSpecialty.MEDICAL_ONCOLOGY, BoardSpecialty.RADIATION_ONCOLOGY]


@pytest.fixture
def chair(specialist):
    return specialist


@pytest.fixture
def oncologist(hospital):
    return UserFactory(
        username="dr.onco",
        role=Role.SPECIALIST,
        professional__specialty="Oncologie",
        professional__organizations=[hospital],
    )


@pytest.fixture
def radiotherapist(hospital):
    return UserFactory(
        username="dr.radiotherapie",
        role=Role.SPECIALIST,
        professional__specialty="Radiothérapie",
        professional__organizations=[hospital],
    )


def board_create(*, name: str, organization, chair, members: list[tuple[object, str]], kinds=("lung",)) -> Board:
    board = Board.objects.create(
        name=name,
        organization=organization,
        pathway_kinds=list(kinds),
        weekday=3,
        start_time=time(14, 0),
        every_weeks=1,
        first_date=date(2026, 1, 1),
        required_specialties=list(REQUIRED),
        chair=chair.professional,
    )
    for user, specialty in members:
        BoardMember.objects.create(board=board, professional=user.professional, specialty=specialty)
    return board


@pytest.fixture
def board(hospital, chair, oncologist, radiotherapist):
    """The hospital's thoracic board: chair (organ specialist), oncologist, radiotherapist."""
    return board_create(
        name="RCP thoracique",
        organization=hospital,
        chair=chair,
        members=[
            (chair, BoardSpecialty.ORGAN_SPECIALIST),
            (oncologist, BoardSpecialty.MEDICAL_ONCOLOGY),
            (radiotherapist, BoardSpecialty.RADIATION_ONCOLOGY),
        ],
    )


@pytest.fixture
def outside_member(hospital):
    """A surgeon who sits on the digestive board only."""
    user = UserFactory(username="dr.digestif", role=Role.SPECIALIST, professional__organizations=[hospital])
    board_create(
        name="RCP digestive",
        organization=hospital,
        chair=user,
        members=[(user, BoardSpecialty.SURGERY)],
        kinds=("digestive",),
    )
    return user


@pytest.fixture
def meeting(board):
    """A meeting of the thoracic board in two days."""
    return BoardMeeting.objects.create(board=board, starts_at=timezone.now() + timedelta(days=2))


@pytest.fixture
def later_meeting(board):
    return BoardMeeting.objects.create(board=board, starts_at=timezone.now() + timedelta(days=9))


@pytest.fixture
def pathway(submit, coordinator):
    """A lung pathway of the CPTS entry point, started by its coordinator."""
    return pathway_build(submit, user=coordinator)


def diagnosis_complete(
    pathway, user, codes=("first_contact", "reception", "imaging", "pet_ct", "biopsy", "pathology_final")
):
    """Record the diagnostic steps the tumour board needs (an hour ago), those the pathway's template has: for a lung
    pathway, the PET-CT too (its checklist asks it done or marked not needed)."""
    done_at = timezone.now() - timedelta(hours=1)
    for code in codes:
        milestone = pathway.milestones.filter(code=code).first()
        if milestone is not None:  # a step the kind's template has (no PET-CT for a breast pathway)
            milestone_record(actor=Actor(user=user), milestone=milestone, done_at=done_at)


ANSWERS = {
    "performance_status": "1",
    "comorbidities": "BPCO stade 2",
    "patient_wish": "Souhaite être traitée à Strasbourg",
    "respiratory_function": "done",  # the lung checklist's own answer (checklists_v2)
}
