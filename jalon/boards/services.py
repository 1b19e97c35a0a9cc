"""Every write on tumour boards: meetings from the schedule, cases prepared and listed, sorting, attendance,
the decision (which becomes milestones and tasks of the pathway and reaches the GP), postponing.

Each service is one transaction with its event, its audit record and its outbox rows (DESIGN.md §4).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jalon.accounts.audit import audit
from jalon.accounts.models import AuditAction
from jalon.boards.checklist import answer_items, board_case_missing_items, checklist_version
from jalon.boards.errors import BoardError, BoardErrorCode
from jalon.boards.models import (
    OPEN_CASE_STATUSES,
    Board,
    BoardAttendance,
    BoardCase,
    BoardDecision,
    BoardMeeting,
    BoardMember,
    BoardSpecialty,
    CaseStatus,
    MeetingStatus,
    Sorting,
    TreatmentKind,
    TrialEligibility,
)
from jalon.boards.sorting import QUESTIONS as SORTING_QUESTIONS
from jalon.core.actor import Actor
from jalon.core.workcalendar import add_delay
from jalon.events.services import event_record
from jalon.pathways.errors import PathwayError
from jalon.pathways.models import MilestoneStatus, Outcome, Pathway, ResponsibleRole
from jalon.pathways.services import milestone_record, pathway_record_outcome, task_add

PARIS = ZoneInfo("Europe/Paris")
MEETINGS_AHEAD_WEEKS = 8
# The nurse's announcement time (« temps d'accompagnement soignant », seed 003) is a step of the pathway templates
# from version 3 (`nurse_announcement`, after the medical announcement consultation, with its target delay). A
# pathway started on an earlier version keeps it: there, the decision adds the nurse's time as a task, due within
# 7 calendar days (proposition Jalon, à valider), as the step's target.
NURSE_ANNOUNCEMENT_STEP = "nurse_announcement"
NURSE_ANNOUNCEMENT_DAYS = 7


def _specialty_label(code: str) -> str:
    return str(dict(BoardSpecialty.choices).get(code, code))


def _audit(actor: Actor, case: BoardCase, action=AuditAction.UPDATE, object_type: str = "board_case") -> None:
    audit(actor, action=action, patient_id=case.pathway.patient_id, object_type=object_type, object_id=case.pk)


# --- meetings --------------------------------------------------------------------------------------


def meeting_dates(board: Board, *, start: date, weeks: int) -> list[datetime]:
    """The board's meeting starts (aware, Paris time) from `start` over `weeks` weeks, on its rhythm."""
    every = max(board.every_weeks, 1)
    first = board.first_date + timedelta(days=(board.weekday - board.first_date.weekday()) % 7)
    end = start + timedelta(weeks=weeks)
    starts = []
    day = first
    if day < start:
        periods = (start - day).days // (7 * every)
        day += timedelta(weeks=periods * every)
        if day < start:
            day += timedelta(weeks=every)
    while day < end:
        starts.append(datetime.combine(day, board.start_time, tzinfo=PARIS))
        day += timedelta(weeks=every)
    return starts


def board_meetings_generate(*, board: Board, start: date | None = None, weeks: int = MEETINGS_AHEAD_WEEKS) -> int:
    """Create the meetings of the next `weeks` weeks; idempotent, safe on two workers (a unique key per
    board and start). Returns how many were created."""
    start = start or timezone.localdate()
    starts = meeting_dates(board, start=start, weeks=weeks)
    existing = set(BoardMeeting.objects.filter(board=board, starts_at__in=starts).values_list("starts_at", flat=True))
    new = [BoardMeeting(board=board, starts_at=moment) for moment in starts if moment not in existing]
    BoardMeeting.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def next_meetings(board: Board, *, now: datetime | None = None):
    now = now or timezone.now()
    return board.meetings.filter(starts_at__gt=now, status=MeetingStatus.SCHEDULED).order_by("starts_at")


# --- cases ------------------------------------------------------------------------------------------


def _refresh_readiness(case: BoardCase, now: datetime) -> None:
    """Draft ↔ ready follow the checklist (a listed case whose checklist no longer holds goes back to draft)."""
    complete = not board_case_missing_items(case)
    if complete and case.status == CaseStatus.DRAFT:
        case.status, case.ready_at = CaseStatus.READY, now
    elif not complete and case.status in (CaseStatus.READY, CaseStatus.LISTED):
        case.status, case.ready_at, case.listed_at = CaseStatus.DRAFT, None, None


def _validated_answers(pathway_kind: str, answers: dict, version: int | None = None) -> dict:
    """Keep the answer items of the kind's checklist (the case's version) and the sorting questions, stripped;
    a choice outside its list is refused."""
    cleaned = {}
    questions = [(item.code, item.field, item.choices) for item in answer_items(pathway_kind, version)]
    questions += [(question.code, "choice", question.choices) for question in SORTING_QUESTIONS]
    for code, field, choices in questions:
        value = str(answers.get(code, "") or "").strip()
        if field == "choice" and value and value not in {choice for choice, _label in choices}:
            raise BoardError(BoardErrorCode.INVALID_INPUT, _("Choisissez une valeur de la liste."), field=code)
        if len(value) > 2000:
            raise BoardError(BoardErrorCode.INVALID_INPUT, _("2 000 caractères au plus."), field=code)
        cleaned[code] = value
    return cleaned


@transaction.atomic
def board_case_create(
    *, actor: Actor, pathway: Pathway, meeting: BoardMeeting, question: str = "", answers: dict | None = None
) -> BoardCase:
    """Put the pathway on a coming meeting's list as a case in preparation (one open case per pathway)."""
    pathway = Pathway.objects.select_for_update().select_related("template_version__template").get(pk=pathway.pk)
    if pathway.is_closed:
        raise BoardError(BoardErrorCode.PATHWAY_CLOSED, _("Ce parcours est clôturé."))
    meeting = BoardMeeting.objects.select_related("board").get(pk=meeting.pk)
    now = timezone.now()
    if meeting.status != MeetingStatus.SCHEDULED or meeting.starts_at <= now:
        raise BoardError(BoardErrorCode.MEETING_PAST, _("Choisissez une réunion à venir."), field="meeting")
    kind = pathway.template_version.template.kind
    if meeting.board.pathway_kinds and kind not in meeting.board.pathway_kinds:
        raise BoardError(
            BoardErrorCode.INVALID_INPUT, _("Cette RCP ne traite pas ce type de parcours."), field="meeting"
        )
    if BoardCase.objects.filter(pathway=pathway, status__in=OPEN_CASE_STATUSES).exists():
        raise BoardError(BoardErrorCode.ALREADY_ON_BOARD, _("Ce parcours a déjà un dossier de RCP en cours."))
    case = BoardCase(
        pathway=pathway,
        meeting=meeting,
        question=question.strip(),
        answers=_validated_answers(kind, answers or {}),
        checklist_version=checklist_version(),
        created_by=actor.user if getattr(actor.user, "is_authenticated", False) else None,
        created_at=now,
    )
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError as error:
        raise BoardError(
            BoardErrorCode.ALREADY_ON_BOARD, _("Ce parcours a déjà un dossier de RCP en cours.")
        ) from error
    _refresh_readiness(case, now)
    case.save(update_fields=["status", "ready_at", "listed_at"])
    event_record(
        actor=actor,
        kind="board.case_prepared",
        patient_id=pathway.patient_id,
        referral_id=pathway.referral_id,
        payload={"case": case.pk, "board": meeting.board.name, "meeting": meeting.starts_at.isoformat()},
    )
    _audit(actor, case, AuditAction.CREATE)
    return case


def _locked(case: BoardCase) -> BoardCase:
    return (
        BoardCase.objects.select_for_update(of=("self",))
        .select_related("pathway__template_version__template", "meeting__board")
        .get(pk=case.pk)
    )


def _require_open(case: BoardCase) -> None:
    if case.status not in OPEN_CASE_STATUSES:
        raise BoardError(
            BoardErrorCode.INVALID_TRANSITION,
            _("Ce dossier est %(status)s.") % {"status": case.get_status_display().lower()},
        )


@transaction.atomic
def board_case_prepare(
    *, actor: Actor, case: BoardCase, answers: dict, question: str, proposed_sorting: str = ""
) -> BoardCase:
    """Save what the coordinator filled (question, patient-level items, proposed sorting); the status follows
    the checklist. A new proposed sorting waits for the chair's confirmation again."""
    case = _locked(case)
    _require_open(case)
    if proposed_sorting and proposed_sorting not in Sorting.values:
        raise BoardError(BoardErrorCode.INVALID_INPUT, _("Tri inconnu."), field="proposed_sorting")
    case.answers = _validated_answers(case.pathway.template_version.template.kind, answers, case.checklist_version)
    case.question = question.strip()
    if proposed_sorting != case.proposed_sorting:
        case.proposed_sorting = proposed_sorting
        case.sorting_proposed_by = actor.user if proposed_sorting else None
        case.confirmed_sorting, case.sorting_confirmed_by, case.sorting_confirmed_at = "", None, None
    _refresh_readiness(case, timezone.now())
    case.save()
    _audit(actor, case)
    return case


def missing_items_message(missing) -> str:
    """« Dossier incomplet : il manque … » naming each missing item (the page, the service, the tests)."""
    return _("Dossier incomplet : il manque %(items)s.") % {"items": " ; ".join(item.label for item in missing)}


@transaction.atomic
def board_case_list(*, actor: Actor, case: BoardCase) -> BoardCase:
    """Put the case on the meeting's agenda: refused, naming what is missing, until the checklist is complete."""
    case = _locked(case)
    _require_open(case)
    if case.status == CaseStatus.LISTED:
        return case
    missing = board_case_missing_items(case)
    if missing:
        raise BoardError(BoardErrorCode.CHECKLIST_INCOMPLETE, missing_items_message(missing))
    if case.meeting.starts_at <= timezone.now() - timedelta(hours=12):
        raise BoardError(BoardErrorCode.MEETING_PAST, _("Cette réunion est passée : reportez le dossier."))
    now = timezone.now()
    case.status, case.listed_at = CaseStatus.LISTED, now
    case.ready_at = case.ready_at or now
    case.save(update_fields=["status", "listed_at", "ready_at"])
    event_record(
        actor=actor,
        kind="board.case_listed",
        patient_id=case.pathway.patient_id,
        referral_id=case.pathway.referral_id,
        payload={"case": case.pk, "board": case.meeting.board.name, "meeting": case.meeting.starts_at.isoformat()},
    )
    _audit(actor, case)
    return case


@transaction.atomic
def board_case_sorting_confirm(*, actor: Actor, case: BoardCase, sorting: str) -> BoardCase:
    """The chair confirms (or changes) the sorting: standard of care listed only, or full discussion."""
    case = _locked(case)
    _require_open(case)
    if case.meeting.board.chair_id != getattr(actor.user, "professional_id", None):
        raise BoardError(BoardErrorCode.NOT_CHAIR, _("Seul le président de la RCP confirme le tri des dossiers."))
    if sorting not in Sorting.values:
        raise BoardError(BoardErrorCode.INVALID_INPUT, _("Choisissez un tri."), field="sorting")
    case.confirmed_sorting, case.sorting_confirmed_by, case.sorting_confirmed_at = sorting, actor.user, timezone.now()
    case.proposed_sorting = case.proposed_sorting or sorting
    case.save(update_fields=["confirmed_sorting", "sorting_confirmed_by", "sorting_confirmed_at", "proposed_sorting"])
    event_record(
        actor=actor,
        kind="board.sorting_confirmed",
        patient_id=case.pathway.patient_id,
        referral_id=case.pathway.referral_id,
        payload={"case": case.pk, "sorting": sorting},
    )
    _audit(actor, case)
    return case


@transaction.atomic
def board_case_postpone(*, actor: Actor, case: BoardCase, reason: str, to_meeting: BoardMeeting) -> BoardCase:
    """Postpone an open case to a later meeting of the same board: the case is kept as postponed, a new one
    carries its answers to the later meeting. Returns the new case."""
    case = _locked(case)
    _require_open(case)
    if not reason.strip():
        raise BoardError(BoardErrorCode.INVALID_INPUT, _("Indiquez le motif du report."), field="reason")
    if to_meeting.board_id != case.meeting.board_id or to_meeting.starts_at <= case.meeting.starts_at:
        raise BoardError(
            BoardErrorCode.INVALID_INPUT, _("Choisissez une réunion suivante de la même RCP."), field="to_meeting"
        )
    case.status, case.postponed_reason = CaseStatus.POSTPONED, reason.strip()
    case.save(update_fields=["status", "postponed_reason"])
    later = BoardCase.objects.create(
        pathway_id=case.pathway_id,
        meeting=to_meeting,
        question=case.question,
        answers=case.answers,
        checklist_version=case.checklist_version,
        proposed_sorting=case.proposed_sorting,
        sorting_proposed_by=case.sorting_proposed_by,
        created_by=actor.user if getattr(actor.user, "is_authenticated", False) else None,
    )
    later.pathway = case.pathway
    _refresh_readiness(later, timezone.now())
    later.save(update_fields=["status", "ready_at", "listed_at"])
    event_record(
        actor=actor,
        kind="board.case_postponed",
        patient_id=case.pathway.patient_id,
        referral_id=case.pathway.referral_id,
        payload={
            "case": case.pk,
            "board": case.meeting.board.name,
            "meeting": case.meeting.starts_at.isoformat(),
            "reason": reason.strip(),
            "to": to_meeting.starts_at.isoformat(),
        },
    )
    _audit(actor, case)
    return later


# --- the meeting ------------------------------------------------------------------------------------


@transaction.atomic
def board_attendance_record(*, actor: Actor, meeting: BoardMeeting, member_ids: list[int]) -> list[BoardAttendance]:
    """Who attends the meeting: the board members ticked, each under their board specialty (replaces the list)."""
    members = list(BoardMember.objects.filter(board_id=meeting.board_id, pk__in=member_ids))
    if len(members) != len(set(member_ids)):
        raise BoardError(BoardErrorCode.NOT_MEMBER, _("Seuls les membres de la RCP peuvent être déclarés présents."))
    BoardAttendance.objects.filter(meeting=meeting).delete()
    rows = BoardAttendance.objects.bulk_create(
        BoardAttendance(
            meeting=meeting,
            professional_id=member.professional_id,
            specialty=member.specialty,
            recorded_by=actor.user if getattr(actor.user, "is_authenticated", False) else None,
        )
        for member in members
    )
    audit(actor, action=AuditAction.UPDATE, patient_id=None, object_type="board_meeting", object_id=meeting.pk)
    return rows


def quorum_missing(meeting: BoardMeeting) -> list[str]:
    """The required specialties (codes) no attendee of the meeting holds, in the board's order."""
    present = set(BoardAttendance.objects.filter(meeting=meeting).values_list("specialty", flat=True))
    return [code for code in meeting.board.required_specialties if code not in present]


def quorum_message(missing: list[str]) -> str:
    labels = ", ".join(_specialty_label(code) for code in missing)
    if len(missing) == 1:
        return _("Quorum non atteint : la spécialité %(labels)s est absente.") % {"labels": labels}
    return _("Quorum non atteint : les spécialités %(labels)s sont absentes.") % {"labels": labels}


def decision_summary(decision: BoardDecision) -> str:
    """One line for the pathway's milestone note and the GP's message: the treatment and the proposal."""
    return f"{decision.get_treatment_kind_display()} : {decision.proposal}"


@transaction.atomic
def board_decision_record(
    *,
    actor: Actor,
    case: BoardCase,
    treatment_kind: str,
    proposal: str,
    trial_eligibility: str,
    options: str = "",
    trial_note: str = "",
    next_steps: str = "",
    announcement_plan: str = "",
) -> BoardDecision:
    """Record the board's decision on a listed case, validated by the specialties present.

    Refused when the case is not listed, when the chair has not confirmed its sorting, or when a required
    specialty is absent (the quorum, named). Then, in the same transaction: the pathway's diagnosis is
    malignant if not yet recorded (the treatment branch starts), the tumour-board step is recorded with the
    decision (the GP and the referrer hear of it through the outbox, `tumour_board.decision`) and the steps that
    follow it (the medical announcement consultation, the nurse's announcement time) are due from it, the PPS
    hand-over and the next steps become tasks, and the PPS's first version is written."""
    case = _locked(case)
    if case.status != CaseStatus.LISTED:
        raise BoardError(
            BoardErrorCode.INVALID_TRANSITION, _("Le dossier doit être inscrit à l'ordre du jour avant la décision.")
        )
    if not case.confirmed_sorting:
        raise BoardError(
            BoardErrorCode.SORTING_NOT_CONFIRMED,
            _("Le président de la RCP doit d'abord confirmer le tri du dossier (standard ou discussion)."),
        )
    missing = quorum_missing(case.meeting)
    if missing:
        raise BoardError(BoardErrorCode.QUORUM, quorum_message(missing))
    if treatment_kind not in TreatmentKind.values:
        raise BoardError(BoardErrorCode.INVALID_INPUT, _("Choisissez le traitement proposé."), field="treatment_kind")
    if trial_eligibility not in TrialEligibility.values:
        raise BoardError(
            BoardErrorCode.INVALID_INPUT, _("Indiquez l'éligibilité à un essai."), field="trial_eligibility"
        )
    if not proposal.strip():
        raise BoardError(BoardErrorCode.INVALID_INPUT, _("Écrivez la proposition thérapeutique."), field="proposal")
    pathway = Pathway.objects.get(pk=case.pathway_id)
    if pathway.is_closed:
        raise BoardError(BoardErrorCode.PATHWAY_CLOSED, _("Ce parcours est clôturé."))
    now = timezone.now()
    present = list(BoardAttendance.objects.filter(meeting=case.meeting).values_list("specialty", flat=True).distinct())
    decision = BoardDecision.objects.create(
        case=case,
        treatment_kind=treatment_kind,
        proposal=proposal.strip(),
        options=options.strip(),
        trial_eligibility=trial_eligibility,
        trial_note=trial_note.strip()[:300],
        next_steps=next_steps.strip(),
        announcement_plan=announcement_plan.strip(),
        validated_specialties=sorted(set(present)),
        decided_at=now,
        recorded_by=actor.user if getattr(actor.user, "is_authenticated", False) else None,
    )
    case.status = CaseStatus.DECIDED
    case.save(update_fields=["status"])
    decision.event = event_record(
        actor=actor,
        kind="board.decision_recorded",
        patient_id=pathway.patient_id,
        referral_id=pathway.referral_id,
        payload={
            "case": case.pk,
            "board": case.meeting.board.name,
            "treatment_kind": treatment_kind,
            "sorting": case.confirmed_sorting,
            "trial_eligibility": trial_eligibility,
            "specialties": decision.validated_specialties,
        },
    )
    decision.save(update_fields=["event"])
    _decision_into_pathway(actor=actor, pathway=pathway, decision=decision, now=now)
    _audit(actor, case, AuditAction.CREATE, object_type="board_decision")
    from jalon.boards.care_plans import care_plan_start

    care_plan_start(actor=actor, decision=decision)
    return decision


def _decision_into_pathway(*, actor: Actor, pathway: Pathway, decision: BoardDecision, now: datetime) -> None:
    """The treatment branch follows the decision: malignant outcome if pending, the tumour-board step done
    (its due dates move both announcement steps and the treatment start), the tasks the decision asks."""
    try:
        if not pathway.outcome:
            pathway = pathway_record_outcome(
                actor=actor, pathway=pathway, outcome=Outcome.MALIGNANT, note=_("Proposition de RCP.")
            )
        step = pathway.milestones.filter(code="tumour_board").first()
        if step is not None and step.status == MilestoneStatus.PENDING:
            milestone_record(actor=actor, milestone=step, done_at=now, note=decision_summary(decision))
    except PathwayError as error:
        raise BoardError(BoardErrorCode.INVALID_INPUT, error.message) from error
    nurse_due = add_delay(now, NURSE_ANNOUNCEMENT_DAYS, "days", department=pathway.department or None)
    tasks = [
        {
            "label": _("Remettre au patient son programme personnalisé de soins (PPS)"),
            "responsible_role": ResponsibleRole.COORDINATOR,
            "due_at": nurse_due,
        },
    ]
    if not pathway.milestones.filter(code=NURSE_ANNOUNCEMENT_STEP).exists():
        # A pathway on a template version before the step (it keeps its version): the nurse's time as a task.
        tasks.insert(
            0,
            {
                "label": _("Temps d'accompagnement soignant (annonce infirmière) et évaluation des soins de support"),
                "responsible_role": ResponsibleRole.COORDINATOR,
                "due_at": nurse_due,
            },
        )
    for line in decision.next_steps.splitlines():
        if line.strip(" -•\t"):
            tasks.append({"label": _("Suite de la RCP : %(step)s") % {"step": line.strip(" -•\t")}, "due_at": None})
    for task in tasks:
        task_add(actor=actor, pathway=pathway, source=_("Décision de RCP"), **task)
