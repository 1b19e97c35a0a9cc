"""Configuration: strict environment readers and production hardening."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_rate, secret_key

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
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


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
