"""The id of the request (or worker task) being served, on every log line and in the answer's headers.

The middleware takes the caller's `X-Request-ID` when it is safe (a reverse proxy or an API client may set
one to follow a call across systems), else makes a uuid4; it keeps it in a context variable for the
logging filter, and returns it as `X-Request-ID`. In the Huey worker the task's id takes its place
(core/tasks.py).
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

REQUEST_ID_HEADER = "X-Request-ID"
NO_REQUEST_ID = "-"
# Letters, digits and a few separators, 1 to 128 characters: nothing that could forge a log line or a header.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@+=/-]{1,128}")

current_request_id: ContextVar[str] = ContextVar("current_request_id", default=NO_REQUEST_ID)


def request_id_from(header: str | None) -> str:
    """The incoming id when it is safe, else a new uuid4 (hex)."""
    if header and SAFE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Sets the request's id for the logs while it is served; answers it in `X-Request-ID`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id
        token = current_request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Gives every record the current request id (`record.request_id`), "-" outside a request or task."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True
