"""Domain errors of the portal and its threads, with codes the API and pages can rely on."""

from __future__ import annotations

from enum import StrEnum


class PortalErrorCode(StrEnum):
    EMPTY_MESSAGE = "empty_message"
    MESSAGE_TOO_LONG = "message_too_long"
    NOT_ALLOWED = "thread_not_allowed"


class PortalError(Exception):
    def __init__(self, code: PortalErrorCode, message: str, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
