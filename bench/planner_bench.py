#!/usr/bin/env python
"""Scheduling benchmark (issues 5 and 15): a territory week planned by the CP-SAT batch planner against
first come, first served, in the same run, and re-planned hour by hour.

    python bench/planner_bench.py      # seed 5, the 150- and 180-request weeks, 60 s solves, 5 s re-plans

Not a test, and no database: the week is generated as plain slot facts and planning requests
(`jalon.scheduling.batch` is pure), with a fixed seed. Django is set up only for the imports
(settings with JALON_VAR_DIR=/tmp/jalon-bench/<run>, nothing is read or written in var/).

The week (Monday to Friday): 40 resources at 3 sites (consultation, CT, MRI, PET-CT, endoscopy,
biopsy, anaesthesia consultation), about 2,000 slots, part of them already booked by other activity;
whole sessions reserved for lung or pancreas/digestive pathways and released 48 h before their start,
or urgent (P1 only) and released 24 h before; a few blocked. 150 (or 180) pending requests (P1 25 %,
P2 40 %, P3 35 %) of 2 to 4 steps from the shipped templates, consultation and imaging on the same
day (the diagnostic day), released from the Thursday before to the Wednesday, some with one
unavailable day.

Per week, in the same run: first come, first served planned on Monday 08:00 (the baseline of issue 5),
first come, first served as requests arrive (`plan_greedy_online`), CP-SAT planned once on Monday
08:00 (`--static-limit` seconds, with and without the fairness cost: the proved gap), and CP-SAT
re-planned hour by hour (`plan_rolling`): a request is known from its release, a re-plan runs each hour
in which a request arrived or a reserved or urgent slot was released, with `--replan-limit` seconds,
the fairness cost, the previous plan as warm start, what starts within `--freeze-hours` kept and each
moved booked step costing `--move-cost` weighted hours. Every static plan is checked against the rules
(`assignment_problems`). Prints one markdown table per week, the targets of issue 15 met or not, the
machine and the load average; results also in planner-results.json in the run's own directory
(`--output`). See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import math
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


def percentile(values: list[float], share: float) -> float | None:
    """Nearest rank: the smallest value with at least `share` of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def slot_category(slot) -> str:
    return "reserved" if slot.reserved_for else "urgent" if slot.urgent else "open"


def delays(requests, slots, assignments, horizon_end) -> dict:
    """Per request, hours from its release to the end of its last step; a request not fully planned counts
    as ending with the horizon (the end of the week's last slot), as in the objective."""
    by_id = {slot.id: slot for slot in slots}
    result = {}
    for request in requests:
        chosen = [by_id[slot_id] for _step, slot_id in assignments.get(request.request_id, [])]
        end = max(slot.end for slot in chosen) if chosen and len(chosen) == len(request.steps) else horizon_end
        result[request.request_id] = max((end - request.released_at).total_seconds() / 3600, 0.0)
    return result


def reserved_wanted(requests, slots, assignments, start) -> set:
    """The free reserved slots some patient wanted: the slot starts after the patient's arrival (and after
    `start`), the step of its kind (resource kind, not on an unavailable day, within the request's reach)
    could start then on its own (after the earliest end of the step before it), and the plan gives that
    step a later slot or none. A reserved slot nobody wanted that way is released unused by design: the
    week has more slots than requests. Same-day groups and congestion are ignored, so this counts more
    slots as wanted than a plan could use (it is severe on the planner)."""
    from jalon.scheduling.batch import _earliest_ends, _Eligibility, _prune, _step_fields

    by_id = {slot.id: slot for slot in slots}
    everyone = _Eligibility([slot for slot in slots if not slot.blocked], start + timedelta(days=30))  # all released
    wanted = set()
    reserved = [slot for slot in slots if slot.reserved_for and not slot.blocked and slot.start > start]
    for request in requests:
        options = _prune(request, everyone.options(request))
        earliest_ends = _earliest_ends(request, options)
        planned = [by_id[slot_id] for _step, slot_id in assignments.get(request.request_id, [])]
        for position, (_step_id, kind, _group, _specialty) in enumerate(map(_step_fields, request.steps)):
            if position and earliest_ends[position - 1] is None:
                break
            not_before = max(request.released_at, start, earliest_ends[position - 1] if position else start)
            planned_start = planned[position].start if position < len(planned) else None
            for slot in reserved:
                if (
                    slot.resource_kind == kind
                    and slot.start >= not_before
                    and (planned_start is None or slot.start < planned_start)
                    and slot.start.astimezone(PARIS_TZ()).date() not in request.unavailable_days
                ):
                    wanted.add(slot.id)
    return wanted


def PARIS_TZ():  # noqa: N802 (imported late, after Django is set up)
    from jalon.core.workcalendar import PARIS

    return PARIS


def figures(name, requests, slots, assignments, now, *, extra=None) -> dict:
    from jalon.scheduling.batch import DEFAULT_FAIRNESS, _default_penalty_minutes, evaluate
    from jalon.scheduling.planner import _Minutes

    free = [slot for slot in slots if not slot.booked]
    horizon_end = max(slot.end for slot in free)
    hours = delays(requests, free, assignments, horizon_end)
    row = {"method": name}
    for priority, _weight in PRIORITIES:
        values = [hours[r.request_id] for r in requests if r.priority == priority]
        row[f"{priority}_mean"] = sum(values) / len(values)
        row[f"{priority}_p90"] = percentile(values, 0.9)
    row["all_mean"] = sum(hours.values()) / len(hours)
    row["all_p90"] = percentile(list(hours.values()), 0.9)
    row["unplanned_steps"] = sum(len(r.steps) - len(assignments.get(r.request_id, [])) for r in requests)
    used = {slot_id for pairs in assignments.values() for _step, slot_id in pairs}
    for category in ("reserved", "urgent", "open"):
        pool = [s for s in free if slot_category(s) == category and not s.blocked and s.start > now]
        row[f"{category}_free"] = len(pool)
        row[f"{category}_used"] = sum(1 for s in pool if s.id in used)
    wanted = reserved_wanted(requests, free, assignments, now)
    reserved_used = {s.id for s in free if s.reserved_for and s.id in used}
    row["reserved_wanted"] = len(wanted | reserved_used)
    penalty = _default_penalty_minutes(requests, free, _Minutes(now))
    row["objective_issue5"] = (
        evaluate(requests=requests, slots=free, assignments=assignments, now=now, penalty_minutes=penalty)[0] / 60
    )
    row["objective_fair"] = (
        evaluate(
            requests=requests,
            slots=free,
            assignments=assignments,
            now=now,
            penalty_minutes=penalty,
            fairness=DEFAULT_FAIRNESS,
        )[0]
        / 60
    )
    row.update(extra or {})
    return row


def run_week(args, requests_count: int) -> dict:
    from jalon.scheduling.batch import (
        DEFAULT_FAIRNESS,
        DelayTargets,
        assignment_problems,
        plan_batch,
        plan_greedy,
        plan_greedy_online,
        plan_rolling,
        relaxation_bound,
    )

    began = time.perf_counter()
    now, resources, slots, requests = generate_week(
        args.seed, requests_count=requests_count, reserved_share=args.reserved_share, urgent_share=args.urgent_share
    )
    free = [slot for slot in slots if not slot.booked]
    instance = {
        "seed": args.seed,
        "now": now.isoformat(),
        "resources": len(resources),
        "slots": len(slots),
        "free_slots": len(free),
        "requests": len(requests),
        "requests_by_priority": {p: sum(1 for r in requests if r.priority == p) for p, _w in PRIORITIES},
        "steps": sum(len(r.steps) for r in requests),
    }
    print(f"instance: {json.dumps(instance, ensure_ascii=False)}", flush=True)
    from jalon.scheduling.batch import _earliest_ends, _Eligibility, _prune

    everyone = _Eligibility(free, now)

    def earliest_delay(request) -> float:
        """Hours from release to the earliest end of the request's last step, planned alone (Monday's rules)."""
        ends = _earliest_ends(request, _prune(request, everyone.options(request)))
        return math.inf if not ends or ends[-1] is None else (ends[-1] - request.released_at).total_seconds() / 3600

    rows = []

    def check(name, assignments, at):
        problems = assignment_problems(requests=requests, slots=slots, assignments=assignments, now=at)
        if problems:
            raise SystemExit(f"INVALID {name}: {problems[:5]}")

    # 1. the baseline: first come, first served, planned on Monday 08:00 (issue 5)
    fcfs = plan_greedy(requests=requests, slots=slots, now=now)
    check("fcfs", fcfs.assignments, now)
    rows.append(figures("FCFS, planned Monday 08:00 (baseline)", requests, slots, fcfs.assignments, now))
    baseline = rows[-1]
    instance["cannot_meet_fcfs_p90"] = sum(1 for request in requests if earliest_delay(request) > baseline["all_p90"])
    instance["allowance_over_fcfs_p90"] = DelayTargets.allowance(len(requests), 0.9)
    print(
        f"requests that cannot end within FCFS's p90 ({baseline['all_p90']} h) whatever the plan: "
        f"{instance['cannot_meet_fcfs_p90']} (a p90 within it allows {instance['allowance_over_fcfs_p90']})",
        flush=True,
    )

    def week_targets(known):
        """Issue 15's targets against the baseline, for the requests known: their p90 at most FCFS's, their P1
        mean at most half FCFS's (the bench knows the baseline of the whole week; see docs/benchmarks.md)."""
        return DelayTargets.for_percentile(
            known, percentile_hours=baseline["all_p90"], mean_hours={"P1": 0.5 * baseline["P1_mean"]}
        )

    # 2. first come, first served as requests arrive (each booked on arrival on what is usable then)
    end = max(slot.end for slot in free)
    online = plan_greedy_online(requests=requests, slots=slots, start=now)
    rows.append(figures("FCFS on arrival (hour by hour)", requests, slots, online, now))
    # 3. the static batch at Monday 08:00, one solve, for the proved gap
    for fairness, goal, label in (
        (
            (None, None, "issue 5 objective"),
            (DEFAULT_FAIRNESS, None, "with fairness"),
            (DEFAULT_FAIRNESS, week_targets(requests), "with fairness and the targets"),
        )
        if args.static_limit
        else ()
    ):
        result = plan_batch(
            requests=requests,
            slots=slots,
            now=now,
            time_limit_seconds=args.static_limit,
            workers=args.workers,
            fairness=fairness,
            targets=goal,
        )
        check(label, result.assignments, now)
        extra = {}
        if fairness is not None and goal is None:
            # the bound of the linear relaxation with cuts, after the search: beside it (`relaxation=True`) it
            # took one of the two cores for half the minute and the plan was 9 % worse (docs/benchmarks.md)
            lp_began = time.perf_counter()
            lp_bound = relaxation_bound(
                requests=requests, slots=slots, now=now, fairness=fairness, time_limit_seconds=300
            )
            extra = {
                "lp_bound_alone": lp_bound,
                "lp_seconds_alone": round(time.perf_counter() - lp_began, 1),
                "lp_gap_alone": None if lp_bound is None else max(0.0, result.objective - lp_bound) / result.objective,
            }
        rows.append(
            figures(
                f"CP-SAT planned Monday 08:00, {label}, {args.static_limit:g} s",
                requests,
                slots,
                result.assignments,
                now,
                extra={
                    "gap": result.gap,
                    "bound": result.best_bound,
                    "objective": result.objective,
                    "status": result.status,
                    "seconds": round(result.wall_seconds, 1),
                    "target_cost": result.details["target_cost"],
                    "target_stage": result.details["target_stage"],
                    "relaxation_bound": result.details["relaxation_bound"],
                    "cp_sat_bound": result.details["cp_sat_bound"],
                    **extra,
                },
            )
        )
        print(
            f"  {rows[-1]['method']}: {result.status}, gap {result.gap}, objective {result.objective:.1f}, "
            f"CP-SAT bound {result.details['cp_sat_bound']}, relaxation bound {result.details['relaxation_bound']}, "
            f"{extra}",
            flush=True,
        )

    # 4. rolling: re-planned every hour when a request arrived or a reserved/urgent slot was released
    replans = []

    def replan(*, requests, slots, now, hint, targets=None, settled=(0, {})):
        replans.append(now)  # the first plan, on Monday 08:00, is the week's batch: it may take longer
        return plan_batch(
            requests=requests,
            slots=slots,
            now=now,
            time_limit_seconds=args.replan_limit if len(replans) > 1 else args.first_plan_limit,
            workers=args.workers,
            fairness=DEFAULT_FAIRNESS,
            hint=hint,
            keep=hint,
            move_cost_minutes=round(60 * args.move_cost),
            targets=targets,
            settled=settled,
        )

    rolling = plan_rolling(
        requests=requests,
        slots=slots,
        start=now,
        end=end,
        plan=replan,
        freeze=timedelta(hours=args.freeze_hours),
        targets=week_targets if args.rolling_targets else None,
    )
    gaps = sorted(r["gap"] for r in rolling.replans if r["gap"] is not None)
    rows.append(
        figures(
            f"CP-SAT re-planned hour by hour, with fairness{' and the targets' if args.rolling_targets else ''}, "
            f"{args.replan_limit:g} s each",
            requests,
            slots,
            rolling.assignments,
            now,
            extra={
                "moved": rolling.moved,
                "replans": len(rolling.replans),
                "replan_gap_median": percentile(gaps, 0.5),
                "replan_gap_max": gaps[-1] if gaps else None,
                "seconds": round(rolling.wall_seconds, 1),
            },
        )
    )
    return {"instance": instance, "rows": rows, "seconds": round(time.perf_counter() - began, 1)}


def fmt(value, digits=1, suffix="") -> str:
    return "–" if value is None else f"{value:,.{digits}f}{suffix}"


def markdown(week: dict) -> str:
    lines = [
        (
            "| method | P1 mean | P1 p90 | P2 mean | P2 p90 | P3 mean | P3 p90 | all mean | all p90 | unplanned steps "
            "| reserved used (of wanted) | reserved used / free | urgent used / free | open used / free | moved "
            "| gap | time (s) |"
        ),
        "| --- " * 17 + "|",
    ]
    for row in week["rows"]:
        share = row["reserved_used"] / row["reserved_wanted"] if row["reserved_wanted"] else None
        share_text = fmt(None if share is None else 100 * share, 0, " %")
        gap = row.get("gap")
        if "replan_gap_median" in row:
            gap_text = (
                f"{row['replans']} re-plans: median {fmt(100 * row['replan_gap_median'], 1, ' %')}, "
                f"max {fmt(100 * row['replan_gap_max'], 1, ' %')}"
                if row["replan_gap_median"] is not None
                else "–"
            )
        else:
            gap_text = fmt(None if gap is None else 100 * gap, 2, " %")
        lines.append(
            f"| {row['method']} | "
            + " | ".join(fmt(row[f"{p}_{m}"]) for p, _w in PRIORITIES for m in ("mean", "p90"))
            + f" | {fmt(row['all_mean'])} | {fmt(row['all_p90'])} | {row['unplanned_steps']} | "
            f"{row['reserved_used']} / {row['reserved_wanted']} = {share_text} | "
            + " | ".join(
                f"{row[f'{c}_used']} / {row[f'{c}_free']} = {100 * row[f'{c}_used'] / max(row[f'{c}_free'], 1):.0f} %"
                for c in ("reserved", "urgent", "open")
            )
            + f" | {row.get('moved', '–')} | {gap_text} | {fmt(row.get('seconds'))} |"
        )
    return "\n".join(lines)


def targets(week: dict) -> str:
    fcfs, rolling = week["rows"][0], week["rows"][-1]
    static = next((row for row in week["rows"] if "with fairness" in row["method"] and "gap" in row), None)
    share = rolling["reserved_used"] / max(rolling["reserved_wanted"], 1)
    checks = [
        ("P1 mean ≤ FCFS × 0.5", rolling["P1_mean"], 0.5 * fcfs["P1_mean"]),
        ("all p90 ≤ FCFS", rolling["all_p90"], fcfs["all_p90"]),
        ("P3 p90 ≤ FCFS × 1.2", rolling["P3_p90"], 1.2 * fcfs["P3_p90"]),
    ]
    parts = [
        f"{name}: {value:.1f} h vs {limit:.1f} h {'✓' if value <= limit else '✗'}" for name, value, limit in checks
    ]
    parts.append(f"reserved used ≥ 80 % of wanted: {100 * share:.0f} % {'✓' if share >= 0.8 else '✗'}")
    if static is not None and static.get("gap") is not None:
        ok = "✓" if static["gap"] <= 0.02 else "✗"
        parts.append(
            f"gap ≤ 2 % at {static['seconds']} s (planned Monday 08:00, with fairness): "
            f"{100 * static['gap']:.2f} % {ok}"
        )
        if static.get("lp_gap_alone") is not None:
            parts.append(
                f"(its linear relaxation with cuts alone, {static['lp_seconds_alone']} s more on one thread: "
                f"bound {static['lp_bound_alone']:,.1f}, gap {100 * static['lp_gap_alone']:.2f} %)"
            )
    aimed = next((row for row in week["rows"] if "and the targets, " in row["method"] and "gap" in row), None)
    if aimed is not None:
        parts.append(
            f"planned Monday 08:00 with the targets: P1 mean {aimed['P1_mean']:.1f} h, "
            f"all p90 {aimed['all_p90']:.1f} h, "
            f"P3 p90 {aimed['P3_p90']:.1f} h, gap {100 * aimed['gap']:.2f} % of its objective (targets' cost included)"
        )
    return "; ".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--requests", type=int, nargs="+", default=[150, 180])
    parser.add_argument(
        "--reserved-share", type=float, default=0.15, help="share of sessions reserved for lung or pancreas/digestive"
    )
    parser.add_argument(
        "--urgent-share", type=float, default=0.10, help="share of imaging/endoscopy/biopsy sessions urgent (P1)"
    )
    parser.add_argument("--static-limit", type=float, default=60.0, help="seconds for the one solve on Monday 08:00")
    parser.add_argument("--replan-limit", type=float, default=5.0, help="seconds for each hourly re-plan")
    parser.add_argument(
        "--first-plan-limit", type=float, default=60.0, help="seconds for the first plan of the rolling week (Monday)"
    )
    parser.add_argument("--freeze-hours", type=float, default=2.0, help="booked steps this close stay put")
    parser.add_argument("--move-cost", type=float, default=50.0, help="weighted hours a moved booked step costs")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--no-rolling-targets",
        dest="rolling_targets",
        action="store_false",
        help="re-plan without the p90 and P1-mean targets (fairness cost only)",
    )
    parser.add_argument("--output", type=Path, default=None, help="JSON results (default: in this run's directory)")
    args = parser.parse_args()

    configure_django()
    began = time.perf_counter()
    load_before = os.getloadavg()
    commit = os.popen(f"git -C {ROOT} rev-parse --short HEAD").read().strip()
    weeks = {}
    for count in args.requests:
        weeks[count] = run_week(args, count)
    output = {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "load_average_before": load_before,
        "commit": commit,
        "arguments": {key: str(value) for key, value in vars(args).items()},
        "weeks": weeks,
        "total_seconds": round(time.perf_counter() - began, 1),
    }
    for count, week in weeks.items():
        print(f"\n#### {count} requests ({week['instance']['steps']} steps), {week['seconds']} s\n")
        print(markdown(week))
        print(f"\nTargets (re-planned hour by hour against the FCFS baseline): {targets(week)}")
    m = output["machine"]
    print(
        f"\nmachine: nproc {m['nproc']}, {m['cpu']}, Python {m['python']}, OR-Tools {m['ortools']}; "
        f"load average before {tuple(round(x, 2) for x in load_before)}, after "
        f"{tuple(round(x, 2) for x in m['load_average'])}; {output['date']}; code {output['commit']}; "
        f"total {output['total_seconds']} s"
    )
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = args.output or BENCH_DIR / "planner-results.json"
    path.write_text(json.dumps(output, indent=2, ensure_ascii=False, default=str))
    print(f"results in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
