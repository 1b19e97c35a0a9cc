"""Domain errors of patients (identity vigilance), with codes the pages and the API show as they are."""

from __future__ import annotations

from enum import StrEnum


class PatientErrorCode(StrEnum):
    NOT_ALLOWED = "not_allowed"
    ALREADY_RESOLVED = "already_resolved"
    REASON_REQUIRED = "reason_required"
    INVALID_INPUT = "invalid_input"


class PatientError(Exception):
    def __init__(self, code: PatientErrorCode, message: str, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
