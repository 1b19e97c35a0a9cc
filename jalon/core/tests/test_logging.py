"""Log lines say when, how serious, which logger and which request; JSON lines with LOG_FORMAT=json."""

import io
import json
import logging
import logging.config

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory

from jalon.core.request_id import RequestIdFilter, RequestIdMiddleware, current_request_id


def _handler(format_name: str) -> tuple[logging.Handler, io.StringIO]:
    """A handler built from settings.LOGGING's formatter `format_name` and filter, writing to a buffer."""
    stream = io.StringIO()
    configurator = logging.config.DictConfigurator(settings.LOGGING)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(configurator.configure_formatter(dict(settings.LOGGING["formatters"][format_name])))
    handler.addFilter(RequestIdFilter())
    return handler, stream


def _serve(request_id: str | None, format_name: str = "plain") -> tuple[HttpResponse, str]:
    """A request through the middleware whose view logs one line; the answer and the log output."""
    logger = logging.getLogger("jalon.test_logging")
    handler, stream = _handler(format_name)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)

    def view(request):
        logger.info("vue appelée")
        return HttpResponse("ok")

    headers = {"HTTP_X_REQUEST_ID": request_id} if request_id is not None else {}
    try:
        response = RequestIdMiddleware(view)(RequestFactory().get("/", **headers))
    finally:
        logger.removeHandler(handler)
    return response, stream.getvalue()


def test_a_log_line_carries_the_request_id_with_time_level_and_logger():
    """The caller's X-Request-ID is on the line and in the answer."""
    response, output = _serve("abc-123")
    assert response["X-Request-ID"] == "abc-123"
    line = output.strip()
    assert line.endswith("INFO jalon.test_logging [abc-123] vue appelée")
    assert line[:4].isdigit()  # the time comes first


@pytest.mark.parametrize("unsafe", ["", "deux mots", "ligne\nforgée", "x" * 129, "<script>"])
def test_it_replaces_an_unsafe_or_missing_request_id(unsafe):
    """A header that could forge a log line or a header is replaced by a fresh uuid4."""
    response, output = _serve(unsafe)
    request_id = response["X-Request-ID"]
    assert request_id != unsafe and len(request_id) == 32 and f"[{request_id}]" in output


def test_it_makes_a_request_id_when_none_is_sent():
    """Each request without one gets its own."""
    first, _output = _serve(None)
    second, _output = _serve(None)
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_json_lines_parse_with_the_same_fields():
    """LOG_FORMAT=json: one JSON object per line with time, level, logger, request id and message."""
    _response, output = _serve("req-42", "json")
    record = json.loads(output.strip())
    assert record["level"] == "INFO" and record["logger"] == "jalon.test_logging"
    assert record["request_id"] == "req-42" and record["message"] == "vue appelée"
    assert record["time"][:4].isdigit()


def test_outside_a_request_the_id_is_a_dash():
    """Management commands and the worker's own lines say "-"."""
    assert current_request_id.get() == "-"


def test_every_answer_of_the_site_carries_its_request_id(client):
    """The middleware is installed first: even the login page answers with its id."""
    response = client.get("/connexion/", HTTP_X_REQUEST_ID="from-the-proxy")
    assert response["X-Request-ID"] == "from-the-proxy"
