"""Configuration: strict environment readers and production hardening."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import LOG_LEVELS, env_bool, env_int, env_rate, log_level, secret_key
from jalon.core.request_id import RequestIdFilter

BASE_DIR = Path(__file__).resolve().parents[3]


def test_it_refuses_a_bad_boolean(monkeypatch):
    """A boolean variable with a value that is not one stops start-up."""
    monkeypatch.setenv("JALON_FLAG", "peut-être")
    with pytest.raises(ImproperlyConfigured):
        env_bool("JALON_FLAG")


def test_it_refuses_a_bad_integer(monkeypatch):
    """An integer variable below its minimum stops start-up."""
    monkeypatch.setenv("JALON_NUMBER", "0")
    with pytest.raises(ImproperlyConfigured):
        env_int("JALON_NUMBER", 5, minimum=1)


def test_it_keeps_a_generated_secret_key_out_of_the_environment(tmp_path, monkeypatch):
    """Without SECRET_KEY a key is generated once in the var directory and reused."""
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = secret_key(tmp_path)
    assert first == secret_key(tmp_path) and len(first) > 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_it_passes_the_deployment_checks_in_production(tmp_path):
    """Production settings pass `manage.py check --deploy` with no warning."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "JALON_PRODUCTION": "1",
        "SECRET_KEY": "x" * 20 + "-production-secret-key-for-the-check-0123456789",
        "ALLOWED_HOSTS": "jalon.example.org",
        "JALON_VAR_DIR": str(tmp_path),
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_refuses_to_generate_a_secret_key_in_production(tmp_path, monkeypatch):
    """In production a missing SECRET_KEY stops start-up instead of generating one on the machine."""
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        secret_key(tmp_path, production=True)
    assert not (tmp_path / "secret_key").exists()


def test_it_refuses_a_blank_secret_key_in_production(tmp_path, monkeypatch):
    """A SECRET_KEY of spaces counts as missing."""
    monkeypatch.setenv("SECRET_KEY", "   ")
    with pytest.raises(ImproperlyConfigured, match="JALON_PRODUCTION=1"):
        secret_key(tmp_path, production=True)


def test_it_takes_the_secret_key_of_the_environment_in_production(tmp_path, monkeypatch):
    """A long enough SECRET_KEY is used as it is."""
    monkeypatch.setenv("SECRET_KEY", "k" * 60)
    assert secret_key(tmp_path, production=True) == "k" * 60


def test_it_names_the_allowed_log_levels(monkeypatch):
    """A bad LOG_LEVEL stops start-up with a message that lists the allowed values."""
    monkeypatch.setenv("LOG_LEVEL", "bavard")
    with pytest.raises(ImproperlyConfigured) as raised:
        log_level()
    message = str(raised.value)
    assert "LOG_LEVEL" in message and "'bavard'" in message
    assert all(level in message for level in LOG_LEVELS)


def test_it_accepts_a_log_level_in_any_case(monkeypatch):
    """« warning » is WARNING; no value is the default."""
    monkeypatch.setenv("LOG_LEVEL", " warning ")
    assert log_level() == "WARNING"
    monkeypatch.delenv("LOG_LEVEL")
    assert log_level(default="INFO") == "INFO"


def _start_django(tmp_path, **variables) -> subprocess.CompletedProcess:
    """`django.setup()` in a fresh interpreter with the real settings and these variables."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "DEBUG", "LOG_LEVEL", "JALON_PRODUCTION"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        JALON_VAR_DIR=str(tmp_path),
        STATIC_ROOT=str(tmp_path / "static"),
        **variables,
    )
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print('DEBUG', settings.DEBUG)",
        ],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_does_not_start_without_a_secret_key(tmp_path):
    """JALON_PRODUCTION=1 with no SECRET_KEY: start-up fails, saying SECRET_KEY is required, and writes no key."""
    result = _start_django(tmp_path, JALON_PRODUCTION="1", ALLOWED_HOSTS="jalon.example.org")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "SECRET_KEY is required" in result.stderr
    assert not (tmp_path / "secret_key").exists()


def test_a_bad_log_level_stops_start_up_clearly(tmp_path):
    """LOG_LEVEL=bavard: start-up fails naming the variable and the allowed values."""
    result = _start_django(tmp_path, LOG_LEVEL="bavard")
    assert result.returncode != 0
    assert "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL" in result.stderr


def test_a_bad_log_format_stops_start_up_clearly(tmp_path):
    """LOG_FORMAT=xml: start-up fails naming the variable and the allowed values; json starts."""
    result = _start_django(tmp_path, LOG_FORMAT="xml")
    assert result.returncode != 0
    assert "LOG_FORMAT must be one of plain, json" in result.stderr
    assert _start_django(tmp_path, LOG_FORMAT="json").returncode == 0


def test_debug_is_off_unless_asked_for(tmp_path):
    """Without DEBUG in the environment, DEBUG is off, even outside production; DEBUG=1 turns it on."""
    assert "DEBUG False" in _start_django(tmp_path).stdout
    assert "DEBUG True" in _start_django(tmp_path, DEBUG="1").stdout


def test_logs_carry_the_time_the_level_and_the_logger(settings):
    """The console handler's format gives the time, the level, the logger's name and the request id of every line."""
    import logging

    formatter_name = settings.LOGGING["handlers"]["console"]["formatter"]
    formatter = logging.Formatter(settings.LOGGING["formatters"][formatter_name]["format"])
    record = logging.LogRecord("jalon.outbox", logging.WARNING, __file__, 1, "envoi en échec", None, None)
    RequestIdFilter().filter(record)
    line = formatter.format(record)
    assert line.endswith("WARNING jalon.outbox [-] envoi en échec")
    assert line[:4].isdigit()  # the time comes first


@pytest.mark.parametrize("raw", ["20", "20/x", "0/m", "/m", "abc/m", "20/0m", "20/-1m"])
def test_it_refuses_a_malformed_rate(monkeypatch, raw):
    """A rate that is not « count/period » stops start-up with its name."""
    monkeypatch.setenv("JALON_RATE", raw)
    with pytest.raises(ImproperlyConfigured, match="JALON_RATE"):
        env_rate("JALON_RATE", "10/m")


@pytest.mark.parametrize(("raw", "expected"), [(None, "10/m"), ("", "10/m"), ("100/15m", "100/15m"), (" 5/h ", "5/h")])
def test_it_reads_a_rate(monkeypatch, raw, expected):
    """A well-formed rate is kept; none or empty gives the default."""
    if raw is None:
        monkeypatch.delenv("JALON_RATE", raising=False)
    else:
        monkeypatch.setenv("JALON_RATE", raw)
    assert env_rate("JALON_RATE", "10/m") == expected
