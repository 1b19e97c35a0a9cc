from __future__ import annotations

from enum import StrEnum


class PathwayErrorCode(StrEnum):
    NO_TEMPLATE = "no_template"
    CLOSED = "pathway_closed"
    FUTURE_DATE = "future_date"
    INVALID_DATE = "invalid_date"
    DEPENDENCY = "dependency_not_done"
    REQUIRED = "milestone_required"
    REASON_REQUIRED = "reason_required"
    OUTCOME_ALREADY_SET = "outcome_already_set"
    INVALID_INPUT = "invalid_input"
    OVERRIDE_REASON_REQUIRED = "override_reason_required"


class PathwayError(Exception):
    def __init__(self, code: PathwayErrorCode, message: str, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
