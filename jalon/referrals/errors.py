"""Domain errors of referrals, with codes the API returns as they are."""

from __future__ import annotations

from enum import StrEnum


class ReferralErrorCode(StrEnum):
    TRANSITION_NOT_ALLOWED = "transition_not_allowed"
    INCOMPLETE = "incomplete"
    OUTSIDE_TERRITORY_NOT_ACKNOWLEDGED = "outside_territory_not_acknowledged"
    REASON_REQUIRED = "reason_required"
    INVALID_DOCUMENT = "invalid_document"
    INVALID_INPUT = "invalid_input"
    ENTRY_POINT_CLOSED = "entry_point_closed"
    NOT_ALLOWED = "not_allowed"


class ReferralError(Exception):
    def __init__(self, code: ReferralErrorCode, message: str, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
