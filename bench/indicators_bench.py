#!/usr/bin/env python
"""Indicators benchmark (issue 7): the full indicator set of a year and the dashboard, at regional scale.

    python bench/indicators_bench.py --database sqlite   --pathways 110000
    python bench/indicators_bench.py --database postgres --pathways 110000

Not a test: it builds its OWN database, named for this run (bench/benchdb.py: SQLite file or PostgreSQL
database on 127.0.0.1:5432, dropped at the end unless --keep; --reuse --name measures a kept one), runs the
migrations, generates the synthetic regional population (jalon/demo/synthetic_region.py: --pathways over
--years years, ending this month), then times over --repeat repetitions (after one warm-up):

1. `indicator_set(Period.year(Y))` for the last full year Y, all breakdowns: computed by the database;
2. the dashboard page, GET /indicateurs/ as a manager through django.test.Client with DEBUG off, for
   its default period (the last 12 full months) and for the year Y;
3. the naive baseline in the same run: the rows (pathways with their referral, milestones, imaging
   exams, referrals, appointments, slot releases) loaded into pandas DataFrames, and the same figures
   computed by pandas (a pivot of the milestones per pathway, differences, median, nearest-rank 90th
   percentile, mean, group-bys); its figures are checked against the database's.

Results: printed, and /tmp/jalon-bench/<run>/results-<database>.json. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import time
from datetime import date

import benchdb
from benchdb import BenchDatabase, machine_info

TARGET_SET_S, TARGET_PAGE_S = 2.0, 1.0


# --- timing -----------------------------------------------------------------------------------------
def timed(call, repeat: int) -> tuple[dict, object]:
    """One warm-up call, then `repeat` timed calls: median, min, max in seconds, and the last result."""
    result = call()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        samples.append(time.perf_counter() - started)
    return {
        "repeat": repeat,
        "median_s": round(statistics.median(samples), 3),
        "min_s": round(min(samples), 3),
        "max_s": round(max(samples), 3),
    }, result


def timed_baseline(period, repeat: int):
    """The baseline, one warm-up then `repeat` times: load, compute and their sum per repetition."""
    pandas_figures(load_rows(period), period)
    samples = {"load": [], "compute": [], "total": []}
    for _ in range(repeat):
        started = time.perf_counter()
        rows = load_rows(period)
        loaded = time.perf_counter()
        naive = pandas_figures(rows, period)
        done = time.perf_counter()
        samples["load"].append(loaded - started)
        samples["compute"].append(done - loaded)
        samples["total"].append(done - started)
    timings = [
        {
            "repeat": repeat,
            "median_s": round(statistics.median(values), 3),
            "min_s": round(min(values), 3),
            "max_s": round(max(values), 3),
        }
        for values in samples.values()
    ]
    return (*timings, rows, naive)


def selector_breakdown(period) -> list[dict]:
    """Each selector `indicator_set` calls, once, with its queries' time: where the time goes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jalon.indicators import selectors

    calls = {
        "delay_reports (no breakdown)": lambda: selectors.delay_reports(period),
        **{
            f"delay_reports by {by}": (
                lambda by=by: selectors._delay_stats(period, selectors.Filters(), list(selectors.DELAY_ENDS), by)
            )
            for by in selectors.BREAKDOWN_COLUMNS
        },
        "milestones_within_target": lambda: selectors.milestones_within_target(period),
        "referrals_per_month": lambda: selectors.referrals_per_month(period),
        "appointments_per_month": lambda: selectors.appointments_per_month(period),
        "distinct_gps": lambda: selectors.distinct_gps(period),
        "patients_contacted_accompanied": lambda: selectors.patients_contacted_accompanied(period),
        "reserved_slots": lambda: selectors.reserved_slots(period),
        "supportive_care_assessed": lambda: selectors.supportive_care_assessed(period),
    }
    breakdown = []
    for name, call in calls.items():
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            call()
            elapsed = time.perf_counter() - started
        queries = sorted(captured.captured_queries, key=lambda query: float(query["time"]), reverse=True)
        breakdown.append(
            {
                "selector": name,
                "s": round(elapsed, 3),
                "queries": len(queries),
                "slowest_ms": round(float(queries[0]["time"]) * 1000) if queries else 0,
                "slowest_sql": queries[0]["sql"][:400] if queries else "",
            }
        )
    return breakdown


def query_count(call) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


# --- the naive baseline: rows into pandas -------------------------------------------------------------
def load_rows(period) -> dict:
    """The rows the figures count, as DataFrames (values_list: the ORM's conversions included)."""
    import pandas as pd
    from django.db.models import Q

    from jalon.indicators.definitions import IMAGING_EXAM_KINDS
    from jalon.pathways.models import Milestone, Pathway
    from jalon.referrals.models import ExamDone, Referral
    from jalon.scheduling.models import Appointment, SlotRelease

    start, end = period.bounds
    in_period = {"referral__received_at__gte": start, "referral__received_at__lt": end}
    pathways = pd.DataFrame.from_records(
        Pathway.objects.filter(**in_period).values_list(
            "pk",
            "referral_id",
            "referral__received_at",
            "template_version__template__kind",
            "referral__entry_point__organization_id",
            "referral__referrer__profession",
            "status",
            "outcome",
        ),
        columns=["pathway", "referral", "received_at", "template", "site", "profession", "status", "outcome"],
    )
    milestones = pd.DataFrame.from_records(
        Milestone.objects.filter(**{f"pathway__{key}": value for key, value in in_period.items()}).values_list(
            "pathway_id", "code", "status", "done_at", "due_at"
        ),
        columns=["pathway", "code", "status", "done_at", "due_at"],
    )
    exams = pd.DataFrame.from_records(
        ExamDone.objects.filter(kind__in=IMAGING_EXAM_KINDS, **in_period).values_list("referral_id", "done_on"),
        columns=["referral", "done_on"],
    )
    referrals = pd.DataFrame.from_records(
        Referral.objects.filter(received_at__gte=start, received_at__lt=end).values_list(
            "pk",
            "received_at",
            "patient_id",
            "referrer_id",
            "referrer__profession",
            "referrer__specialty",
            "referrer__commune_id",
            "entry_point__territory_id",
            "pathway__id",
        ),
        columns=[
            "referral",
            "received_at",
            "patient",
            "referrer",
            "profession",
            "specialty",
            "commune",
            "territory",
            "pathway",
        ],
    )
    from jalon.directory.models import Territory

    territory_communes = pd.DataFrame.from_records(
        Territory.communes.through.objects.values_list("territory_id", "commune_id"), columns=["territory", "commune"]
    )
    appointments = pd.DataFrame.from_records(
        Appointment.objects.filter(
            Q(booked_at__gte=start, booked_at__lt=end) | Q(slot__start__gte=start, slot__start__lt=end)
        ).values_list("status", "booked_at", "used_reserved", "slot__start", "pathway__referral__referrer__profession"),
        columns=["status", "booked_at", "used_reserved", "slot_start", "profession"],
    )
    releases = pd.DataFrame.from_records(SlotRelease.objects.values_list("released_at"), columns=["released_at"])
    return {
        "pathways": pathways,
        "milestones": milestones,
        "exams": exams,
        "referrals": referrals,
        "territory_communes": territory_communes,
        "appointments": appointments,
        "releases": releases,
    }


def nearest_rank_p90(values) -> float:
    import numpy as np

    ordered = np.sort(np.asarray(values, dtype=float))
    return float(ordered[math.ceil(0.9 * len(ordered)) - 1])


def pandas_figures(rows: dict, period) -> dict:
    """The same figures as `indicator_set`, computed by pandas from the rows."""
    import pandas as pd

    from jalon.indicators.definitions import DELAY_ENDS, FIRST_CARE_CODES, MILESTONE_FACTS

    paris = "Europe/Paris"
    start, end = (pd.Timestamp(bound).tz_convert("UTC") for bound in period.bounds)
    pathways = rows["pathways"].copy()
    pathways["received_at"] = pd.to_datetime(pathways["received_at"], utc=True)
    pathways["month"] = pathways["received_at"].dt.tz_convert(paris).dt.strftime("%Y-%m-01")
    milestones = rows["milestones"]
    done = milestones[(milestones["status"] == "done") & milestones["done_at"].notna()].copy()
    done["done_at"] = pd.to_datetime(done["done_at"], utc=True)
    done["due_at"] = pd.to_datetime(done["due_at"], utc=True)
    # pivot: one column of done times per milestone code
    pivot = done.pivot(index="pathway", columns="code", values="done_at")
    facts = pathways.set_index("pathway")
    for code, column in MILESTONE_FACTS.items():
        facts[column] = pivot[code] if code in pivot.columns else pd.NaT
    care = done[done["code"].isin(FIRST_CARE_CODES)].groupby("pathway")["done_at"].min()
    facts["first_care_at"] = care
    exams = rows["exams"].dropna().merge(pathways[["pathway", "referral", "received_at"]], on="referral")
    exams = exams[
        pd.to_datetime(exams["done_on"])
        <= exams["received_at"].dt.tz_convert(paris).dt.tz_localize(None).dt.normalize()
    ]
    latest = exams.groupby("pathway")["done_on"].max()
    facts["imaging_before_at"] = pd.to_datetime(latest).dt.tz_localize(paris).dt.tz_convert("UTC")
    delays = {}
    for code, (start_column, end_column) in DELAY_ENDS.items():
        days = (facts[end_column] - facts[start_column]).dt.total_seconds() / 86400
        delays[code] = days.where(days >= 0).round(4)
    delays = pd.DataFrame(delays)

    def stats(values: pd.Series) -> dict:
        values = values.dropna()
        if values.empty:
            return {"n": 0, "median": None, "p90": None, "mean": None}
        return {
            "n": int(values.size),
            "median": round(float(values.median()), 2),
            "p90": round(nearest_rank_p90(values), 2),
            "mean": round(float(values.mean()), 2),
        }

    columns = {"month": "month", "template": "template", "site": "site", "profession": "profession"}
    result = {"delays": {}, "breakdowns": {}}
    for code in DELAY_ENDS:
        start_column, end_column = DELAY_ENDS[code]
        pending = int(((facts["status"] == "active") & facts[start_column].notna() & facts[end_column].isna()).sum())
        result["delays"][code] = {**stats(delays[code]), "pending": pending}
        for by, column in columns.items():
            grouped = delays[code].groupby(facts[column])
            result["breakdowns"][(code, by)] = {
                str(key): stats(values) for key, values in grouped if values.notna().any()
            }
    with_target = done[done["due_at"].notna()]
    within = with_target["done_at"] <= with_target["due_at"]
    result["within_target"] = (int(within.sum()), int(len(with_target)))
    per_code = with_target.assign(within=within).groupby("code")["within"].agg(["sum", "count"])
    result["within_by_code"] = {code: (int(row["sum"]), int(row["count"])) for code, row in per_code.iterrows()}
    referrals = rows["referrals"].copy()
    referrals["received_at"] = pd.to_datetime(referrals["received_at"], utc=True)
    referrals["month"] = referrals["received_at"].dt.tz_convert(paris).dt.strftime("%Y-%m-01")
    per_month = referrals.groupby(["month", "profession"]).size()
    result["referrals_per_month"] = {f"{month}|{profession}": int(n) for (month, profession), n in per_month.items()}
    gp = referrals[
        (referrals["profession"] == "physician") & (referrals["specialty"].str.lower() == "médecine générale")
    ]
    gp = gp.merge(rows["territory_communes"], on=["territory", "commune"])
    result["distinct_gps"] = int(gp["referrer"].nunique())
    result["contacted"] = int(referrals["patient"].nunique())
    result["accompanied"] = int(referrals.loc[referrals["pathway"].notna(), "patient"].nunique())
    appointments = rows["appointments"].copy()
    for column in ("booked_at", "slot_start"):
        appointments[column] = pd.to_datetime(appointments[column], utc=True)
    booked = appointments[
        (appointments["status"] == "booked") & (appointments["booked_at"] >= start) & (appointments["booked_at"] < end)
    ]
    booked_month = booked["booked_at"].dt.tz_convert(paris).dt.strftime("%Y-%m-01")
    result["appointments_per_month"] = {
        f"{month}|{profession}": int(n)
        for (month, profession), n in booked.groupby([booked_month, booked["profession"]]).size().items()
    }
    used = appointments[
        appointments["used_reserved"]
        & (appointments["status"] == "booked")
        & (appointments["slot_start"] >= start)
        & (appointments["slot_start"] < end)
    ]
    released = pd.to_datetime(rows["releases"]["released_at"], utc=True)
    result["reserved_slots"] = (int(len(used)), int(((released >= start) & (released < end)).sum()))
    result["cohort"] = int(len(pathways))
    return result


def database_figures(figures) -> dict:
    """The database's IndicatorSet in the baseline's shape, for the comparison."""
    result = {"delays": {}, "breakdowns": {}}
    for code, report in figures.delays.items():
        result["delays"][code] = {
            "n": report.stats.n,
            "median": report.stats.median,
            "p90": report.stats.p90,
            "mean": report.stats.mean,
            "pending": report.stats.pending,
        }
        for by, groups in report.breakdowns.items():
            result["breakdowns"][(code, by)] = {
                (key.isoformat() if isinstance(key, date) else str(key)): {
                    "n": stats.n,
                    "median": stats.median,
                    "p90": stats.p90,
                    "mean": stats.mean,
                }
                for key, stats in groups
            }
    result["within_target"] = (figures.within_target.numerator, figures.within_target.denominator)
    result["within_by_code"] = {
        code: (share.numerator, share.denominator) for code, share in figures.within_target_by_code
    }
    result["referrals_per_month"] = {
        f"{month.isoformat()}|{profession}": n
        for month, row in figures.referrals_per_month.items()
        for profession, n in row.items()
    }
    result["appointments_per_month"] = {
        f"{month.isoformat()}|{profession}": n
        for month, row in figures.appointments_per_month.items()
        for profession, n in row.items()
    }
    result["distinct_gps"] = figures.distinct_gps
    result["contacted"] = figures.contacted_accompanied.contacted
    result["accompanied"] = figures.contacted_accompanied.accompanied
    result["reserved_slots"] = (figures.reserved_slots.used, figures.reserved_slots.released)
    result["cohort"] = figures.cohort
    return result


def compare(db: dict, naive: dict) -> list[str]:
    """Differences between the two computations (n exact; median, p90, mean within 0.01 day)."""
    problems = []

    def close(a, b) -> bool:
        return (a is None and b is None) or (a is not None and b is not None and abs(a - b) <= 0.0101)

    for code, expected in db["delays"].items():
        got = naive["delays"][code]
        for key in ("n", "pending"):
            if expected[key] != got[key]:
                problems.append(f"{code} {key}: database {expected[key]}, pandas {got[key]}")
        for key in ("median", "p90", "mean"):
            if not close(expected[key], got[key]):
                problems.append(f"{code} {key}: database {expected[key]}, pandas {got[key]}")
    compared_groups = 0
    for (code, by), groups in db["breakdowns"].items():
        other = naive["breakdowns"].get((code, by), {})
        if set(groups) != set(other):
            problems.append(f"{code} by {by}: groups differ ({len(groups)} vs {len(other)})")
            continue
        for key, expected in groups.items():
            compared_groups += 1
            got = other[key]
            if expected["n"] != got["n"] or not all(close(expected[k], got[k]) for k in ("median", "p90", "mean")):
                problems.append(f"{code} by {by} {key}: database {expected}, pandas {got}")
    for key in (
        "within_target",
        "within_by_code",
        "referrals_per_month",
        "appointments_per_month",
        "distinct_gps",
        "contacted",
        "accompanied",
        "reserved_slots",
        "cohort",
    ):
        if db[key] != naive[key]:
            problems.append(f"{key}: database {str(db[key])[:200]}, pandas {str(naive[key])[:200]}")
    db["compared_groups"] = compared_groups
    return problems


# --- main ----------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--pathways", type=int, default=110_000, help="110,000: the milestone events alone then pass a million"
    )
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--sites", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--repeat", type=int, default=5, help="timed repetitions of each measurement (after one warm-up)"
    )
    benchdb.add_arguments(parser, reuse=True)
    args = parser.parse_args()

    database = BenchDatabase.from_args("indicators", args)
    database.configure_django(database.prepare(args.database, reuse=args.reuse))
    bench_dir = database.directory
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from jalon.accounts.models import Role, User
    from jalon.core.workcalendar import PARIS
    from jalon.demo.synthetic_region import RegionalPopulation
    from jalon.indicators.selectors import Period, indicator_set

    started = time.perf_counter()
    call_command("migrate", verbosity=0)  # a reused population gets the current schema (new indexes) too
    migrate_s = round(time.perf_counter() - started, 1)
    import pandas

    info = machine_info(args.database) | {"pandas": pandas.__version__}
    print(
        f"{info['database']} · Python {info['python']} · Django {info['django']} · pandas {info['pandas']} · "
        f"{info['nproc']} × {info['cpu']} · {info['ram_gib']} GiB"
    )
    print(f"migrations: {migrate_s} s")
    results = {"machine": info, "args": vars(args), "migrate_s": migrate_s}
    problems = ["not run"]
    try:
        if args.reuse:
            previous = bench_dir / f"results-{args.database}.json"
            earlier = json.loads(previous.read_text()) if previous.exists() else {}
            results["population"], results["generation_s"] = earlier.get("population"), earlier.get("generation_s")
            results["reused"] = True
            print("population of the previous run, measured again")
        else:
            population = RegionalPopulation(
                pathways=args.pathways, years=args.years, sites=args.sites, seed=args.seed, log=print
            )
            counts = population.run()
            results["population"] = counts
            results["generation_s"] = population.timings
            print(", ".join(f"{key} {value:,}" for key, value in counts.items()))

        if args.database == "postgres":
            # As autovacuum does after a bulk load: statistics for the planner, and the visibility map
            # that lets the ordered indexes answer without visiting the table (index-only scans). Then
            # a checkpoint, so that the background writing of the load's pages is not measured with
            # the indicators (a server at rest, as in production between loads).
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
                cursor.execute("CHECKPOINT")
        year = timezone.localtime(timezone.now(), PARIS).year - 1
        period = Period.year(year)
        print(f"\n== indicator_set(Period.year({year})), all breakdowns, {args.repeat} repetitions")
        timing, figures = timed(lambda: indicator_set(period), args.repeat)
        timing["queries"] = query_count(lambda: indicator_set(period))
        results["indicator_set"] = timing
        print(
            f"cohort {figures.cohort:,} pathways; median {timing['median_s']} s (min {timing['min_s']}, max "
            f"{timing['max_s']}), "
            f"{timing['queries']} queries"
        )

        manager, _created = User.objects.get_or_create(username="bench.responsable", defaults={"role": Role.MANAGER})
        client = Client()
        client.force_login(manager)
        url = reverse("indicators:dashboard")
        from django.core.cache import cache

        # `_computed`: the figures computed at each load (cache emptied first): the first load of a
        # period, or the load after a change; without suffix: a closed period's figures from the cache
        # (jalon/indicators/figures_cache.py), as every later load until something they count changes.
        year_address = f"{url}?start={year}-01-01&end={year}-12-31"
        pages = {
            "dashboard_default_computed": url,
            "dashboard_default": url,
            "dashboard_year_computed": year_address,
            "dashboard_year": year_address,
        }
        for key, address in pages.items():
            computed = key.endswith("_computed")

            def get(address=address, empty=computed):
                if empty:
                    cache.clear()
                response = client.get(address)
                if response.status_code != 200:
                    raise SystemExit(f"{address}: HTTP {response.status_code}")
                return response

            timing, _response = timed(get, args.repeat)
            timing["queries"] = query_count(get)
            results[key] = timing
            print(
                f"{key}: GET {address}: median {timing['median_s']} s (min {timing['min_s']}, max {timing['max_s']}), "
                f"{timing['queries']} queries"
            )

        print(f"\n== naive baseline: rows into pandas, {args.repeat} repetitions")
        load_timing, compute_timing, total_timing, rows, naive = timed_baseline(period, args.repeat)
        sizes = {name: len(frame) for name, frame in rows.items()}
        results["pandas"] = {"load": load_timing, "compute": compute_timing, "total": total_timing, "rows": sizes}
        print("rows loaded: " + ", ".join(f"{name} {n:,}" for name, n in sizes.items()))
        print(
            f"load median {load_timing['median_s']} s, compute median {compute_timing['median_s']} s, "
            f"load + compute median {total_timing['median_s']} s (min {total_timing['min_s']}, max "
            f"{total_timing['max_s']})"
        )
        db = database_figures(figures)
        problems = compare(db, naive)
        results["comparison"] = {
            "problems": problems,
            "delays": db["delays"],
            "breakdown_groups_compared": db["compared_groups"],
        }
        print(
            f"comparison: {len(db['delays'])} delays and {db['compared_groups']} breakdown groups (n, median, p90, "
            "mean), "
            "within target, volumes, GPs, contacted/accompanied, reserved slots: "
            + ("IDENTICAL" if not problems else f"{len(problems)} DIFFERENCES")
        )
        for problem in problems[:20]:
            print("  " + problem)
        print("\ndelays of the year (database):")
        for code, stats in db["delays"].items():
            print(
                f"  {code:<34} n {stats['n']:>6,}  median {stats['median']}  p90 {stats['p90']}  mean "
                f"{stats['mean']}  pending {stats['pending']}"
            )
        print("\nwhere the time goes (each selector once):")
        results["selectors"] = selector_breakdown(period)
        for row in results["selectors"]:
            print(
                f"  {row['selector']:<32} {row['s']:>7.3f} s  {row['queries']} queries, slowest {row['slowest_ms']} ms"
            )
        met_set = results["indicator_set"]["median_s"] < TARGET_SET_S
        met_page = all(results[key]["median_s"] < TARGET_PAGE_S for key in pages if not key.endswith("_computed"))
        print(
            f"\ntarget indicator_set < {TARGET_SET_S:.0f} s: {'met' if met_set else 'NOT met'}; "
            f"dashboard < {TARGET_PAGE_S:.0f} s: {'met' if met_page else 'NOT met'}"
        )
        results["load_average"] = [round(x, 2) for x in os.getloadavg()]
    finally:
        database.finish(args.database, keep=args.keep)
    out = bench_dir / f"results-{args.database}.json"
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"results: {out}")
    if problems:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
