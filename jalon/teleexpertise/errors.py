"""Domain errors of tele-expertise, with codes the pages (and a future API) return as they are."""

from __future__ import annotations

from enum import StrEnum


class TeleExpertiseErrorCode(StrEnum):
    QUESTION_REQUIRED = "question_required"
    ANSWER_REQUIRED = "answer_required"
    INVALID_DOCUMENT = "invalid_document"
    INVALID_INPUT = "invalid_input"
    OFFER_CLOSED = "offer_closed"
    TRANSITION_NOT_ALLOWED = "transition_not_allowed"
    NOT_ALLOWED = "not_allowed"
    CONVERSION_FAILED = "conversion_failed"


class TeleExpertiseError(Exception):
    def __init__(self, code: TeleExpertiseErrorCode, message: str, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
