#!/usr/bin/env python
"""Intake benchmark (issue 3): worklist page, referral page and referral submission at scale.

    python bench/intake_bench.py --database sqlite   --patients 100000 --open-referrals 10000 --requests 300
    python bench/intake_bench.py --database postgres --patients 100000 --open-referrals 10000 --requests 300

Not a test: it builds its OWN database, named for this run (bench/benchdb.py: SQLite file or PostgreSQL
database on 127.0.0.1:5432, dropped at the end unless --keep), runs the migrations, and
measures three sizes in one run:

1. baseline: 1,000 patients, 100 open referrals: timed and query counts;
2. middle: a tenth of the patients, 1,000 open referrals: query counts only;
3. full: --patients, --open-referrals: timed and query counts.

Requests: the worklist's first page and a random referral page as a coordinator of the CPTS entry
point, a random referral page as a GP (the care-team access rule), and a web-form submission as
the GP. Every request goes through django.test.Client and the whole middleware stack with DEBUG
off. Timed requests run without query capture; query counts come from separate requests under
CaptureQueriesContext. Results: /tmp/jalon-bench/<run>/results-<database>.json. See bench/README.md.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import os
import pstats
import random
import statistics
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import benchdb
from benchdb import BenchDatabase, machine_info

TARGET_P95_MS = 150.0


# --- measuring --------------------------------------------------------------------------------------
def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@dataclass
class Scenario:
    key: str
    label: str
    call: object  # () -> response
    expected_status: int
    # The same request on one fixed referral, for query counts comparable between sizes: a
    # referral page's count depends on what that referral holds (exams, messages, linked
    # referrals each add one prefetch), not on how many rows the tables hold.
    fixed_call: object = None


def check(scenario: Scenario, response) -> None:
    if response.status_code != scenario.expected_status:
        body = response.content.decode(errors="replace")
        errors = [line.strip() for line in body.splitlines() if "errorlist" in line or "message-" in line][:10]
        raise SystemExit(
            f"{scenario.key}: HTTP {response.status_code}, expected {scenario.expected_status}\n" + "\n".join(errors)
        )


def time_scenario(scenario: Scenario, requests: int, warmup: int) -> dict:
    for _ in range(warmup):
        check(scenario, scenario.call())
    samples = []
    for _ in range(requests):
        start = time.perf_counter()
        response = scenario.call()
        samples.append((time.perf_counter() - start) * 1000)
        check(scenario, response)
    return {
        "requests": requests,
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(percentile(samples, 0.95), 1),
        "max_ms": round(max(samples), 1),
        "mean_ms": round(statistics.fmean(samples), 1),
    }


def _capture(call, scenario: Scenario) -> list[dict]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        check(scenario, call())
    return captured.captured_queries


def count_queries(scenario: Scenario, repeat: int = 20) -> dict:
    """Queries of `repeat` requests as timed (random referrals), and of the fixed request when there is one."""
    counts = []
    for _ in range(repeat):
        queries = _capture(scenario.call, scenario)
        counts.append(len(queries))
    if scenario.fixed_call is not None:
        queries = _capture(scenario.fixed_call, scenario)
        fixed = len(queries)
    else:
        fixed = counts[-1] if len(set(counts)) == 1 else f"{min(counts)}-{max(counts)}"
    top = sorted(queries, key=lambda q: float(q["time"]), reverse=True)[:3]
    return {
        "queries": fixed,
        "queries_range": f"{min(counts)}-{max(counts)}" if len(set(counts)) > 1 else str(counts[0]),
        "slowest_queries": [{"ms": round(float(q["time"]) * 1000, 2), "sql": q["sql"][:300]} for q in top],
        "last_queries": [q["sql"] for q in queries],
    }


def profile_scenario(scenario: Scenario, requests: int, path: Path) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        scenario.call()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
    path.write_text(out.getvalue())


def explain_queries(kind: str, queries: list[str], path: Path, title: str) -> None:
    from django.db import connection

    lines = [f"===== {title}"]
    with connection.cursor() as cursor:
        for sql in queries:
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            lines.append("\n--- " + sql[:2000])
            try:
                if kind == "postgres":
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                    lines += [row[0] for row in cursor.fetchall()]
                else:
                    cursor.execute("EXPLAIN QUERY PLAN " + sql)
                    lines += [f"{row[0]}|{row[1]}| {row[3]}" for row in cursor.fetchall()]
            except Exception as exc:  # noqa: BLE001 - a query with bound parameters rendered oddly: skip it
                lines.append(f"(not explained: {exc})")
    with path.open("a") as handle:
        handle.write("\n".join(lines) + "\n\n")


# --- the scenarios ----------------------------------------------------------------------------------


class Scenarios:
    def __init__(self, population, rng: random.Random):
        from django.test import Client
        from django.urls import reverse

        self.population = population
        self.rng = rng
        self.entry_point = population.entry_points[0]
        self.coordinator_client = Client()
        self.coordinator_client.force_login(population.coordinator)
        self.gp_client = Client()
        self.gp_client.force_login(population.gp)
        self.worklist_url = reverse("coordination:worklist")
        self.new_url = reverse("referrals:new")
        self.submission_seq = 0
        self.rich_reference = self.gp_rich_reference = None
        self.refresh()

    def refresh(self) -> None:
        """Re-read the references the referral pages pick from (after the population grew)."""
        from jalon.referrals.access import referrals_visible_to
        from jalon.referrals.models import Referral

        self.entry_point_references = list(
            Referral.objects.filter(entry_point=self.entry_point).values_list("reference", flat=True)
        )
        self.gp_references = list(referrals_visible_to(self.population.gp).values_list("reference", flat=True))
        if self.rich_reference is None:
            # the first referral that holds everything a referral page prefetches: exam, message, linked referral
            rich = (
                Referral.objects.filter(entry_point=self.entry_point, exams__isnull=False, messages__isnull=False)
                .filter(related_referrals__isnull=False)
                .order_by("pk")
                .values_list("reference", flat=True)
                .first()
            ) or Referral.objects.filter(entry_point=self.entry_point, exams__isnull=False).order_by("pk").values_list(
                "reference", flat=True
            ).first()
            self.rich_reference = rich
            self.gp_rich_reference = (
                referrals_visible_to(self.population.gp)
                .filter(exams__isnull=False)
                .order_by("pk")
                .values_list("reference", flat=True)
                .first()
            )

    def _detail_url(self, reference: str) -> str:
        from django.urls import reverse

        return reverse("coordination:referral", args=[reference])

    def worklist(self):
        return self.coordinator_client.get(self.worklist_url)

    def referral_page(self):
        return self.coordinator_client.get(self._detail_url(self.rng.choice(self.entry_point_references)))

    def referral_page_gp(self):
        return self.gp_client.get(self._detail_url(self.rng.choice(self.gp_references)))

    def submission_data(self) -> dict:
        from intake_population import bench_ins
        from referral_form import referral_form_data

        from jalon.patients.models import Sex

        seq = self.submission_seq
        self.submission_seq += 1
        sex = Sex.FEMALE if seq % 2 else Sex.MALE
        birth_date = date(1940, 1, 1) + timedelta(days=(seq * 37) % 18000)
        return referral_form_data(
            seq,
            entry_point_id=self.entry_point.pk,
            # INS from a range the generated patients never use: every submission is a new patient
            ins=bench_ins(sex, birth_date, 900_000 + seq),
            sex=sex,
            birth_date=birth_date.isoformat(),
            gp_rpps=self.population.gp.professional.rpps,
        )

    def submission(self):
        return self.gp_client.post(self.new_url, self.submission_data())

    def all(self) -> list[Scenario]:
        return [
            Scenario("worklist", "Worklist, first page (coordinator)", self.worklist, 200),
            Scenario(
                "referral",
                "Referral page (coordinator, random referral of the entry point)",
                self.referral_page,
                200,
                fixed_call=lambda: self.coordinator_client.get(self._detail_url(self.rich_reference)),
            ),
            Scenario(
                "referral_gp",
                "Referral page (GP, care-team access rule)",
                self.referral_page_gp,
                200,
                fixed_call=lambda: self.gp_client.get(self._detail_url(self.gp_rich_reference)),
            ),
            Scenario("submission", "Referral submission, web form (GP), POST -> 302", self.submission, 302),
        ]


# --- reporting ---------------------------------------------------------------------------------------
def print_stage(stage: dict) -> None:
    counts = stage["population"]
    print(
        f"\n== {stage['name']}: {counts['patients']:,} patients, {counts['open_referrals']:,} open and "
        f"{counts['closed_referrals']:,} closed referrals, {counts['care_team_rows']:,} care-team rows"
        + (f" (generated in {stage['generation_s']} s)" if "generation_s" in stage else "")
    )
    print(f"load average (1, 5, 15 min) before: {stage['load_before']}, after: {stage['load_after']}")
    print(f"{'scenario':<12} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'mean ms':>8} {'queries':>8} {'(random)':>9}")
    for key, result in stage["results"].items():
        timing = result.get("timing") or {}
        print(
            f"{key:<12} {timing.get('p50_ms', '-'):>8} {timing.get('p95_ms', '-'):>8} {timing.get('max_ms', '-'):>8} "
            f"{timing.get('mean_ms', '-'):>8} {result['queries']!s:>8} {result['queries_range']:>9}"
        )
        for query in result["slowest_queries"][:1]:
            print(f"{'':<12} slowest query {query['ms']} ms: {query['sql'][:110]}")


def analyze(kind: str) -> None:
    """Refresh planner statistics, as autovacuum would after a bulk load (PostgreSQL only)."""
    from django.db import connection

    if kind == "postgres":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


# --- main ----------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--open-referrals", type=int, default=10_000)
    parser.add_argument("--closed-referrals", type=int, default=None, help="default: a tenth of the open referrals")
    parser.add_argument("--requests", type=int, default=300, help="timed requests per scenario")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--baseline-patients", type=int, default=1_000)
    parser.add_argument("--baseline-referrals", type=int, default=100)
    parser.add_argument("--middle-referrals", type=int, default=1_000, help="open referrals at the middle size")
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--profile", action="store_true", help="cProfile 30 requests per scenario at full size")
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN every SELECT of one request per scenario at full size"
    )
    benchdb.add_arguments(parser)
    args = parser.parse_args()
    closed = args.closed_referrals if args.closed_referrals is not None else args.open_referrals // 10

    database = BenchDatabase.from_args("intake", args)
    database.configure_django(database.prepare(args.database))
    bench_dir = database.directory
    from django.core.management import call_command
    from intake_population import IntakePopulation

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrate_s = round(time.perf_counter() - started, 1)
    info = machine_info(args.database)
    print(
        f"{info['database']} · Python {info['python']} · Django {info['django']} · {info['nproc']} × {info['cpu']} · "
        f"{info['ram_gib']} GiB"
    )
    print(f"migrations: {migrate_s} s")

    population = IntakePopulation(seed=args.seed)
    population.setup()
    scenarios = None
    rng = random.Random(args.seed)
    stages = []
    sizes = [
        ("baseline", args.baseline_patients, args.baseline_referrals, max(1, args.baseline_referrals // 10), True),
        (
            "middle",
            max(args.patients // 10, args.middle_referrals * 2),
            args.middle_referrals,
            args.middle_referrals // 10,
            False,
        ),
        ("full", args.patients, args.open_referrals, closed, True),
    ]
    total_generation = 0.0
    try:
        for name, patients, open_referrals, closed_referrals, timed in sizes:
            started = time.perf_counter()
            counts = population.grow_to(
                patients=patients, open_referrals=open_referrals, closed_referrals=closed_referrals
            )
            analyze(args.database)
            generation_s = round(time.perf_counter() - started, 1)
            total_generation += generation_s
            if scenarios is None:
                scenarios = Scenarios(population, rng)
            scenarios.refresh()
            stage = {"name": name, "population": counts, "generation_s": generation_s, "results": {}}
            stage["load_before"] = [round(x, 2) for x in os.getloadavg()]
            for scenario in scenarios.all():
                result = {}
                if timed:
                    result["timing"] = time_scenario(scenario, args.requests, args.warmup)
                result.update(count_queries(scenario))
                stage["results"][scenario.key] = result
            stage["load_after"] = [round(x, 2) for x in os.getloadavg()]
            print_stage(stage)
            stages.append(stage)
            if name == "full" and args.explain:
                path = bench_dir / f"explain-{args.database}.txt"
                path.unlink(missing_ok=True)
                for key, result in stage["results"].items():
                    explain_queries(args.database, result["last_queries"], path, key)
                print(f"plans: {path}")
            if name == "full" and args.profile:
                for scenario in scenarios.all():
                    path = bench_dir / f"profile-{args.database}-{scenario.key}.txt"
                    profile_scenario(scenario, 30, path)
                    print(f"profile: {path}")
    finally:
        database.finish(args.database, keep=args.keep)

    print(f"\npopulation generation (all sizes, bulk inserts): {round(total_generation, 1)} s")
    constant = {key: [stage["results"][key]["queries"] for stage in stages] for key in stages[0]["results"]}
    print("queries per request at each size (" + " / ".join(s["name"] for s in stages) + "):")
    for key, values in constant.items():
        flag = "constant" if len(set(map(str, values))) == 1 else "VARIES"
        print(f"  {key:<12} {' / '.join(map(str, values))}  {flag}")
    full = stages[-1]["results"]
    over = [key for key, result in full.items() if result["timing"]["p95_ms"] > TARGET_P95_MS]
    print(
        f"target p95 < {TARGET_P95_MS:.0f} ms at full size: "
        + ("met" if not over else "NOT met for " + ", ".join(over))
    )
    for stage in stages:
        for result in stage["results"].values():
            result.pop("last_queries", None)
    out = bench_dir / f"results-{args.database}.json"
    out.write_text(
        json.dumps(
            {
                "machine": info,
                "args": vars(args),
                "migrate_s": migrate_s,
                "generation_s": round(total_generation, 1),
                "stages": stages,
            },
            indent=2,
            default=str,
        )
    )
    print(f"results: {out}")


if __name__ == "__main__":
    main()
