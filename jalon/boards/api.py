"""The tumour boards' read-only API routes (a router mounted by `jalon.api` at /api/v1/): the coming meetings of the
boards the token's user reaches, and one meeting with the cases they reach on it.

Same rules as the pages (boards/access.py): a board member reads their boards' meetings and every case listed there;
a coordinator reads the boards' schedules and, on a meeting, only their own entry points' cases; anyone else is
refused (403), and a meeting out of reach answers 404 whether it exists or not. Each case read is audited. Token
scope `read_boards`.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema

from jalon.accounts.access import Capability, capabilities_of
from jalon.accounts.audit import audit_many
from jalon.accounts.models import ApiScope, AuditAction
from jalon.accounts.tokens import ApiTokenAuth
from jalon.boards.access import board_cases_visible_to, boards_visible_to, meeting_for_user
from jalon.boards.models import BoardMeeting
from jalon.core.actor import Actor, client_ip
from jalon.core.forms import beyond_any_row_id
from jalon.referrals.models import Channel
from jalon.referrals.notifications import patient_text
from jalon.referrals.schemas import ErrorOut

router = Router()
ERROR_RESPONSES = frozenset({401, 403, 404, 429})
BOARD_READERS = frozenset({Capability.SIT_ON_BOARDS, Capability.WORK_REFERRALS})
MEETINGS_LISTED = 200


class BoardLabelOut(Schema):
    code: str
    label: str


class MeetingOut(Schema):
    """A meeting of a board. Times are in Europe/Paris with their offset."""

    id: int
    board: str
    site: str
    starts_at: datetime
    status: BoardLabelOut
    cancel_reason: str


class CaseOut(Schema):
    id: int
    reference: str
    patient: str
    pathway_kind: str
    status: BoardLabelOut
    question: str
    sorting: str | None


class MeetingCasesOut(MeetingOut):
    cases: list[CaseOut]


def _actor(request: HttpRequest) -> Actor:
    return Actor(
        user=request.auth, ip_address=client_ip(request), path=request.get_full_path()[:300], channel=Channel.API
    )


def _require_board_reader(user) -> None:
    if not capabilities_of(user) & BOARD_READERS:
        raise PermissionDenied(_("Votre compte ne donne pas accès aux RCP."))


def _meeting(meeting: BoardMeeting) -> dict:
    return {
        "id": meeting.pk,
        "board": meeting.board.name,
        "site": meeting.board.organization.name,
        "starts_at": timezone.localtime(meeting.starts_at),
        "status": {"code": meeting.status, "label": str(meeting.get_status_display())},
        "cancel_reason": meeting.cancel_reason,
    }


@router.get(
    "/boards/meetings",
    auth=ApiTokenAuth(scope=ApiScope.READ_BOARDS),
    response={200: list[MeetingOut], ERROR_RESPONSES: ErrorOut},
    summary="Réunions de RCP à venir",
    description="Les réunions à venir des RCP dont vous êtes membre (coordination : toutes les RCP actives). "
    "Jeton avec le droit `read_boards`.",
)
def board_meetings(request: HttpRequest):
    _require_board_reader(request.auth)
    meetings = (
        BoardMeeting.objects.filter(board__in=boards_visible_to(request.auth), starts_at__gt=timezone.now())
        .select_related("board__organization")
        .order_by("starts_at", "pk")[:MEETINGS_LISTED]
    )
    return [_meeting(meeting) for meeting in meetings]


@router.get(
    "/boards/meetings/{meeting_id}",
    auth=ApiTokenAuth(scope=ApiScope.READ_BOARDS),
    response={200: MeetingCasesOut, ERROR_RESPONSES: ErrorOut},
    summary="Une réunion de RCP et ses dossiers",
    description="Les dossiers de la réunion que vous pouvez voir : tous pour un membre de la RCP, ceux de vos "
    "guichets pour la coordination. 404 pour une réunion hors de votre portée. Jeton avec le droit `read_boards`.",
)
def board_meeting(request: HttpRequest, meeting_id: int):
    _require_board_reader(request.auth)
    if beyond_any_row_id(meeting_id):
        raise Http404
    meeting = meeting_for_user(request.auth, meeting_id)
    cases = list(
        board_cases_visible_to(request.auth)
        .filter(meeting=meeting)
        .select_related("pathway__referral", "pathway__patient", "pathway__template_version__template")
        .order_by("pk")
    )
    audit_many(
        _actor(request),
        action=AuditAction.READ,
        patient_ids=[case.pathway.patient_id for case in cases],
        object_type="board_case",
    )
    return {
        **_meeting(meeting),
        "cases": [
            {
                "id": case.pk,
                "reference": case.pathway.referral.reference,
                "patient": patient_text(case.pathway.patient),
                "pathway_kind": case.pathway.template_version.template.kind,
                "status": {"code": case.status, "label": str(case.get_status_display())},
                "question": case.question,
                "sorting": case.confirmed_sorting or case.proposed_sorting or None,
            }
            for case in cases
        ],
    }
