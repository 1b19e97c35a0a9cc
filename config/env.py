"""Strict readers of environment variables: a bad value stops start-up with a clear message."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be >= {minimum}, got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def secret_key(var_dir: Path, *, production: bool = False) -> str:
    """SECRET_KEY from the environment; outside production only, else a generated one kept in var/secret_key.

    In production a key generated on the machine would differ between servers and vanish with a
    redeployed disk (every session and signed link broken), so a missing key stops start-up.
    """
    from_env = os.environ.get("SECRET_KEY", "").strip()
    if from_env:
        if len(from_env) < 50:
            raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long")
        return from_env
    if production:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when JALON_PRODUCTION=1 (at least 50 random characters, the same on every "
            "server): Jalon does not generate one per machine in production. / SECRET_KEY est obligatoire en "
            "production (JALON_PRODUCTION=1) : au moins 50 caractères aléatoires, identiques sur chaque serveur."
        )
    key_file = var_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(64)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def log_level(name: str = "LOG_LEVEL", default: str = "INFO") -> str:
    """A logging level name from the environment (any case); anything else stops start-up naming the allowed values."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().upper()
    if value not in LOG_LEVELS:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(LOG_LEVELS)}, got {raw!r}")
    return value


LOG_FORMATS = ("plain", "json")


def log_format(name: str = "LOG_FORMAT", default: str = "plain") -> str:
    """`plain` (one readable line per record) or `json` (one JSON object per line); anything else stops start-up."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value not in LOG_FORMATS:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(LOG_FORMATS)}, got {raw!r}")
    return value


_RATE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def env_rate(name: str, default: str) -> str:
    """A rate such as « 20/m » or « 100/15m » (count per period, s/m/h/d): refused when malformed."""
    raw = os.environ.get(name)
    value = default if raw is None or raw.strip() == "" else raw.strip()
    count, _, period = value.partition("/")
    multiplier, unit = period[:-1], period[-1:]
    if not (
        count.isdigit()
        and int(count) >= 1
        and unit in _RATE_UNITS
        and (multiplier == "" or (multiplier.isdigit() and int(multiplier) >= 1))
    ):
        raise ImproperlyConfigured(f"{name} must be a rate such as 20/m or 100/15m, got {value!r}")
    return value
