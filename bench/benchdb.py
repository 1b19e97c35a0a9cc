"""What the benchmark scripts share: a database of their own (SQLite file or PostgreSQL database),
Django configured on it with DEBUG off, and the description of the machine they ran on.

Every run works in a directory and a database named for it alone (`<bench>_<user>_<pid>_<time>_<random>`,
or `--name`), so two people benchmarking on one server never touch each other's data: the run creates
its directory and its database (it refuses a name that already exists, never dropping anything to make
room) and, at the end, drops only the database it created, unless `--keep`. A `--reuse` run measures a
database a previous run kept and never drops it.
"""

from __future__ import annotations

import argparse
import getpass
import os
import platform
import re
import secrets
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("JALON_BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432").rstrip("/")
BENCH_ROOT = Path(os.environ.get("JALON_BENCH_DIR", "/tmp/jalon-bench"))
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def run_name(bench: str) -> str:
    """A name no other run has: the benchmark, the user, the process, the time and a random part."""
    user = re.sub(r"[^a-z0-9]", "", getpass.getuser().lower())[:12] or "user"
    return f"{bench}_{user}_{os.getpid()}_{time.strftime('%Y%m%d%H%M%S')}_{secrets.token_hex(2)}"[:63]


def add_arguments(parser: argparse.ArgumentParser, *, reuse: bool = False) -> None:
    """`--name` and `--keep` (and `--reuse` when the benchmark can measure a kept population again)."""
    parser.add_argument(
        "--name",
        help="name of this run's database and directory (lower-case letters, digits, _); default: "
        "<bench>_<user>_<pid>_<time>_<random>. A name that exists is refused, never replaced",
    )
    parser.add_argument("--keep", action="store_true", help="keep this run's database at the end (say how to drop it)")
    if reuse:
        parser.add_argument(
            "--reuse",
            action="store_true",
            help="measure again the database a previous run kept (needs its --name); never dropped at the end",
        )


@dataclass
class BenchDatabase:
    """One run's directory (`directory`: SQLite file, Huey queue, media, results) and its PostgreSQL database.

    `bench` names the benchmark; `name` the run (default: unique, see `run_name`)."""

    bench: str
    name: str | None = None
    root: Path = BENCH_ROOT
    created: bool = field(default=False, init=False)
    django_configured: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        if self.name is None:
            self.name = run_name(self.bench)
        if not NAME_PATTERN.match(self.name):
            raise SystemExit(f"--name {self.name!r}: lower-case letters, digits and _, starting with a letter, ≤ 63")

    @classmethod
    def from_args(cls, bench: str, args: argparse.Namespace) -> BenchDatabase:
        if getattr(args, "reuse", False) and not args.name:
            raise SystemExit("--reuse needs the --name of the run that kept its database")
        return cls(bench, args.name)

    @property
    def directory(self) -> Path:
        return self.root / self.name

    @property
    def sqlite_path(self) -> Path:
        return self.directory / "bench.sqlite3"

    @property
    def pg_database(self) -> str:
        return self.name

    def url(self, kind: str) -> str:
        return f"sqlite:///{self.sqlite_path}" if kind == "sqlite" else f"{PG_SERVER}/{self.pg_database}"

    def prepare(self, kind: str, *, reuse: bool = False) -> str:
        """A new empty database for this run (or, with `reuse`, the one a previous run kept), as a DATABASE_URL.

        Never drops nor empties anything: a directory or a database of that name that already exists stops
        the run (choose another `--name`)."""
        if reuse:
            if not self.directory.is_dir():
                raise SystemExit(f"--reuse: no directory {self.directory}")
            if kind == "sqlite" and not self.sqlite_path.exists():
                raise SystemExit(f"--reuse: no database {self.sqlite_path}")
            if kind == "postgres" and not self._pg_exists():
                raise SystemExit(f"--reuse: no database {self.pg_database} on {PG_SERVER}")
            print(f"bench run {self.name} (reused, not dropped at the end): {self.directory}")
            return self.url(kind)
        try:
            self.directory.mkdir(parents=True, exist_ok=False)
        except FileExistsError:
            raise SystemExit(f"{self.directory} exists: another run's; choose another --name") from None
        if kind == "postgres":
            import psycopg
            from psycopg import errors, sql

            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
                try:
                    admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.pg_database)))
                except errors.DuplicateDatabase:
                    self.directory.rmdir()  # ours, still empty
                    raise SystemExit(
                        f"the database {self.pg_database} exists: another run's; choose another --name"
                    ) from None
        self.created = True
        print(
            f"bench run {self.name}: {self.directory}"
            + (f", database {self.pg_database}" if kind == "postgres" else "")
        )
        return self.url(kind)

    def _pg_exists(self) -> bool:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
            return (
                admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.pg_database]).fetchone() is not None
            )

    def drop(self, kind: str) -> None:
        """Drop this run's database, only if this run created it (a reused one is never dropped)."""
        if not self.created:
            return
        if self.django_configured:  # this process's connections to the database, closed before it is dropped
            from django.db import connections

            connections.close_all()
        if kind == "sqlite":
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{self.sqlite_path}{suffix}").unlink(missing_ok=True)
        else:
            import psycopg
            from psycopg import sql

            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(self.pg_database)))
        self.created = False

    def finish(self, kind: str, *, keep: bool) -> None:
        """At the end of the run: drop what it created, unless `keep` (then say how to measure again or drop)."""
        if keep and self.created:
            how = (
                f"psql -h 127.0.0.1 -U postgres -c 'DROP DATABASE {self.pg_database}'"
                if kind == "postgres"
                else f"rm -r {self.directory}"
            )
            print(f"kept: {self.url(kind)} (measure again with --reuse --name {self.name}; drop: {how})")
            return
        self.drop(kind)

    def configure_django(self, database_url: str) -> None:
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
        os.environ["DATABASE_URL"] = database_url
        os.environ["JALON_VAR_DIR"] = str(self.directory)
        os.environ["MEDIA_ROOT"] = str(self.directory / "media")
        os.environ["DEBUG"] = "0"
        os.environ.setdefault("LOG_LEVEL", "WARNING")
        os.environ.pop("JALON_PRODUCTION", None)
        # Pages measured through django.test.Client with force_login: no second factor to pass (the load
        # benchmark logs in through the real forms, code included, and keeps the requirement on).
        os.environ.setdefault("JALON_REQUIRE_2FA", "0")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        self.django_configured = True


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
