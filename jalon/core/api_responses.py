"""A JSON answer rendered exactly as the API renders its own (django-ninja's JSON renderer).

Routes that must return their final `HttpResponse` (the idempotency layer stores what is sent) and the
API's error handlers build their answers here, so that a body looks the same whoever built it.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja.renderers import JSONRenderer

_RENDERER = JSONRenderer()
CONTENT_TYPE = f"{_RENDERER.media_type}; charset={_RENDERER.charset}"


def api_json_response(request: HttpRequest, data: Any, *, status: int) -> HttpResponse:
    """`data` as the API's JSON body with `status`."""
    return HttpResponse(
        _RENDERER.render(request, data, response_status=status), status=status, content_type=CONTENT_TYPE
    )
