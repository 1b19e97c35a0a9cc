"""The production stack as README.md and scripts/serve.sh run it: static files, worker logging."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[3]


def test_collectstatic_in_production_writes_the_manifest_every_page_needs(tmp_path):
    """`collectstatic --noinput` with JALON_PRODUCTION=1 names css/jalon.css and every file of static/ in its
    manifest."""
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL", "DEBUG"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        JALON_PRODUCTION="1",
        SECRET_KEY="x" * 64,
        ALLOWED_HOSTS="jalon.example.org",
        JALON_VAR_DIR=str(tmp_path / "var"),
        STATIC_ROOT=str(tmp_path / "static"),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,  # a guard against a hang, not a speed claim: a loaded 2-core machine took 169 s
        check=False,
    )
    assert result.returncode == 0, result.stderr
    paths = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]
    assert (tmp_path / "static" / paths["css/jalon.css"]).is_file()
    ours = {
        path.relative_to(BASE_DIR / "static").as_posix() for path in (BASE_DIR / "static").rglob("*") if path.is_file()
    }
    assert ours - set(paths) == set()


# run_huey as `manage.py run_huey` runs it, with a consumer that says one line and stops.
_RUN_HUEY_ONCE = """
import logging

import django

django.setup()
from django.core.management import call_command
from huey.contrib.djhuey import HUEY


class OneLineConsumer:
    def run(self):
        logging.getLogger("huey.consumer").info("consumer started")


HUEY.create_consumer = lambda **options: OneLineConsumer()
call_command("run_huey", disable_autoload=True)
"""


def test_each_worker_line_is_printed_once(tmp_path):
    """A line of the Huey consumer is printed once, in Jalon's format (time, level, logger, request id "-"), not also in
    Huey's own."""
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL", "LOG_LEVEL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings", JALON_VAR_DIR=str(tmp_path), STATIC_ROOT=str(tmp_path / "static")
    )
    result = subprocess.run(
        [sys.executable, "-c", _RUN_HUEY_ONCE],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,  # a guard against a hang, not a speed claim: a loaded 2-core machine took 169 s
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "consumer started" in line]
    assert len(lines) == 1, result.stderr
    assert " INFO huey.consumer [-] consumer started" in lines[0] and lines[0][:4].isdigit()
