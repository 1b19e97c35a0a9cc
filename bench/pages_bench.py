"""Server CPU per page and per refresh (issue 15): the worklist, the referral page, the pathway page and the
GP portal (list, patient page), and the polled fragments (worklist refresh, portal live part) when nothing
changed.

Not a test: it builds its OWN database and directory (bench/benchdb.py: `pages_<user>_<pid>_<time>_<random>`
unless `--name`; a name that exists is refused), fills it with the intake population (bench/intake_population.py)
plus a few accepted referrals with their pathway, then measures each request through `django.test.Client`
and the whole middleware stack with DEBUG off: CPU time of this process (`time.process_time`, the app
server's share: Python, templates, the database driver; not the database server's), wall time, and the
queries of one request. The database is dropped at the end unless `--keep` (then `--reuse --name N`
measures it again without generating it).

    python bench/pages_bench.py --database postgres --patients 100000 --open-referrals 10000
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchdb import BenchDatabase, add_arguments, machine_info  # noqa: E402


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def measure(call, expected: int, requests: int, warmup: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        response = call()
        if response.status_code != expected:
            raise SystemExit(f"HTTP {response.status_code}, expected {expected}: {response.content[:300]!r}")
    cpu, wall = [], []
    for _ in range(requests):
        c0, w0 = time.process_time(), time.perf_counter()
        response = call()
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
        if response.status_code != expected:
            raise SystemExit(f"HTTP {response.status_code}, expected {expected}")
    with CaptureQueriesContext(connection) as captured:
        call()
    return {
        "requests": requests,
        "cpu_mean_ms": round(statistics.fmean(cpu), 2),
        "cpu_p50_ms": round(statistics.median(cpu), 2),
        "wall_p50_ms": round(statistics.median(wall), 2),
        "wall_p95_ms": round(percentile(wall, 0.95), 2),
        "queries": len(captured.captured_queries),
    }


def accept_some(population, how_many: int) -> list[str]:
    """Accept `how_many` received referrals of the CPTS entry point (some the benchmark GP's) into a pathway,
    through the service, as the coordinator would."""
    from jalon.core.actor import Actor
    from jalon.referrals.models import Referral
    from jalon.triage.services import referral_accept_into_pathway

    actor = Actor.system(population.coordinator)
    candidates = list(
        Referral.objects.filter(
            entry_point=population.entry_points[0], status="received", referrer_id=population.gp.professional_id
        ).order_by("pk")[:how_many]
    )
    accepted = []
    for referral in candidates:
        referral_accept_into_pathway(
            actor=actor,
            referral=referral,
            pathway_kind=referral.pathway_kind or "lung",
            priority="P2",
            override_reason="banc d'essai",
            outside_territory_acknowledged=True,
        )
        accepted.append(referral.reference)
    return accepted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--open-referrals", type=int, default=10_000)
    parser.add_argument("--pathways", type=int, default=20)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--seed", type=int, default=20260101)
    add_arguments(parser, reuse=True)  # --name, --keep, --reuse (bench/benchdb.py)
    parser.add_argument("--only", nargs="*", default=None, help="scenario keys to measure")
    parser.add_argument("--profile", default="", help="cProfile this scenario key (30 requests) to stdout")
    parser.add_argument("--queries", default="", help="print the SQL of one request of this scenario key")
    parser.add_argument("--html", default="", help="print the page one request of this scenario key answers")
    args = parser.parse_args()
    database = BenchDatabase.from_args("pages", args)
    database.configure_django(database.prepare(args.database, reuse=args.reuse))

    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse
    from intake_population import IntakePopulation

    from jalon.accounts.models import User
    from jalon.pathways.models import Pathway

    if not args.reuse:
        call_command("migrate", verbosity=0)
        population = IntakePopulation(seed=args.seed)
        population.setup()
        started = time.perf_counter()
        population.grow_to(
            patients=args.patients, open_referrals=args.open_referrals, closed_referrals=args.open_referrals // 10
        )
        accept_some(population, args.pathways)
        if args.database == "postgres":
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(f"population generated in {time.perf_counter() - started:.1f} s")
    info = machine_info(args.database)
    coordinator = User.objects.get(username="bench.coordination")
    gp = User.objects.get(username="bench.medecin")
    coordinator_client, gp_client = Client(), Client()
    coordinator_client.force_login(coordinator)
    gp_client.force_login(gp)
    # The coordinator has passed the second factor, as after a real login (production requires it).
    from jalon.testing.second_factor import mark_client_verified, totp_device_for

    totp_device_for(coordinator)
    mark_client_verified(coordinator_client)
    rng = random.Random(args.seed)
    pathway_refs = list(Pathway.objects.values_list("referral__reference", flat=True).order_by("pk"))
    from jalon.referrals.access import referrals_visible_to

    references = list(referrals_visible_to(coordinator).values_list("reference", flat=True))
    worklist_url = reverse("coordination:worklist")
    poll = {"HTTP_HX_REQUEST": "true", "HTTP_X_JALON_POLL": "1"}

    def worklist_poll_url() -> str:
        """The refresh as the page sends it: with the version the last render gave, when the page has one."""
        page = coordinator_client.get(worklist_url).content.decode()
        marker = 'name="version" value="'
        if marker in page:
            version = page.split(marker, 1)[1].split('"', 1)[0]
            return f"{worklist_url}?version={version}"
        return worklist_url

    def portal_live_url() -> str:
        page = gp_client.get(reverse("portal:patient", args=[pathway_refs[0]])).content.decode()
        return page.split('hx-get="', 1)[1].split('"', 1)[0].replace("&amp;", "&")

    live_url = portal_live_url()
    poll_url = worklist_poll_url()
    scenarios = {
        "worklist": (lambda: coordinator_client.get(worklist_url), 200),
        "worklist_refresh_idle": (lambda: coordinator_client.get(poll_url, **poll), None),
        "referral": (
            lambda: coordinator_client.get(reverse("coordination:referral", args=[rng.choice(references)])),
            200,
        ),
        "pathway": (
            lambda: coordinator_client.get(reverse("pathways:detail", args=[rng.choice(pathway_refs)])),
            200,
        ),
        "portal_list": (lambda: gp_client.get(reverse("portal:patients")), 200),
        "portal_patient": (
            lambda: gp_client.get(reverse("portal:patient", args=[rng.choice(pathway_refs)])),
            200,
        ),
        "portal_live_idle": (lambda: gp_client.get(live_url, **poll), 204),
        # The floor every page pays (session, user, second factor, the page frame): no patient data.
        "floor": (lambda: coordinator_client.get(reverse("accounts:password_change_done")), 200),
    }
    expected_idle = coordinator_client.get(poll_url, **poll).status_code
    scenarios["worklist_refresh_idle"] = (scenarios["worklist_refresh_idle"][0], expected_idle)
    if args.html:
        sys.stdout.write(scenarios[args.html][0]().content.decode())
        return
    if args.queries:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        call = scenarios[args.queries][0]
        call()
        with CaptureQueriesContext(connection) as captured:
            call()
        for number, query in enumerate(captured.captured_queries, 1):
            print(f"{number:>3} {query['time']:>6} {query['sql'][:300]}")
        return
    if args.profile:
        import cProfile
        import pstats

        call = scenarios[args.profile][0]
        for _ in range(5):
            call()
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(30):
            call()
        profiler.disable()
        if os.environ.get("PROFILE_OUT"):
            profiler.dump_stats(os.environ["PROFILE_OUT"])
        pstats.Stats(profiler).sort_stats("tottime").print_stats(40)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
        return
    results = {"machine": info, "load_before": [round(x, 2) for x in os.getloadavg()], "pages": {}}
    print(f"{info['database']} · {info['nproc']} × {info['cpu']} · {info['date']}")
    print(f"load average before: {results['load_before']}")
    print(
        f"{'scenario':<24} {'status':>6} {'CPU mean':>9} {'CPU p50':>8} {'wall p50':>9} {'wall p95':>9} {'queries':>8}"
    )
    try:
        for key, (call, expected) in scenarios.items():
            if args.only and key not in args.only:
                continue
            result = measure(call, expected, args.requests, args.warmup)
            result["status"] = expected
            results["pages"][key] = result
            print(
                f"{key:<24} {expected:>6} {result['cpu_mean_ms']:>9} {result['cpu_p50_ms']:>8} "
                f"{result['wall_p50_ms']:>9} {result['wall_p95_ms']:>9} {result['queries']:>8}"
            )
    finally:
        results["load_after"] = [round(x, 2) for x in os.getloadavg()]
        print(f"load average after: {results['load_after']}")
        out = database.directory / f"results-{args.database}.json"
        out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
        database.finish(args.database, keep=args.keep)


if __name__ == "__main__":
    main()
