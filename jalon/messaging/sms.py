"""SMS through a pluggable gateway: the class named by the SMS_GATEWAY setting (a dotted path).

A gateway only transports a short text to a phone number. It receives the outbox message's
idempotency key so that a real provider can drop a resend after a crash (most SMS APIs accept a
client reference for that). An SMS never carries clinical detail: the outbox sends short notices
inviting the recipient to log in (see `jalon.messaging.services._send`).
"""

from __future__ import annotations

import json
import threading
from typing import Protocol, runtime_checkable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.module_loading import import_string

# Two concatenated SMS segments; a notice to log in fits easily, a clinical letter does not.
SMS_MAX_LENGTH = 320


@runtime_checkable
class SmsGateway(Protocol):
    def send(self, *, to: str, text: str, idempotency_key: str) -> None:
        """Hand the text to the provider; raise on any failure (the outbox retries later)."""


def get_gateway() -> SmsGateway:
    """An instance of the gateway named by settings.SMS_GATEWAY; ImproperlyConfigured if unusable."""
    path = getattr(settings, "SMS_GATEWAY", "") or ""
    try:
        gateway_class = import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(
            f"SMS_GATEWAY={path!r} cannot be imported ({exc}); "
            "set it to the dotted path of a class with a send(*, to, text, idempotency_key) method, "
            "e.g. 'jalon.messaging.sms.FileSmsGateway'"
        ) from exc
    gateway = gateway_class() if isinstance(gateway_class, type) else None
    if gateway is None or not callable(getattr(gateway, "send", None)):
        raise ImproperlyConfigured(
            f"SMS_GATEWAY={path!r} is not an SMS gateway class: it needs a send(*, to, text, idempotency_key) method"
        )
    return gateway


class FileSmsGateway:
    """The embedded default: each SMS is a JSON line appended to VAR_DIR/sms/sms.log."""

    _lock = threading.Lock()

    def send(self, *, to: str, text: str, idempotency_key: str) -> None:
        directory = settings.VAR_DIR / "sms"
        directory.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {"at": timezone.now().isoformat(), "to": to, "text": text, "idempotency_key": idempotency_key},
            ensure_ascii=False,
        )
        with self._lock, open(directory / "sms.log", "a", encoding="utf-8") as log:
            log.write(line + "\n")


# What LocmemSmsGateway sent, oldest first (tests read and clear it).
locmem_outbox: list[dict[str, str]] = []


class LocmemSmsGateway:
    """For tests: keeps each SMS in the module-level `locmem_outbox` list."""

    def send(self, *, to: str, text: str, idempotency_key: str) -> None:
        locmem_outbox.append({"to": to, "text": text, "idempotency_key": idempotency_key})
