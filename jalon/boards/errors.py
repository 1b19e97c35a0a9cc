from __future__ import annotations

from enum import StrEnum


class BoardErrorCode(StrEnum):
    CHECKLIST_INCOMPLETE = "checklist_incomplete"
    QUORUM = "quorum"
    INVALID_TRANSITION = "invalid_transition"
    NOT_CHAIR = "not_chair"
    SORTING_NOT_CONFIRMED = "sorting_not_confirmed"
    NOT_MEMBER = "not_member"
    ALREADY_ON_BOARD = "already_on_board"
    PATHWAY_CLOSED = "pathway_closed"
    MEETING_PAST = "meeting_past"
    PPS_HANDED = "pps_handed"
    INVALID_INPUT = "invalid_input"


class BoardError(Exception):
    """A refused board action, with a French message (and the form field it concerns, if any)."""

    def __init__(self, code: BoardErrorCode, message: str, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
