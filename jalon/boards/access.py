"""Who reaches a tumour board's meetings and cases (DESIGN.md §2, on top of accounts.access's table).

* A board member (`BoardMember`, role with `SIT_ON_BOARDS`) sees the meetings of their boards and the cases
  listed there, records attendance and decisions; the chair alone confirms a case's sorting.
* The coordinators of a pathway's entry point (`WORK_REFERRALS`, `referrals.access.may_work_referral`) prepare
  its cases (checklist, sorting proposal, listing) and hand and send the PPS; they see every board's schedule
  (no patient data) and, in a meeting, only their own entry points' cases.
* A manager (`MANAGE_BOARDS`) sets up the boards of their organisations (site, schedule, quorum, members) and
  cancels their meetings: `boards_managed_by`; they see how many cases a meeting holds, never whose.
* Anything else answers 404.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from jalon.accounts.access import Capability as C
from jalon.accounts.access import capabilities_of
from jalon.boards.models import Board, BoardCase, BoardMeeting
from jalon.core.lookups import by_unique_key
from jalon.referrals.access import may_work_referral


def _member_boards(user) -> Q:
    return Q(members__professional_id=user.professional_id)


def boards_visible_to(user) -> QuerySet[Board]:
    """Members: their boards; coordinators: every active board (to put a case on a meeting)."""
    granted = capabilities_of(user)
    if C.WORK_REFERRALS in granted:
        return Board.objects.filter(is_active=True)
    if C.SIT_ON_BOARDS in granted:
        return Board.objects.filter(_member_boards(user), is_active=True).distinct()
    return Board.objects.none()


def meeting_for_user(user, meeting_id: int) -> BoardMeeting:
    meeting = by_unique_key(
        BoardMeeting.objects.filter(pk=meeting_id, board__in=boards_visible_to(user)).select_related(
            "board", "board__chair", "board__organization"
        )
    )
    if meeting is None:
        raise Http404
    return meeting


def board_cases_visible_to(user) -> QuerySet[BoardCase]:
    """The cases of the meetings of the user's boards, and the cases of their entry points' pathways."""
    granted = capabilities_of(user)
    reach = Q(pk__in=[])
    if C.SIT_ON_BOARDS in granted:
        reach |= Q(meeting__board__members__professional_id=user.professional_id)
    if C.WORK_REFERRALS in granted:
        reach |= Q(pathway__referral__entry_point__organization_id__in=user.organization_ids())
    if not granted & {C.SIT_ON_BOARDS, C.WORK_REFERRALS}:
        return BoardCase.objects.none()
    return BoardCase.objects.filter(reach).distinct()


def board_case_for_user(user, case_id: int) -> BoardCase:
    """The case if the user reaches it (404 otherwise), with what its pages show loaded."""
    case = by_unique_key(
        BoardCase.objects.filter(pk__in=board_cases_visible_to(user).filter(pk=case_id).values("pk")).select_related(
            "pathway__referral__entry_point__organization",
            "pathway__patient",
            "pathway__template_version__template",
            "meeting__board__chair",
            "meeting__board__organization",
        )
    )
    if case is None:
        raise Http404
    return case


def may_sit_on(user, board: Board) -> bool:
    return (
        C.SIT_ON_BOARDS in capabilities_of(user) and board.members.filter(professional_id=user.professional_id).exists()
    )


def is_chair(user, board: Board) -> bool:
    return C.SIT_ON_BOARDS in capabilities_of(user) and board.chair_id == user.professional_id


def may_prepare_case(user, case: BoardCase) -> bool:
    """The coordinators of the case's pathway's entry point prepare it and hand its PPS."""
    return may_work_referral(user, case.pathway.referral)


def boards_managed_by(user) -> QuerySet[Board]:
    """The boards a manager sets up: those held at their organisations' sites, active or not."""
    if C.MANAGE_BOARDS not in capabilities_of(user):
        return Board.objects.none()
    return Board.objects.filter(organization_id__in=user.organization_ids())


def board_managed_by(user, board_id: int) -> Board:
    board = by_unique_key(boards_managed_by(user).filter(pk=board_id).select_related("organization", "chair"))
    if board is None:
        raise Http404
    return board


def meeting_managed_by(user, meeting_id: int) -> BoardMeeting:
    meeting = by_unique_key(
        BoardMeeting.objects.filter(pk=meeting_id, board__in=boards_managed_by(user)).select_related(
            "board__organization"
        )
    )
    if meeting is None:
        raise Http404
    return meeting
