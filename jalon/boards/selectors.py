"""Reads for the board pages, the pathway page's « RCP » section and the GP portal (access already applied)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch

from jalon.boards.access import board_cases_visible_to, boards_visible_to
from jalon.boards.models import (
    Board,
    BoardAttendance,
    BoardCase,
    BoardDecision,
    BoardMeeting,
    BoardSpecialty,
    CarePlan,
    CaseStatus,
    MeetingStatus,
    Sorting,
)


def boards_with_next_meetings(user, *, now) -> list[Board]:
    """The user's boards, each with its coming meetings (`upcoming`), in two queries."""
    boards = list(
        boards_visible_to(user)
        .select_related("organization", "chair")
        .prefetch_related(
            Prefetch(
                "meetings",
                queryset=BoardMeeting.objects.filter(starts_at__gt=now, status=MeetingStatus.SCHEDULED).order_by(
                    "starts_at"
                ),
                to_attr="upcoming",
            )
        )
        .order_by("name")
    )
    return boards


@dataclass
class MeetingPage:
    meeting: BoardMeeting
    listed_only: list[BoardCase] = field(default_factory=list)
    discussion: list[BoardCase] = field(default_factory=list)
    unsorted: list[BoardCase] = field(default_factory=list)
    other: list[BoardCase] = field(default_factory=list)  # in preparation, postponed, decided
    attendances: list[BoardAttendance] = field(default_factory=list)
    missing_specialties: list[str] = field(default_factory=list)


def meeting_page(user, meeting: BoardMeeting) -> MeetingPage:
    """The meeting's cases the user reaches, sorted as the chair confirmed (listed only, discussion)."""
    from jalon.boards.services import quorum_missing

    cases = list(
        board_cases_visible_to(user)
        .filter(meeting=meeting)
        .select_related("pathway__referral", "pathway__patient", "pathway__template_version__template", "decision")
        .order_by("id")
    )
    page = MeetingPage(meeting=meeting)
    for case in cases:
        if case.status != CaseStatus.LISTED:
            page.other.append(case)
        elif case.confirmed_sorting == Sorting.LISTED_ONLY:
            page.listed_only.append(case)
        elif case.confirmed_sorting == Sorting.DISCUSSION:
            page.discussion.append(case)
        else:
            page.unsorted.append(case)
    page.attendances = list(meeting.attendances.select_related("professional"))
    names = dict(BoardSpecialty.choices)
    page.missing_specialties = [str(names.get(code, code)) for code in quorum_missing(meeting)]
    return page


@dataclass
class PathwayBoardSection:
    cases: list[BoardCase]
    care_plans: dict[int, CarePlan]


def pathway_board_section(pathway, milestones) -> PathwayBoardSection:  # noqa: ARG001 - PAGE_SECTIONS signature
    """The pathway page's « RCP » section: its cases with their decision and PPS (the page's viewer already
    reaches the pathway; links to case pages check the case's own access)."""
    cases = list(
        BoardCase.objects.filter(pathway=pathway)
        .select_related("meeting__board", "decision")
        .order_by("meeting__starts_at", "id")
    )
    plans = {plan.decision_id: plan for plan in CarePlan.objects.filter(pathway=pathway).prefetch_related("versions")}
    return PathwayBoardSection(cases=cases, care_plans=plans)


def decision_for_city(pathway_id: int) -> BoardDecision | None:
    """The latest board decision of a pathway, for the GP portal (the portal checked the GP's access)."""
    return (
        BoardDecision.objects.filter(case__pathway_id=pathway_id)
        .select_related("case__meeting__board")
        .order_by("-decided_at")
        .first()
    )
