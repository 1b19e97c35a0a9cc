from __future__ import annotations

from enum import StrEnum


class SchedulingErrorCode(StrEnum):
    SLOT_TAKEN = "slot_taken"
    ALREADY_BOOKED = "already_booked"
    SLOT_NOT_ELIGIBLE = "slot_not_eligible"
    SLOT_IN_PAST = "slot_in_past"
    SLOT_TOO_SOON = "slot_too_soon"
    WRONG_SPECIALTY = "wrong_specialty"
    SITES_APART = "sites_apart"
    WRONG_RESOURCE = "wrong_resource"
    PATHWAY_CLOSED = "pathway_closed"
    NOT_BOOKED = "not_booked"
    REASON_REQUIRED = "reason_required"
    INVALID_INPUT = "invalid_input"


class SchedulingError(Exception):
    def __init__(self, code: SchedulingErrorCode, message: str, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
