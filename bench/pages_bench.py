"""Server CPU per page and per refresh (issue 15): the worklist, the referral page, the pathway page and the
GP portal (list, patient page), and the polled fragments (worklist refresh, portal live part) when nothing
changed; and the other requests of the load benchmark's mix (bench/locustfile.py): the GP's new referral form,
its valid POST and their list of referrals, a coordinator's accept and complement decisions (each on a fresh
received referral, its values read before the timed request).

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


def measure(call, expected: int, requests: int, warmup: int, prepare=None) -> dict:
    """CPU and wall time of `call` (after `prepare`, not timed, when given), and the queries of one call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    prepare = prepare or (lambda: None)
    for _ in range(warmup):
        prepare()
        response = call()
        if response.status_code != expected:
            raise SystemExit(f"HTTP {response.status_code}, expected {expected}: {response.content[:300]!r}")
    cpu, wall = [], []
    for _ in range(requests):
        prepare()
        c0, w0 = time.process_time(), time.perf_counter()
        response = call()
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
        if response.status_code != expected:
            raise SystemExit(f"HTTP {response.status_code}, expected {expected}")
    prepare()
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


def population_entry_point_id() -> int:
    """The entry point the load benchmark's GPs file to and its coordinators work (the population's first)."""
    from jalon.referrals.models import EntryPoint

    return EntryPoint.objects.get(slug="cpts-cancer").pk


class Submissions:
    """The POST bench/locustfile.py sends for a new referral, each with an identity no patient has yet."""

    def __init__(self, gp, entry_point_id: int):
        from jalon.referrals.models import Referral

        self.gp, self.entry_point_id = gp, entry_point_id
        self.seq = 950_000 + Referral.objects.filter(created_by=gp).count()  # fresh across runs on one database

    def next_data(self) -> dict:
        from datetime import date, timedelta

        from intake_population import bench_ins
        from referral_form import referral_form_data

        seq, self.seq = self.seq, self.seq + 1
        sex = "F" if seq % 2 else "M"
        born = date(1940, 1, 1) + timedelta(days=(seq * 37) % 18000)
        return referral_form_data(
            seq,
            entry_point_id=self.entry_point_id,
            ins=bench_ins(sex, born, seq),
            sex=sex,
            birth_date=born.isoformat(),
            gp_rpps=self.gp.professional.rpps,
        )


class Decisions:
    """Decisions on the received referrals of the coordinator's entry point, each decided once, with what the
    load benchmark posts: the page's accept form as it comes (the rules' proposal, every text area filled,
    the box ticked) or the complement request's message. The values are read before the timed request."""

    TEXT = "Décision du banc de charge."

    def __init__(self, coordinator, client):
        self.coordinator, self.client = coordinator, client

    def _next_referral(self):
        from jalon.referrals.access import referrals_visible_to

        referral = referrals_visible_to(self.coordinator).filter(status="received").order_by("pk").first()
        if referral is None:
            raise SystemExit("no received referral left to decide: run gp_submit first, or a new database")
        return referral

    def prepare(self, action: str) -> None:
        from django.urls import reverse

        from jalon.pathways.selectors import proposal_summary
        from jalon.triage.services import triage_propose

        referral = self._next_referral()
        if action == "accept":
            proposal = proposal_summary(triage_propose(referral))
            has_rules = proposal and proposal["has_rules"]
            data = {
                "accept-pathway_kind": proposal["pathway_kind"] if has_rules else referral.pathway_kind or "",
                "accept-priority": proposal["priority"] if has_rules else referral.priority or "P2",
                "accept-reason": self.TEXT,
                "accept-outside_territory_acknowledged": "on",
                "accept-override_reason": self.TEXT,
                "accept-complement_message": self.TEXT,
            }
        else:
            data = {"complement-message": self.TEXT}
        self.pending = (reverse("coordination:action", args=[referral.reference, action]), data)

    def post(self):
        url, data = self.pending
        return self.client.post(url, data)


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
                cursor.execute("VACUUM ANALYZE")  # as autovacuum would after the inserts
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
    # The pathways of the benchmark GP's referrals (accept_some): those a decision scenario of an earlier run
    # started belong to other GPs, whom the portal rightly refuses.
    pathway_refs = list(
        Pathway.objects.filter(referral__referrer_id=gp.professional_id)
        .values_list("referral__reference", flat=True)
        .order_by("pk")
    )
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
    submissions = Submissions(gp, population_entry_point_id())
    decisions = Decisions(coordinator, coordinator_client)
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
        # The GP's new referral, as bench/locustfile.py sends it: the empty form, then a valid POST (a new
        # patient each time), then their list of referrals.
        "gp_form": (lambda: gp_client.get(reverse("referrals:new")), 200),
        "gp_submit": (lambda: gp_client.post(reverse("referrals:new"), submissions.next_data()), 302),
        "gp_my_referrals": (lambda: gp_client.get(reverse("referrals:mine")), 200),
        # A coordinator's decision on a fresh received referral of the entry point, with the values its page's
        # form holds (the rules' proposal), as the load benchmark fills them.
        "decision_accept": (decisions.post, 302),
        "decision_complement": (decisions.post, 302),
    }
    # What runs before each timed request of a scenario, not measured (the next referral to decide).
    preparations = {
        "decision_accept": lambda: decisions.prepare("accept"),
        "decision_complement": lambda: decisions.prepare("request_complement"),
    }

    def untimed(key: str):
        """The scenario's call, with its untimed preparation (for --html, --queries and --profile)."""
        call, prepare = scenarios[key][0], preparations.get(key)
        return (lambda: (prepare(), call())[1]) if prepare else call

    expected_idle = coordinator_client.get(poll_url, **poll).status_code
    scenarios["worklist_refresh_idle"] = (scenarios["worklist_refresh_idle"][0], expected_idle)
    if args.html:
        sys.stdout.write(untimed(args.html)().content.decode())
        return
    if args.queries:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        call, prepare = scenarios[args.queries][0], preparations.get(args.queries, lambda: None)
        prepare()
        call()
        prepare()
        with CaptureQueriesContext(connection) as captured:
            call()
        for number, query in enumerate(captured.captured_queries, 1):
            print(f"{number:>3} {query['time']:>6} {query['sql'][: int(os.environ.get('SQL_CHARS', 300))]}")
        return
    if args.profile:
        import cProfile
        import pstats

        call, prepare = scenarios[args.profile][0], preparations.get(args.profile, lambda: None)
        for _ in range(5):
            prepare()
            call()
        profiler = cProfile.Profile(time.process_time)
        for _ in range(30):
            prepare()
            profiler.enable()
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
            result = measure(call, expected, args.requests, args.warmup, prepare=preparations.get(key))
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
