"""Domain errors of diagnostics, with codes the pages (and a future API) return as they are."""

from __future__ import annotations

from enum import StrEnum


class DiagnosticsErrorCode(StrEnum):
    INVALID_INPUT = "invalid_input"
    INVALID_DATE = "invalid_date"
    FUTURE_DATE = "future_date"
    TRANSITION_NOT_ALLOWED = "transition_not_allowed"
    NOT_A_PATHOLOGIST = "not_a_pathologist"
    INVALID_DOCUMENT = "invalid_document"
    PATHWAY_REFUSED = "pathway_refused"


class DiagnosticsError(Exception):
    def __init__(self, code: DiagnosticsErrorCode, message: str, field: str | None = None, errors: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.errors = errors or {}
