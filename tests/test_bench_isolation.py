"""Two benchmarks started at once on one server do not disturb each other (bench/benchdb.py): each run
creates a database and a directory of its own, refuses a name that exists, and drops only what it created."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from django.conf import settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import benchdb  # noqa: E402
from benchdb import BenchDatabase  # noqa: E402


def test_two_runs_started_at_once_have_their_own_names():
    first, second = BenchDatabase("intake"), BenchDatabase("intake")

    assert first.name != second.name
    assert first.directory != second.directory
    assert first.name.startswith("intake_")


def test_an_existing_run_is_refused_never_replaced_and_only_the_creator_drops(tmp_path):
    first = BenchDatabase("intake", "intake_one", root=tmp_path)
    first.prepare("sqlite")
    first.sqlite_path.write_text("first run's data")

    with pytest.raises(SystemExit, match="another run"):
        BenchDatabase("intake", "intake_one", root=tmp_path).prepare("sqlite")
    reused = BenchDatabase("intake", "intake_one", root=tmp_path)
    reused.prepare("sqlite", reuse=True)
    reused.finish("sqlite", keep=False)

    assert first.sqlite_path.read_text() == "first run's data"
    first.finish("sqlite", keep=True)
    assert first.sqlite_path.exists()
    first.finish("sqlite", keep=False)
    assert not first.sqlite_path.exists()


def test_a_name_that_is_not_a_plain_identifier_is_refused():
    with pytest.raises(SystemExit, match="--name"):
        BenchDatabase("intake", 'x"; DROP DATABASE postgres; --')


@pytest.mark.skipif("postgresql" not in settings.DATABASES["default"]["ENGINE"], reason="PostgreSQL only")
def test_on_postgresql_two_runs_keep_their_databases(tmp_path):
    import psycopg

    def exists(name: str) -> bool:
        with psycopg.connect(f"{benchdb.PG_SERVER}/postgres", autocommit=True) as admin:
            return admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None

    first, second = BenchDatabase("isolation", root=tmp_path), BenchDatabase("isolation", root=tmp_path)
    try:
        first.prepare("postgres")
        second.prepare("postgres")
        with pytest.raises(SystemExit, match="another run"):
            BenchDatabase("isolation", first.name, root=tmp_path / "elsewhere").prepare("postgres")
        assert exists(first.name) and exists(second.name)

        first.finish("postgres", keep=False)

        assert not exists(first.name)
        assert exists(second.name)
    finally:
        first.drop("postgres")
        second.drop("postgres")
