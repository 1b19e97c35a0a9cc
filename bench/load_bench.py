#!/usr/bin/env python
"""Load benchmark (issue 15): a real server under a realistic mix of coordinators and GPs, driven by Locust.

    python bench/load_bench.py                                   # 100,000 patients, 10 / 50 / 200 users, 120 s each
    python bench/load_bench.py --patients 5000 --open-referrals 1000 --users 10 --duration 30   # a smoke run

1. Builds its own PostgreSQL database (bench/benchdb.py: named for the run, dropped at the end unless
   --keep) with the intake population of bench/intake_population.py: --patients patients, --open-referrals
   open referrals split evenly between two entry points (the default 10,200: 5,100 at the CPTS entry point
   the coordinators work), a tenth as many closed; then `VACUUM ANALYZE`, as autovacuum would after the inserts.
2. Creates the users: coordinators of the CPTS entry point, each with a confirmed TOTP device (the
   production rule: coordinators must pass a second factor), and GPs (the population's general
   practitioners), all with one password hashed by the production hasher.
3. Starts a real server as production runs it (scripts/serve.sh): gunicorn `config.wsgi`, --workers
   processes of --threads threads, on PostgreSQL, with a Redis of its own (a redis-server on a unix socket
   in the run's directory: Django's cache, the sessions' rate limits and Huey's queue, as REDIS_URL does in
   production) and the Huey worker, DEBUG off. Plain HTTP on 127.0.0.1, so JALON_PRODUCTION stays off
   (its HTTPS-only cookies would not travel); everything else is the production configuration.
4. Logs every user in through the login form (its CSRF token, then for coordinators the second-factor
   form with the current TOTP code computed from the device's stored key, as an authenticator app does),
   before the measurement; the sessions' cookies go to Locust.
5. Before any load, --cpu-repeat requests of each kind one at a time (after 20 to warm every worker): the
   server's and the database's CPU per request by kind, which the mix cannot split.
6. For each number of users in --users: Locust headless (bench/locustfile.py) for --duration seconds,
   all users spawned within the first seconds, statistics reset once they are all running; the gunicorn
   processes' CPU time (master, workers: user + system, from /proc through psutil) read before and after.
7. Prints one markdown table per run (p50 / p95 / p99 per request kind, requests per second, failures,
   server CPU per request), ready for docs/benchmarks.md, and writes results-load.json in the run's
   directory. Stops everything it started and drops its database.

The mix (bench/locustfile.py): think time exponential, mean --think seconds; each open worklist and
each open portal page refreshes every 15 s as htmx does (X-Jalon-Poll, HX-Request, the refresh token of
the last render). See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import itertools
import json
import os
import re
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import benchdb
from benchdb import ROOT, BenchDatabase, machine_info

PASSWORD = "Banc-de-charge-2026-jalon"
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the population and the users --------------------------------------------------------------------
def build(args, database: BenchDatabase) -> dict:
    """Migrate, generate the population, create the users; returns what Locust needs (the fixture)."""
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from intake_population import IntakePopulation, bench_ins

    from jalon.accounts.models import Role, User
    from jalon.directory.models import Membership, Profession, Professional
    from jalon.patients.models import Sex
    from jalon.referrals.models import OPEN_STATUSES, Referral
    from jalon.testing.factories import make_rpps

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    population = IntakePopulation(seed=args.seed)
    population.setup()
    counts = population.grow_to(
        patients=args.patients, open_referrals=args.open_referrals, closed_referrals=args.open_referrals // 10
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # what autovacuum does after a bulk insert (PostgreSQL 13+)
    print(
        f"population: {counts['patients']:,} patients, {counts['open_referrals']:,} open and "
        f"{counts['closed_referrals']:,} closed referrals ({time.perf_counter() - started:.0f} s)"
    )
    entry_point = population.entry_points[0]
    password = make_password(PASSWORD)  # the production hasher; one hash for all (a benchmark password)
    coordinators, gps = [], []
    for n in range(args.max_coordinators):
        professional = Professional.objects.create(
            rpps=make_rpps(50_000 + n), last_name="Coordination", first_name=f"Banc {n}", profession=Profession.NURSE
        )
        Membership.objects.create(professional=professional, organization=entry_point.organization)
        user = User.objects.create(
            username=f"load.coordination.{n}", role=Role.COORDINATOR, professional=professional, password=password
        )
        device = TOTPDevice.objects.create(user=user, name="Application d'authentification", confirmed=True)
        coordinators.append({"username": user.username, "totp_device": device.pk})
    gp_professionals = list(
        Professional.objects.filter(profession=Profession.PHYSICIAN, specialty__iexact="médecine générale")
        .exclude(user__isnull=False)
        .order_by("pk")[: args.max_gps]
    )
    if len(gp_professionals) < args.max_gps:
        raise SystemExit(f"only {len(gp_professionals)} GPs in the population for {args.max_gps} GP users")
    for n, professional in enumerate(gp_professionals):
        user = User.objects.create(
            username=f"load.medecin.{n}", role=Role.REFERRER, professional=professional, password=password
        )
        gps.append({"username": user.username, "rpps": professional.rpps})
    references = list(
        Referral.objects.filter(entry_point=entry_point, status__in=OPEN_STATUSES)
        .order_by("?")
        .values_list("reference", flat=True)[:5000]
    )
    identities = []
    for seq in range(args.identities):
        sex = Sex.FEMALE if seq % 2 else Sex.MALE
        born = date(1940, 1, 1) + timedelta(days=(seq * 37) % 18000)
        identities.append({"ins": bench_ins(sex, born, 900_000 + seq), "sex": sex, "birth_date": born.isoformat()})
    return {
        "population": counts,
        "entry_point": entry_point.pk,
        "coordinators": coordinators,
        "gps": gps,
        "references": references,
        "identities": identities,
    }


# --- the server --------------------------------------------------------------------------------------
class Server:
    """redis-server, gunicorn and the Huey worker, started as child processes and stopped by their pid."""

    def __init__(self, args, database: BenchDatabase, database_url: str):
        self.args = args
        self.directory = database.directory
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.redis_socket = self.directory / "redis.sock"
        self.processes: dict[str, subprocess.Popen] = {}
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": f"unix://{self.redis_socket}",
            "JALON_VAR_DIR": str(self.directory),
            "MEDIA_ROOT": str(self.directory / "media"),
            "DEBUG": "0",
            "JALON_REQUIRE_2FA": "1",
            "DB_CONN_MAX_AGE": str(args.conn_max_age),
            "ALLOWED_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
            # Every simulated user comes from 127.0.0.1: the per-address login limit (30/min in
            # production, meant for one address = one person or one NAT) would refuse the logins.
            "LOGIN_RATE_LIMIT": "100000/m",
            "LOGIN_ADDRESS_FAILURE_LIMIT": "100000/m",
        }
        self.env.pop("JALON_PRODUCTION", None)

    def _start(self, name: str, command: list[str]) -> None:
        log = open(self.directory / f"{name}.log", "w")  # noqa: SIM115 — closed with the process
        self.processes[name] = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def start(self) -> None:
        self._start(
            "redis",
            ["redis-server", "--port", "0", "--unixsocket", str(self.redis_socket), "--save", "", "--appendonly", "no"],
        )
        for _ in range(100):
            if self.redis_socket.exists():
                break
            time.sleep(0.05)
        self._start(
            "gunicorn",
            [
                str(VENV_BIN / "gunicorn"),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.args.workers),
                "--threads",
                str(self.args.threads),
                "--timeout",
                "120",
                # --keep-alive 75: each simulated browser keeps its connection to gunicorn, as browsers keep
                # theirs to the reverse proxy (nginx's 75 s; with gunicorn's default 2 s a user thinking 3 s
                # would send on a connection the server is closing: reset by peer). 0: a connection per
                # request, as nginx's default upstream (HTTP/1.0) gives gunicorn; the worker that is free
                # accepts it, where a kept connection waits for the threads of the worker holding it.
                "--keep-alive",
                str(self.args.keep_alive),
                "--control-socket",  # its own, not the one every gunicorn of the machine shares by default
                str(self.directory / "gunicorn.ctl"),
            ],
        )
        self._start("huey", [sys.executable, "manage.py", "run_huey"])
        import requests

        for _ in range(300):
            try:
                if requests.get(f"{self.base}/connexion/", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if self.processes["gunicorn"].poll() is not None:
                raise SystemExit(f"gunicorn stopped: see {self.directory / 'gunicorn.log'}")
            time.sleep(0.2)
        raise SystemExit(f"the server did not answer: see {self.directory / 'gunicorn.log'}")

    def cpu_seconds(self) -> dict[str, float]:
        """User + system CPU time of the gunicorn master and its workers, and of the Huey worker."""
        import psutil

        def total(pid: int) -> float:
            try:
                process = psutil.Process(pid)
                seconds = sum(process.cpu_times()[:2])
                for child in process.children(recursive=True):
                    with contextlib.suppress(psutil.NoSuchProcess):
                        seconds += sum(child.cpu_times()[:2])
                return seconds
            except psutil.NoSuchProcess:
                return 0.0

        seconds = {name: total(self.processes[name].pid) for name in ("gunicorn", "huey")}
        seconds["database"] = database_cpu_seconds()
        return seconds

    def stop(self) -> None:
        for name in ("huey", "gunicorn", "redis"):
            process = self.processes.get(name)
            if process is None or process.poll() is not None:
                continue
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.redis_socket.unlink(missing_ok=True)


# --- logging in through the forms --------------------------------------------------------------------
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def totp_secret(device_id: int) -> dict:
    """What an authenticator app stores for this device: its key and parameters."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(pk=device_id)
    return {"key": device.bin_key, "step": device.step, "t0": device.t0, "digits": device.digits}


def totp_code(secret: dict) -> str:
    """The code the app shows now (django-otp's TOTP, computed at the moment the form is sent)."""
    from django_otp.oath import TOTP

    totp = TOTP(secret["key"], secret["step"], secret["t0"], secret["digits"])
    totp.time = time.time()
    return f"{totp.token():0{secret['digits']}d}"


def log_in(base: str, user: dict) -> dict:
    """Password form (with its CSRF token), then the second-factor form when the account has a device."""
    import requests

    session = requests.Session()
    page = session.get(f"{base}/connexion/", timeout=60)
    response = session.post(
        f"{base}/connexion/",
        data={
            "csrfmiddlewaretoken": CSRF_FIELD.search(page.text).group(1),
            "username": user["username"],
            "password": PASSWORD,
        },
        timeout=60,
    )
    if "/connexion/verification/" in response.url:
        response = session.post(
            response.url,
            data={"csrfmiddlewaretoken": CSRF_FIELD.search(response.text).group(1), "code": totp_code(user["totp"])},
            timeout=60,
        )
    if response.status_code != 200 or "/connexion/" in response.url:
        raise SystemExit(f"login of {user['username']} failed: HTTP {response.status_code} at {response.url}")
    return {"username": user["username"], "cookies": session.cookies.get_dict()}


def log_everyone_in(server: Server, fixture: dict, coordinators: int, gps: int) -> dict:
    users = [{**user, "totp": totp_secret(user["totp_device"])} for user in fixture["coordinators"][:coordinators]]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=4) as pool:
        coordinator_sessions = list(pool.map(lambda user: log_in(server.base, user), users))
        gp_sessions = list(pool.map(lambda user: log_in(server.base, user), fixture["gps"][:gps]))
    for session, user in zip(gp_sessions, fixture["gps"], strict=False):
        session["rpps"] = user["rpps"]
    print(f"{len(users) + len(gp_sessions)} users logged in through the forms in {time.perf_counter() - started:.0f} s")
    return {"coordinators": coordinator_sessions, "gps": gp_sessions}


# --- Locust --------------------------------------------------------------------------------------------
def split(users: int, coordinator_share: float) -> tuple[int, int]:
    coordinators = max(1, round(users * coordinator_share))
    return coordinators, max(0, users - coordinators)


def read_csv(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(newline="") as stream:
        return list(csv.DictReader(stream))


def run_locust(args, server: Server, fixture_path: Path, users: int) -> dict:
    coordinators, gps = split(users, args.coordinator_share)
    prefix = server.directory / f"locust-{users}"
    env = {
        **os.environ,
        "LOAD_BENCH_FIXTURE": str(fixture_path),
        "LOAD_BENCH_THINK_SECONDS": str(args.think),
        "LOAD_BENCH_COORDINATORS": str(coordinators),
        "LOAD_BENCH_GPS": str(gps),
        "LOAD_BENCH_SEED": str(args.seed),
    }
    spawn_rate = max(1.0, users / 5)
    command = [
        str(VENV_BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--host",
        server.base,
        "--users",
        str(users),
        "--spawn-rate",
        str(spawn_rate),
        "--run-time",
        f"{args.duration}s",
        "--reset-stats",
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--stop-timeout",
        "10",
    ]
    load_before = os.getloadavg()
    cpu_before = server.cpu_seconds()
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    cpu_after = server.cpu_seconds()
    (server.directory / f"locust-{users}.log").write_text(completed.stdout + completed.stderr)
    rows = read_csv(Path(f"{prefix}_stats.csv"))
    failures = read_csv(Path(f"{prefix}_failures.csv"))
    kinds = {}
    for row in rows:
        kinds[row["Name"]] = {
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "p50_ms": row["50%"],
            "p95_ms": row["95%"],
            "p99_ms": row["99%"],
            "rps": float(row["Requests/s"]),
        }
    total = kinds.pop("Aggregated", {"requests": 0})
    gunicorn_cpu = cpu_after["gunicorn"] - cpu_before["gunicorn"]
    # Spawning happens within the first seconds and the statistics are reset after it, so the counted
    # requests are slightly fewer than those served during the CPU window: the figure errs on the high side.
    return {
        "users": users,
        "coordinators": coordinators,
        "gps": gps,
        "duration_s": args.duration,
        "wall_s": round(wall, 1),
        "kinds": kinds,
        "total": total,
        "failures": [{k: row[k] for k in ("Method", "Name", "Error", "Occurrences")} for row in failures][:20],
        "gunicorn_cpu_s": round(gunicorn_cpu, 2),
        "huey_cpu_s": round(cpu_after["huey"] - cpu_before["huey"], 2),
        "cpu_ms_per_request": round(1000 * gunicorn_cpu / total["requests"], 1) if total["requests"] else None,
        "database_cpu_s": round(cpu_after["database"] - cpu_before["database"], 2),
        "database_cpu_ms_per_request": (
            round(1000 * (cpu_after["database"] - cpu_before["database"]) / total["requests"], 1)
            if total["requests"]
            else None
        ),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "locust_exit": completed.returncode,
    }


def database_cpu_seconds() -> float:
    """User + system CPU time of every PostgreSQL process of the machine (the server's backends, live ones,
    and those that ended, counted in their parent's children times): the database's share of each request,
    which runs on the same 2 cores as gunicorn. Meaningful on a quiet machine only (it counts every database
    of the server)."""
    import psutil

    seconds = 0.0
    for process in psutil.process_iter(["name"]):
        if process.info["name"] != "postgres":
            continue
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            times = process.cpu_times()
            seconds += times.user + times.system
            parent = process.parent()
            if parent is None or parent.name() != "postgres":  # the postmaster
                seconds += times.children_user + times.children_system
    return seconds


# --- CPU per request kind, one request at a time ------------------------------------------------------
LIVE_URL = re.compile(r'id="portal-live" hx-get="([^"]+)"')
PATIENT_LINK = re.compile(r'href="(/mes-patients/[^/"]+/)"')
WORKLIST_VERSION = re.compile(r'id="worklist-version" name="version" value="([^"]*)"')
POLL_HEADERS = {"HX-Request": "true", "X-Jalon-Poll": "1"}


WARMUP_PER_KIND = 20


def cpu_per_kind(server: Server, fixture: dict, repeat: int) -> list[dict]:
    """With nothing else running, `repeat` requests of each kind one after the other from one session: the
    gunicorn processes' CPU time per request (what Locust's mix cannot split by kind) and the wall time.
    The refreshes are those of an idle screen: nothing changed since the previous one, sent with the
    refresh token of the last render as htmx does (and the ETag the server gave, when it gives one)."""
    import requests

    def session_of(entry: dict):
        session = requests.Session()
        session.cookies.update(entry["cookies"])
        return session

    coordinator = session_of(fixture["sessions"]["coordinators"][0])
    gp = session_of(fixture["sessions"]["gps"][0])
    patient = next(iter(PATIENT_LINK.findall(gp.get(f"{server.base}/mes-patients/").text)), None)
    live = LIVE_URL.search(gp.get(f"{server.base}{patient}").text) if patient else None
    references = itertools.cycle(fixture["references"][-repeat:])
    version = WORKLIST_VERSION.search(coordinator.get(f"{server.base}/demandes/file/").text)
    worklist_refresh = f"/demandes/file/?version={version.group(1) if version else ''}"
    kinds = [
        ("coordinator: worklist", coordinator, lambda: "/demandes/file/", {}),
        ("coordinator: worklist refresh, idle (poll)", coordinator, lambda: worklist_refresh, POLL_HEADERS),
        ("coordinator: referral page", coordinator, lambda: f"/demandes/{next(references)}/", {}),
    ]
    if patient:
        kinds.append(("GP: portal, patient page", gp, lambda: patient, {}))
    if live:
        live_url = live.group(1).replace("&amp;", "&")
        kinds.append(("GP: portal page refresh, idle (poll)", gp, lambda: live_url, POLL_HEADERS))
    results = []
    for name, session, address, headers in kinds:
        headers = dict(headers)
        for _ in range(WARMUP_PER_KIND):  # every worker warm (templates, memos, prepared statements)
            first = session.get(f"{server.base}{address()}", headers=headers)  # and the ETag to send back
        if headers and first.headers.get("ETag"):
            headers["If-None-Match"] = first.headers["ETag"]
        statuses: dict[int, int] = {}
        walls = []
        before_all = server.cpu_seconds()
        before = before_all["gunicorn"]
        for _ in range(repeat):
            started = time.perf_counter()
            response = session.get(f"{server.base}{address()}", headers=headers)
            walls.append(1000 * (time.perf_counter() - started))
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        after_all = server.cpu_seconds()
        cpu = after_all["gunicorn"] - before
        database_cpu = after_all["database"] - before_all["database"]
        walls.sort()
        results.append(
            {
                "kind": name,
                "requests": repeat,
                "statuses": statuses,
                "etag_sent": "If-None-Match" in headers,
                "cpu_ms_per_request": round(1000 * cpu / repeat, 2),
                "database_cpu_ms_per_request": round(1000 * database_cpu / repeat, 2),
                "wall_p50_ms": round(walls[len(walls) // 2], 1),
            }
        )
    return results


def markdown_cpu(rows: list[dict]) -> str:
    lines = [
        (
            "| request, one at a time | n | answers | server CPU ms per request | database CPU ms per request "
            "| wall p50 ms |"
        ),
        "| --- | ---: | --- | ---: | ---: | ---: |",
    ]
    for row in rows:
        answers = ", ".join(f"{count} × {status}" for status, count in sorted(row["statuses"].items()))
        etag = " (If-None-Match sent)" if row["etag_sent"] else ""
        lines.append(
            f"| {row['kind']}{etag} | {row['requests']} | {answers} | {row['cpu_ms_per_request']} | "
            f"{row['database_cpu_ms_per_request']} | {row['wall_p50_ms']} |"
        )
    return "\n".join(lines)


def markdown_summary(results: list[dict]) -> str:
    """Every level in one table: the lines to paste into docs/benchmarks.md."""
    lines = [
        "| users | request | n | p50 ms | p95 ms | p99 ms | req/s | failures |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for result in results:
        for name, kind in sorted(result["kinds"].items()):
            lines.append(
                f"| {result['users']} | {name} | {kind['requests']:,} | {kind['p50_ms']} | {kind['p95_ms']} | "
                f"{kind['p99_ms']} | {kind['rps']:.2f} | {kind['failures']} |"
            )
        total = result["total"]
        lines.append(
            f"| {result['users']} | **all** ({result['coordinators']} coordinators, {result['gps']} GPs; server CPU "
            f"{result['cpu_ms_per_request']} ms per request, database "
            f"{result['database_cpu_ms_per_request']} ms; load {result['load_before'][0]}→"
            f"{result['load_after'][0]}) | {total['requests']:,} | {total.get('p50_ms', '')} | "
            f"{total.get('p95_ms', '')} | {total.get('p99_ms', '')} | {total.get('rps', 0):.2f} | "
            f"{total.get('failures', 0)} |"
        )
    return "\n".join(lines)


def markdown(result: dict) -> str:
    heading = (
        f"**{result['users']} users** ({result['coordinators']} coordinators, {result['gps']} GPs), "
        f"{result['duration_s']} s; {result['total'].get('rps', 0):.1f} requests/s in all, "
        f"{result['total'].get('failures', 0)} failures of {result['total']['requests']:,} requests; server CPU "
        f"(gunicorn master + workers) {result['gunicorn_cpu_s']} s = **{result['cpu_ms_per_request']} ms per "
        f"request** (Huey worker {result['huey_cpu_s']} s); load average before {result['load_before']}, after "
        f"{result['load_after']}"
    )
    lines = [
        heading,
        "",
        "| request | n | p50 ms | p95 ms | p99 ms | req/s | failures |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, kind in sorted(result["kinds"].items()):
        lines.append(
            f"| {name} | {kind['requests']:,} | {kind['p50_ms']} | {kind['p95_ms']} | {kind['p99_ms']} | "
            f"{kind['rps']:.2f} | {kind['failures']} |"
        )
    for failure in result["failures"][:5]:
        lines.append(
            f"\nfailure: {failure['Method']} {failure['Name']}: {failure['Error'][:200]} × {failure['Occurrences']}"
        )
    return "\n".join(lines)


# --- main ----------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument(
        "--open-referrals", type=int, default=10_200, help="split between two entry points: 5,100 at the CPTS"
    )
    parser.add_argument("--users", type=int, nargs="+", default=[10, 50, 200])
    parser.add_argument("--duration", type=int, default=120, help="seconds of Locust per number of users")
    parser.add_argument("--think", type=float, default=3.0, help="mean think time, seconds (exponential)")
    parser.add_argument("--coordinator-share", type=float, default=0.5)
    # As scripts/serve.sh on this 2-core machine: 2 × cores + 1 sync workers (4 × 2 threads served 37 requests
    # per second at 200 users where 5 × 1 served 60: docs/benchmarks.md, fourth pass).
    parser.add_argument("--workers", type=int, default=5, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker (1: sync workers)")
    parser.add_argument(
        "--keep-alive",
        type=int,
        default=75,
        help="gunicorn --keep-alive seconds (0: one connection per request, as behind nginx's default upstream)",
    )
    parser.add_argument("--conn-max-age", type=int, default=60, help="DB_CONN_MAX_AGE of the server (seconds)")
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument(
        "--cpu-repeat", type=int, default=100, help="requests of each kind, one at a time, for the CPU per kind"
    )
    benchdb.add_arguments(parser)
    args = parser.parse_args()
    most = max(args.users)
    args.max_coordinators, args.max_gps = split(most, args.coordinator_share)
    args.identities = 20_000

    os.environ["JALON_REQUIRE_2FA"] = "1"
    database = BenchDatabase.from_args("load", args)
    database_url = database.prepare("postgres")
    server = None
    try:
        database.configure_django(database_url)
        info = machine_info("postgres")
        print(
            f"{info['database']} · Python {info['python']} · Django {info['django']} · {info['nproc']} × "
            f"{info['cpu']} · {info['ram_gib']} GiB · {info['date']}"
        )
        fixture = build(args, database)
        from django.db import connections

        connections.close_all()
        server = Server(args, database, database_url)
        server.start()
        print(
            f"server: gunicorn {args.workers} workers × {args.threads} threads, keep-alive {args.keep_alive} s, "
            f"on {server.base}, PostgreSQL, "
            f"Redis (own, unix socket), Huey worker, DEBUG off, DB_CONN_MAX_AGE={args.conn_max_age}"
        )
        fixture["sessions"] = log_everyone_in(server, fixture, args.max_coordinators, args.max_gps)
        connections.close_all()
        fixture_path = database.directory / "locust-fixture.json"
        fixture_path.write_text(json.dumps(fixture))
        # One request at a time first, on a quiet server: after the 200-user run the Huey worker still sends
        # its notifications and autovacuum cleans up (measured after it, the portal page cost 23.7 ms instead
        # of 17.5 and an idle refresh 1.6 ms instead of 1.1).
        cpu_rows = cpu_per_kind(server, fixture, args.cpu_repeat)
        print("\n" + markdown_cpu(cpu_rows), flush=True)
        results = []
        for users in args.users:
            result = run_locust(args, server, fixture_path, users)
            results.append(result)
            print("\n" + markdown(result), flush=True)
        out = database.directory / "results-load.json"
        out.write_text(
            json.dumps(
                {
                    "machine": info,
                    "args": vars(args),
                    "population": fixture["population"],
                    "server": {
                        "workers": args.workers,
                        "threads": args.threads,
                        "keep_alive": args.keep_alive,
                        "conn_max_age": args.conn_max_age,
                    },
                    "runs": results,
                    "cpu_per_kind": cpu_rows,
                },
                indent=2,
            )
        )
        print(f"\nresults: {out}")
        print(
            f"\n## Load (issue 15): {fixture['population']['patients']:,} patients, "
            f"{fixture['population']['open_referrals']:,} open referrals; "
            f"gunicorn {args.workers} × {args.threads}, keep-alive {args.keep_alive} s; "
            f"{info['date']}; {info['nproc']} × {info['cpu']}\n"
        )
        print(markdown_summary(results) + "\n\n" + markdown_cpu(cpu_rows))
    finally:
        if server is not None:
            server.stop()
        database.finish("postgres", keep=args.keep)


if __name__ == "__main__":
    main()
