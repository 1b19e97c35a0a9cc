"""Reads for the board pages, the pathway page's « RCP » section and the GP portal (access already applied)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

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
from jalon.pathways.models import Milestone, MilestoneStatus, Outcome, Pathway


def boards_with_next_meetings(user, *, now) -> list[Board]:
    """The user's boards, each with its coming meetings (`upcoming`, each with its `case_count`), in two queries."""
    boards = list(
        boards_visible_to(user)
        .select_related("organization", "chair")
        .prefetch_related(
            Prefetch(
                "meetings",
                queryset=BoardMeeting.objects.filter(starts_at__gt=now, status=MeetingStatus.SCHEDULED)
                .annotate(case_count=Count("cases"))
                .order_by("starts_at"),
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
    # A PPS follows a case's decision: no case, no PPS to read (one query less on most pathway pages).
    plans = (
        {plan.decision_id: plan for plan in CarePlan.objects.filter(pathway=pathway).prefetch_related("versions")}
        if cases
        else {}
    )
    return PathwayBoardSection(cases=cases, care_plans=plans)


def decision_for_city(pathway_id: int) -> BoardDecision | None:
    """The latest board decision of a pathway, for the GP portal (the portal checked the GP's access)."""
    return (
        BoardDecision.objects.filter(case__pathway_id=pathway_id)
        .select_related("case__meeting__board")
        .order_by("-decided_at")
        .first()
    )


# --- Record completeness (seed 004) ------------------------------------------------------------------

RECORD_ITEMS: dict[str, str] = {
    "board_decision": _("décision de RCP"),
    "care_plan_handed": _("PPS remis"),
}
"""The record items checked, by code. Seed 004 (PACA-Corse regional plan) asks for the completeness of the
record « RCP – PPS – PPAC ». The after-cancer plan (PPAC) is not checked: Jalon has no after-cancer programme
yet, neither as an object nor as a step of a pathway template (templates_v2: the last step is the return to
the GP after the diagnosis), so the item is « sans objet » until that capability exists."""

AFTER_CANCER_PLAN_CHECKED = False


def _record_annotations() -> dict:
    """Per pathway (the outer row): concerned (cancer confirmed and the tumour-board step done), a board decision
    recorded, and the PPS of its latest decision handed to the patient. SQL expressions: one statement for any
    number of pathways, usable as a filter or read per pathway."""
    latest_decision = (
        BoardDecision.objects.filter(case__pathway_id=OuterRef(OuterRef("pk"))).order_by("-decided_at", "-pk")
    ).values("pk")[:1]
    return {
        "record_board_step_done": Exists(
            Milestone.objects.filter(pathway_id=OuterRef("pk"), code="tumour_board", status=MilestoneStatus.DONE)
        ),
        "record_has_decision": Exists(BoardDecision.objects.filter(case__pathway_id=OuterRef("pk"))),
        "record_care_plan_handed": Exists(
            CarePlan.objects.filter(
                pathway_id=OuterRef("pk"), handed_on__isnull=False, decision_id=Subquery(latest_decision)
            )
        ),
    }


def record_concerned(pathways: QuerySet[Pathway]) -> QuerySet[Pathway]:
    """The pathways whose record completeness is checked: cancer confirmed (malignant outcome) and the
    tumour-board step done. Before the board, nothing is missing yet; a step « sans objet » is not checked;
    a non-malignant diagnosis has no board decision nor PPS to hand."""
    return (
        pathways.filter(outcome=Outcome.MALIGNANT).annotate(**_record_annotations()).filter(record_board_step_done=True)
    )


def incomplete_record_pathways(pathways: QuerySet[Pathway] | None = None) -> QuerySet[Pathway]:
    """The concerned pathways whose record misses an item (no board decision, or the PPS of the latest decision
    not handed): the worklist's « dossier incomplet » filter, as a subquery."""
    pathways = Pathway.objects.all() if pathways is None else pathways
    return record_concerned(pathways).filter(Q(record_has_decision=False) | Q(record_care_plan_handed=False))


@dataclass(frozen=True)
class RecordCompleteness:
    """One concerned pathway's record: the item codes missing (RECORD_ITEMS), in their order."""

    pathway_id: int
    missing: tuple[str, ...]

    @property
    def is_complete(self) -> bool:
        return not self.missing

    def missing_labels(self) -> list[str]:
        return [str(RECORD_ITEMS[code]) for code in self.missing]


def _missing(has_decision: bool, handed: bool) -> tuple[str, ...]:
    return tuple(code for code, ok in (("board_decision", has_decision), ("care_plan_handed", handed)) if not ok)


def record_completeness(pathway_ids: Iterable[int]) -> dict[int, RecordCompleteness]:
    """{pathway id: its record's completeness} for the concerned ones among `pathway_ids` (the others are
    absent: not checked). One query whatever their number."""
    rows = (
        record_concerned(Pathway.objects.filter(pk__in=list(pathway_ids)))
        .values_list("pk", "record_has_decision", "record_care_plan_handed")
        .order_by()
    )
    return {pk: RecordCompleteness(pk, _missing(decided, handed)) for pk, decided, handed in rows}


def record_completeness_by_referral(referral_ids: Iterable[int]) -> dict[int, RecordCompleteness]:
    """The same, keyed by the pathways' referral ids (the worklist lists referrals). One query."""
    rows = (
        record_concerned(Pathway.objects.filter(referral_id__in=list(referral_ids)))
        .values_list("referral_id", "pk", "record_has_decision", "record_care_plan_handed")
        .order_by()
    )
    return {referral: RecordCompleteness(pk, _missing(decided, handed)) for referral, pk, decided, handed in rows}


@dataclass(frozen=True)
class RecordCompletenessCounts:
    concerned: int = 0
    complete: int = 0
    without_decision: int = 0
    without_care_plan: int = 0


def record_completeness_counts(pathways: QuerySet[Pathway]) -> RecordCompletenessCounts:
    """The same rule counted over `pathways` (the indicators' cohort), in one aggregate query."""
    counts = record_concerned(pathways).aggregate(
        concerned=Count("pk"),
        complete=Count("pk", filter=Q(record_has_decision=True, record_care_plan_handed=True)),
        without_decision=Count("pk", filter=Q(record_has_decision=False)),
        without_care_plan=Count("pk", filter=Q(record_care_plan_handed=False)),
    )
    return RecordCompletenessCounts(**{key: value or 0 for key, value in counts.items()})
