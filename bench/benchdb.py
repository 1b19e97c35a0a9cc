"""What the benchmark scripts share: a database of their own (SQLite file or PostgreSQL database),
Django configured on it with DEBUG off, and the description of the machine they ran on."""

from __future__ import annotations

import os
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = "postgres://postgres@127.0.0.1:5432"


@dataclass(frozen=True)
class BenchDatabase:
    """Where one benchmark keeps its files (`directory`), its SQLite file name and its PostgreSQL database."""

    directory: Path
    sqlite_name: str
    pg_database: str

    def url(self, kind: str) -> str:
        return (
            f"sqlite:///{self.directory / self.sqlite_name}" if kind == "sqlite" else f"{PG_SERVER}/{self.pg_database}"
        )

    def prepare(self, kind: str, *, reuse: bool = False) -> str:
        """An empty database for the run (or, with `reuse`, the one a previous run left), as a DATABASE_URL."""
        self.directory.mkdir(parents=True, exist_ok=True)
        if reuse:
            return self.url(kind)
        for leftover in ("huey.sqlite3", "huey.sqlite3-wal", "huey.sqlite3-shm"):
            (self.directory / leftover).unlink(missing_ok=True)
        if kind == "sqlite":
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{self.directory / self.sqlite_name}{suffix}").unlink(missing_ok=True)
            return self.url(kind)
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {self.pg_database} WITH (FORCE)")
            admin.execute(f"CREATE DATABASE {self.pg_database}")
        return self.url(kind)

    def drop(self, kind: str) -> None:
        if kind != "postgres":
            return
        from django.db import connections

        connections.close_all()
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {self.pg_database} WITH (FORCE)")

    def configure_django(self, database_url: str) -> None:
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
        os.environ["DATABASE_URL"] = database_url
        os.environ["JALON_VAR_DIR"] = str(self.directory)
        os.environ["MEDIA_ROOT"] = str(self.directory / "media")
        os.environ["DEBUG"] = "0"
        os.environ.setdefault("LOG_LEVEL", "WARNING")
        os.environ.pop("JALON_PRODUCTION", None)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()


def machine_info(kind: str) -> dict:
    """CPU, memory, kernel, Python, Django and database versions, and the date (after Django is set up)."""
    import django
    from django.db import connection

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "?",
    )
    mem_kb = next(
        (
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if kind == "postgres" else "SELECT sqlite_version()")
        db_version = cursor.fetchone()[0]
    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": ("PostgreSQL " if kind == "postgres" else "SQLite ")
        + db_version.split(" on ")[0].replace("PostgreSQL ", ""),
        "kernel": platform.release(),
    }
