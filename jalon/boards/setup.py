"""What managers set up from their pages (issue 16): a board (site, pathway kinds, schedule, quorum, members and
chair) and the cancellation of a meeting. Each service is one transaction with its audit record.

A cancelled meeting's open cases are carried to the board's next meeting through `services.board_case_postpone`,
the rule a manual postponement follows (the case is kept as postponed with the reason, a new one carries its
answers; there it is « dossier complet » or « en préparation » again, to be listed, and its sorting confirmed, once
more), and the coordinators of each case's entry point are told (`board.meeting_cancelled`). A coordinator expects
their case on the next meeting rather than nowhere: nothing is forgotten, and moving it elsewhere stays one
postponement away.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jalon.accounts.audit import audit
from jalon.accounts.models import AuditAction
from jalon.boards.errors import BoardError, BoardErrorCode
from jalon.boards.models import (
    OPEN_CASE_STATUSES,
    Board,
    BoardCase,
    BoardMeeting,
    BoardMember,
    BoardSpecialty,
    CaseStatus,
    MeetingStatus,
)
from jalon.boards.services import board_case_postpone, board_meetings_generate, meeting_dates
from jalon.core.actor import Actor
from jalon.core.formatting import date_at_time
from jalon.core.vocabulary import PathwayKind
from jalon.diagnostics.access import coordinators_of
from jalon.messaging.notify import notify
from jalon.referrals.notifications import patient_text

MAX_EVERY_WEEKS = 8


@dataclass(frozen=True)
class BoardSetup:
    """What the manager's form gives (cleaned): `members` is a list of (professional, specialty code)."""

    name: str
    organization: object
    pathway_kinds: list[str]
    weekday: int
    start_time: time
    duration_minutes: int
    every_weeks: int
    first_date: date
    required_specialties: list[str]
    chair: object
    members: list[tuple[object, str]]
    is_active: bool = True


def _specialty_labels(codes) -> str:
    labels = dict(BoardSpecialty.choices)
    return ", ".join(str(labels.get(code, code)) for code in codes)


def board_setup_errors(setup: BoardSetup) -> dict[str, str]:
    """Why the setup cannot be saved, per field (French); empty when it can. The one check the form and the service
    both read."""
    errors = {}
    if not setup.name.strip():
        errors["name"] = _("Donnez un nom à la RCP.")
    if unknown := [kind for kind in setup.pathway_kinds if kind not in PathwayKind.values]:
        errors["pathway_kinds"] = _("Type de parcours inconnu : %(codes)s.") % {"codes": ", ".join(unknown)}
    if unknown := [code for code in setup.required_specialties if code not in BoardSpecialty.values]:
        errors["required_specialties"] = _("Spécialité inconnue : %(codes)s.") % {"codes": ", ".join(unknown)}
    if not 1 <= setup.every_weeks <= MAX_EVERY_WEEKS:
        errors["every_weeks"] = _("Entre 1 et %(max)s semaines.") % {"max": MAX_EVERY_WEEKS}
    if not 15 <= setup.duration_minutes <= 600:
        errors["duration_minutes"] = _("Entre 15 et 600 minutes.")
    professionals = [professional.pk for professional, _specialty in setup.members]
    if not setup.members:
        errors["members"] = _("Indiquez au moins un membre.")
    elif len(professionals) != len(set(professionals)):
        errors["members"] = _("Un même professionnel est inscrit deux fois : gardez une seule ligne.")
    elif unknown := [code for _professional, code in setup.members if code not in BoardSpecialty.values]:
        errors["members"] = _("Spécialité inconnue : %(codes)s.") % {"codes": ", ".join(unknown)}
    else:
        held = {specialty for _professional, specialty in setup.members}
        if missing := [code for code in setup.required_specialties if code not in held]:
            errors["required_specialties"] = _(
                "Aucun membre ne siège pour : %(labels)s. Le quorum ne serait jamais atteint."
            ) % {"labels": _specialty_labels(missing)}
    if setup.chair is None:
        errors["chair"] = _("Choisissez le président de la RCP.")
    elif setup.chair.pk not in professionals:
        errors["chair"] = _("Le président doit être l'un des membres de la RCP.")
    return errors


@transaction.atomic
def board_save(*, actor: Actor, board: Board | None, setup: BoardSetup) -> Board:
    """Create a board, or change one: its members are replaced by the list given (each under its specialty). The
    meetings of the next weeks follow the schedule: generated when active; coming meetings that hold no case and
    no longer fit the schedule are removed (a coming meeting with cases is kept: cancelling it is the manager's
    explicit act, which carries its cases over)."""
    if errors := board_setup_errors(setup):
        field, message = next(iter(errors.items()))
        raise BoardError(BoardErrorCode.INVALID_INPUT, message, field=field)
    created = board is None
    board = Board() if created else Board.objects.select_for_update().get(pk=board.pk)
    board.name = setup.name.strip()[:200]
    board.organization = setup.organization
    board.pathway_kinds = list(setup.pathway_kinds)
    board.weekday = setup.weekday
    board.start_time = setup.start_time
    board.duration_minutes = setup.duration_minutes
    board.every_weeks = setup.every_weeks
    board.first_date = setup.first_date
    board.required_specialties = list(setup.required_specialties)
    board.chair = setup.chair
    board.is_active = setup.is_active
    board.save()
    wanted = {professional.pk: specialty for professional, specialty in setup.members}
    BoardMember.objects.filter(board=board).exclude(professional_id__in=wanted).delete()
    existing = {member.professional_id: member for member in BoardMember.objects.filter(board=board)}
    for professional_id, specialty in wanted.items():
        member = existing.get(professional_id)
        if member is None:
            BoardMember.objects.create(board=board, professional_id=professional_id, specialty=specialty)
        elif member.specialty != specialty:
            member.specialty = specialty
            member.save(update_fields=["specialty"])
    now = timezone.now()
    coming = BoardMeeting.objects.filter(board=board, starts_at__gt=now, status=MeetingStatus.SCHEDULED)
    if board.is_active:
        fitting = meeting_dates(board, start=timezone.localdate(now), weeks=52)
        coming.filter(cases__isnull=True).exclude(starts_at__in=fitting).delete()
        board_meetings_generate(board=board)
    else:
        coming.filter(cases__isnull=True).delete()
    audit(
        actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        patient_id=None,
        object_type="board",
        object_id=board.pk,
    )
    return board


def next_meeting_after(meeting: BoardMeeting) -> BoardMeeting | None:
    """The board's next scheduled meeting after `meeting` (the meetings of the coming weeks generated first)."""
    if meeting.board.is_active:
        board_meetings_generate(board=meeting.board)
    return (
        BoardMeeting.objects.filter(
            board_id=meeting.board_id, status=MeetingStatus.SCHEDULED, starts_at__gt=meeting.starts_at
        )
        .exclude(pk=meeting.pk)
        .select_related("board")
        .order_by("starts_at")
        .first()
    )


@transaction.atomic
def board_meeting_cancel(*, actor: Actor, meeting: BoardMeeting, reason: str) -> list[BoardCase]:
    """Cancel a coming meeting, with its reason: its open cases are carried to the board's next meeting (see the
    module's docstring) and their coordinators told. Refused for a past or already cancelled meeting, one where a
    decision was recorded, or when open cases have no next meeting to go to. Returns the cases carried over."""
    meeting = BoardMeeting.objects.select_for_update().select_related("board").get(pk=meeting.pk)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise BoardError(BoardErrorCode.INVALID_TRANSITION, _("Cette réunion est déjà annulée."))
    now = timezone.now()
    if meeting.starts_at <= now:
        raise BoardError(BoardErrorCode.MEETING_PAST, _("Une réunion commencée ou passée ne peut pas être annulée."))
    reason = reason.strip()
    if not reason:
        raise BoardError(BoardErrorCode.INVALID_INPUT, _("Indiquez le motif de l'annulation."), field="reason")
    if len(reason) > 300:
        raise BoardError(BoardErrorCode.INVALID_INPUT, _("300 caractères au plus."), field="reason")
    if BoardCase.objects.filter(meeting=meeting, status=CaseStatus.DECIDED).exists():
        raise BoardError(
            BoardErrorCode.INVALID_TRANSITION,
            _("Une décision est déjà enregistrée pour cette réunion : elle ne peut plus être annulée."),
        )
    open_cases = list(
        BoardCase.objects.filter(meeting=meeting, status__in=OPEN_CASE_STATUSES)
        .select_related("pathway__referral__entry_point", "pathway__patient")
        .order_by("pk")
    )
    later = next_meeting_after(meeting) if open_cases else None
    if open_cases and later is None:
        raise BoardError(
            BoardErrorCode.INVALID_TRANSITION,
            _(
                "Cette RCP n'a pas de réunion suivante où reporter ses dossiers : réactivez-la ou reportez chaque "
                "dossier vers une autre RCP avant d'annuler."
            ),
        )
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_at = now
    meeting.cancelled_by = actor.user if getattr(actor.user, "is_authenticated", False) else None
    meeting.cancel_reason = reason
    meeting.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason"])
    audit(actor, action=AuditAction.UPDATE, patient_id=None, object_type="board_meeting", object_id=meeting.pk)
    carried = []
    for case in open_cases:
        moved = board_case_postpone(
            actor=actor,
            case=case,
            reason=_("RCP du %(date)s annulée : %(reason)s")
            % {"date": date_at_time(meeting.starts_at), "reason": reason},
            to_meeting=later,
        )
        _tell_coordinators(meeting=meeting, case=case, moved=moved, reason=reason)
        carried.append(moved)
    return carried


def _tell_coordinators(*, meeting: BoardMeeting, case: BoardCase, moved: BoardCase, reason: str) -> None:
    referral = case.pathway.referral
    notify(
        kind="board.meeting_cancelled",
        key=f"board-meeting-{meeting.pk}-cancelled-case-{case.pk}",
        patient_id=case.pathway.patient_id,
        organization_id=referral.entry_point.organization_id,
        recipients=coordinators_of(referral.entry_point.organization_id),
        values={
            "reference": referral.reference,
            "guichet": referral.entry_point.name,
            "patient": patient_text(case.pathway.patient),
            "date": date_at_time(moved.meeting.starts_at),
            "motif": reason,
        },
        link_path=reverse("boards:case", kwargs={"case_id": moved.pk}),
    )
