"""Domain errors of the mail-in, with codes (as jalon.referrals.errors)."""

from __future__ import annotations

from enum import StrEnum


class MailInErrorCode(StrEnum):
    ALREADY_HANDLED = "already_handled"
    REASON_REQUIRED = "reason_required"
    INVALID_ATTACHMENT = "invalid_attachment"


class MailInError(Exception):
    def __init__(self, code: MailInErrorCode, message: str, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
