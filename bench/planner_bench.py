#!/usr/bin/env python
"""Scheduling benchmark (issue 5): a territory week planned by the CP-SAT batch planner against a
first-come-first-served greedy baseline, in the same run.

    python bench/planner_bench.py                      # seed 5, time limits 10 s and 30 s, 2 workers

Not a test, and no database: the week is generated as plain slot facts and planning requests
(`jalon.scheduling.batch` is pure), with a fixed seed. Django is set up only for the imports
(settings with JALON_VAR_DIR=/tmp/jalon-bench/<run>, nothing is read or written in var/).

The week (Monday to Friday): 40 resources at 3 sites (consultation, CT, MRI, PET-CT, endoscopy,
biopsy, anaesthesia consultation), about 2,000 slots, part of them already booked by other activity;
whole sessions reserved for lung or pancreas/digestive pathways and released 48 h before their start,
or urgent (P1 only) and released 24 h before; a few blocked. About 150 pending requests (P1 25 %,
P2 40 %, P3 35 %) of 2 to 4 steps from the shipped templates, consultation and imaging on the same
day (the diagnostic day), released from the Thursday before to the Wednesday, some with one
unavailable day.

Planned, in the same run: the first-come-first-served greedy baseline, the greedy "P1 first"
(shown because the batch starts from the better of the two), and the CP-SAT batch planner at each
time limit (10 s and 30 s, 2 workers). Every plan is checked against the rules
(`assignment_problems`) before its figures are printed. Results: printed, and
/tmp/jalon-bench/<run>/planner-results.json. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

from benchdb import BENCH_ROOT, run_name

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = BENCH_ROOT / run_name("planner")  # this run's own directory (bench/benchdb.py)
WEEK = date(2026, 11, 16)  # a Monday, no public holiday in the week
NOW = (8, 0)  # planning run: Monday 08:00, Paris

SITES = ["CHU Nord", "Clinique Sud", "Centre hospitalier Est"]
# kind: (resources, slot minutes, session hours per day, share of slots booked by other activity)
RESOURCES = {
    "consultation": (12, 30, 4.0, 0.55),
    "ct": (6, 30, 9.0, 0.65),
    "mri": (5, 30, 7.0, 0.65),
    "pet_ct": (3, 60, 8.0, 0.60),
    "endoscopy": (5, 60, 8.0, 0.60),
    "biopsy": (5, 60, 8.0, 0.60),
    "anaesthesia": (4, 30, 4.0, 0.55),
}
# Steps per pathway kind (the shipped templates' bookable diagnostic steps; optional ones drawn)
PATHWAYS = {
    "lung": (
        0.30,
        [
            ("reception", "consultation", "diagnostic_day"),
            ("imaging", "ct", "diagnostic_day"),
            ("pet_ct", "pet_ct", "?"),
            ("biopsy", "biopsy", ""),
        ],
    ),
    "pancreas_biliary": (
        0.12,
        [
            ("reception", "consultation", "diagnostic_day"),
            ("imaging", "ct", "diagnostic_day"),
            ("eus_biopsy", "endoscopy", ""),
        ],
    ),
    "digestive": (
        0.18,
        [
            ("reception", "consultation", "diagnostic_day"),
            ("imaging", "ct", "diagnostic_day"),
            ("anaesthesia", "anaesthesia", "?"),
            ("endoscopy", "endoscopy", ""),
        ],
    ),
    "liver": (
        0.06,
        [
            ("reception", "consultation", "diagnostic_day"),
            ("imaging", "mri", "diagnostic_day"),
            ("biopsy", "biopsy", "?"),
        ],
    ),
    "breast": (0.10, [("reception", "consultation", ""), ("biopsy", "biopsy", "")]),
    "lymphoma": (
        0.08,
        [
            ("reception", "consultation", "diagnostic_day"),
            ("imaging", "ct", "diagnostic_day"),
            ("pet_ct", "pet_ct", ""),
            ("biopsy", "biopsy", "?"),
        ],
    ),
    "glioblastoma": (0.04, [("reception", "consultation", "diagnostic_day"), ("imaging", "mri", "diagnostic_day")]),
    "generic": (
        0.12,
        [
            ("reception", "consultation", "diagnostic_day"),
            ("imaging", "ct", "diagnostic_day"),
            ("biopsy", "biopsy", "?"),
        ],
    ),
}
PRIORITIES = [("P1", 0.25), ("P2", 0.40), ("P3", 0.35)]
RESERVED_GROUPS = [["lung"], ["digestive", "pancreas_biliary"]]


def configure_django() -> None:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["JALON_VAR_DIR"] = str(BENCH_DIR)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{BENCH_DIR / 'planner-unused.sqlite3'}")
    os.environ["DEBUG"] = "0"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def generate_week(seed: int, *, requests_count: int, reserved_share: float, urgent_share: float):
    """The week's slots (SlotFact) and pending requests (PlanningRequest), deterministic for a seed."""
    from jalon.core.workcalendar import PARIS
    from jalon.scheduling.batch import PlanningRequest
    from jalon.scheduling.planner import SlotFact

    rng = random.Random(seed)
    now = datetime.combine(WEEK, dtime(*NOW), tzinfo=PARIS)
    days = [WEEK + timedelta(days=offset) for offset in range(5)]
    slots, resources = [], []
    slot_id = 0
    for kind, (count, minutes, hours, booked_share) in RESOURCES.items():
        for number in range(1, count + 1):
            site = SITES[(number - 1) % len(SITES)]
            resource_id = len(resources) + 1
            resources.append({"id": resource_id, "kind": kind, "site": site, "name": f"{kind} {number} – {site}"})
            for day in days:
                if rng.random() < 0.03:  # closed that day (leave, maintenance)
                    continue
                if hours <= 4.5:  # noqa: SIM108 (a half-day session, morning or afternoon)
                    begin = dtime(8, 30) if rng.random() < 0.6 else dtime(13, 30)
                else:
                    begin = dtime(8, 0)
                reserved, urgent = [], False
                draw = rng.random()
                if kind != "anaesthesia" and draw < reserved_share:
                    reserved = rng.choice(RESERVED_GROUPS)
                elif kind not in ("anaesthesia", "consultation") and draw < reserved_share + urgent_share:
                    urgent = True
                moment = datetime.combine(day, begin, tzinfo=PARIS)
                finish = moment + timedelta(hours=hours)
                step = timedelta(minutes=minutes)
                while moment + step <= finish:
                    slot_id += 1
                    restricted = bool(reserved) or urgent
                    booked_probability = booked_share * (0.3 if restricted else 1.0)
                    slots.append(
                        SlotFact(
                            id=slot_id,
                            resource_kind=kind,
                            start=moment,
                            end=moment + step,
                            reserved_for=tuple(reserved),
                            urgent=urgent,
                            release_at=(moment - timedelta(hours=48 if reserved else 24)) if restricted else None,
                            blocked=rng.random() < 0.02,
                            booked=rng.random() < booked_probability,
                            resource_id=resource_id,
                            resource_name=resources[-1]["name"],
                        )
                    )
                    moment += step
    kinds, kind_weights = zip(*[(kind, weight) for kind, (weight, _steps) in PATHWAYS.items()], strict=True)
    priorities, priority_weights = zip(*PRIORITIES, strict=True)
    window_start = datetime.combine(WEEK - timedelta(days=4), dtime(9, 0), tzinfo=PARIS)  # the Thursday before
    requests = []
    for number in range(1, requests_count + 1):
        kind = rng.choices(kinds, kind_weights)[0]
        steps = [
            (f"{number}-{code}", resource_kind, group.replace("?", ""))
            for code, resource_kind, group in PATHWAYS[kind][1]
            if "?" not in group or rng.random() < 0.5
        ]
        if rng.random() < 0.5:  # already waiting when the week's planning runs
            released = window_start + timedelta(
                minutes=rng.randrange(0, int((now - window_start).total_seconds() // 60), 15)
            )
        else:  # can start later in the week (pre-exam results, acceptance on the day...)
            released = datetime.combine(
                rng.choice(days[:3]), dtime(rng.randrange(8, 17), rng.choice((0, 30))), tzinfo=PARIS
            )
        unavailable = frozenset({rng.choice(days)}) if rng.random() < 0.2 else frozenset()
        requests.append(
            PlanningRequest(
                request_id=f"R{number:03d}",
                pathway_kind=kind,
                priority=rng.choices(priorities, priority_weights)[0],
                released_at=released,
                steps=steps,
                unavailable_days=unavailable,
            )
        )
    return now, resources, slots, requests


def machine() -> dict:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kib = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    import ortools

    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "ram_gib": round(mem_kib / 1024 / 1024, 1),
        "python": platform.python_version(),
        "ortools": ortools.__version__,
        "load_average": os.getloadavg(),
    }


def summary(result) -> dict:
    metrics = result.metrics
    return {
        "method": result.method,
        "status": result.status,
        "wall_seconds": round(result.wall_seconds, 2),
        "solve_seconds": None if result.solve_seconds is None else round(result.solve_seconds, 2),
        "objective_hours": round(result.objective, 1),
        "best_bound_hours": None if result.best_bound is None else round(result.best_bound, 1),
        "gap": None if result.gap is None else round(result.gap, 4),
        "total_weighted_delay_hours": round(metrics.total_weighted_delay_hours, 1),
        "planned_steps": metrics.planned_steps,
        "unplanned_steps": metrics.unplanned_steps,
        "fully_planned_requests": metrics.fully_planned_requests,
        "p1_requests": metrics.p1_requests,
        "p1_seen_within_48h": round(metrics.p1_seen_within_48h, 3),
        "p1_seen_within_48_working_hours": round(metrics.p1_seen_within_48_working_hours, 3),
        "p1_diagnosed_within_7d": round(metrics.p1_diagnosed_within_7d, 3),
        "model_booleans": result.model_booleans,
    }


def weighted_delay_by_priority(result, requests, slots) -> dict:
    by_id = {slot.id: slot for slot in slots}
    delays: dict[str, list[float]] = {"P1": [], "P2": [], "P3": []}
    for request in requests:
        chosen = [by_id[slot_id] for _step, slot_id in result.assignments.get(request.request_id, [])]
        if chosen and len(chosen) == len(request.steps):
            delays[request.priority].append(
                (max(slot.end for slot in chosen) - request.released_at).total_seconds() / 3600
            )
    return {priority: round(sum(values) / len(values), 1) if values else None for priority, values in delays.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--requests", type=int, default=150)
    parser.add_argument(
        "--reserved-share", type=float, default=0.15, help="share of sessions reserved for lung or pancreas/digestive"
    )
    parser.add_argument(
        "--urgent-share", type=float, default=0.10, help="share of imaging/endoscopy/biopsy sessions urgent (P1)"
    )
    parser.add_argument("--time-limits", type=float, nargs="+", default=[10.0, 30.0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-hint", action="store_true", help="do not start CP-SAT from the greedy plan")
    args = parser.parse_args()

    configure_django()
    from jalon.scheduling.batch import assignment_problems, plan_batch, plan_greedy

    began = time.perf_counter()
    now, resources, slots, requests = generate_week(
        args.seed, requests_count=args.requests, reserved_share=args.reserved_share, urgent_share=args.urgent_share
    )
    generated = time.perf_counter() - began
    free = [slot for slot in slots if not slot.booked]
    instance = {
        "seed": args.seed,
        "now": now.isoformat(),
        "resources": len(resources),
        "slots": len(slots),
        "free_slots": len(free),
        "free_by_kind": {kind: sum(1 for slot in free if slot.resource_kind == kind) for kind in RESOURCES},
        "demand_by_kind": {kind: sum(1 for r in requests for step in r.steps if step[1] == kind) for kind in RESOURCES},
        "reserved_slots": sum(1 for slot in slots if slot.reserved_for),
        "urgent_slots": sum(1 for slot in slots if slot.urgent),
        "blocked_slots": sum(1 for slot in slots if slot.blocked),
        "requests": len(requests),
        "requests_by_priority": {p: sum(1 for r in requests if r.priority == p) for p, _w in PRIORITIES},
        "steps": sum(len(r.steps) for r in requests),
        "generation_seconds": round(generated, 2),
    }
    print(f"instance: {json.dumps(instance, ensure_ascii=False)}")

    results = []
    results.append(plan_greedy(requests=requests, slots=slots, now=now))
    results.append(plan_greedy(requests=requests, slots=slots, now=now, order="priority"))
    for limit in args.time_limits:
        results.append(
            plan_batch(
                requests=requests,
                slots=slots,
                now=now,
                time_limit_seconds=limit,
                workers=args.workers,
                hint_greedy=not args.no_hint,
            )
        )
    rows = []
    for result in results:
        problems = assignment_problems(requests=requests, slots=slots, assignments=result.assignments, now=now)
        if problems:
            print(f"INVALID {result.method}: {problems[:5]}")
            return 1
        row = summary(result)
        row["time_limit_seconds"] = result.details.get("time_limit_seconds")
        row["mean_delay_hours_fully_planned"] = weighted_delay_by_priority(result, requests, slots)
        rows.append(row)

    header = (
        f"{'method':<18}{'status':<10}{'time s':>8}{'objective h':>14}{'bound h':>12}{'gap':>8}"
        f"{'w.delay h':>11}{'unpl.':>7}{'P1≤48h':>8}{'≤48h wk':>9}{'P1≤7d':>8}"
    )
    print(header)
    for row in rows:
        label = row["method"] + (f" {row['time_limit_seconds']:g}s" if row["time_limit_seconds"] else "")
        bound = "" if row["best_bound_hours"] is None else f"{row['best_bound_hours']:.1f}"
        gap = "" if row["gap"] is None else f"{100 * row['gap']:.2f}%"
        print(
            f"{label:<18}{row['status']:<10}{row['wall_seconds']:>8.2f}"
            f"{row['objective_hours']:>14.1f}{bound:>12}{gap:>8}"
            f"{row['total_weighted_delay_hours']:>11.1f}{row['unplanned_steps']:>7}"
            f"{100 * row['p1_seen_within_48h']:>7.1f}%{100 * row['p1_seen_within_48_working_hours']:>8.1f}%"
            f"{100 * row['p1_diagnosed_within_7d']:>7.1f}%"
        )
    for row in rows:
        print(
            f"{row['method']} {row['time_limit_seconds'] or ''}: mean delay of fully planned requests by priority (h) "
            f"{row['mean_delay_hours_fully_planned']}, "
            f"fully planned {row['fully_planned_requests']}/{instance['requests']}, booleans {row['model_booleans']}"
        )
    output = {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "arguments": vars(args),
        "instance": instance,
        "results": rows,
        "total_seconds": round(time.perf_counter() - began, 1),
    }
    (BENCH_DIR / "planner-results.json").write_text(json.dumps(output, indent=2, ensure_ascii=False))
    print(f"machine: {json.dumps(output['machine'])}")
    print(f"total {output['total_seconds']} s; results in {BENCH_DIR / 'planner-results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
