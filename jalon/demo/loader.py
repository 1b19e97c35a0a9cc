"""Load the demo of `make run` in one transaction: the directory, one login per role, fifty referrals in
every status, the schedules, threads, mails and tele-expertise; then, apart, the synthetic region that
feeds the indicators' dashboard.

Deterministic (fixed seeds); dates are relative to now.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from jalon.demo.boards import create_demo_boards
from jalon.demo.context import SEED, DemoContext
from jalon.demo.diagnostics import create_demo_diagnostics
from jalon.demo.directory import communes_ensure, directory_create
from jalon.demo.logins import demo_users_create, hospital_manager_create
from jalon.demo.mailin import create_demo_mails
from jalon.demo.portal import create_demo_threads
from jalon.demo.referrals import ReferralStory
from jalon.demo.scheduling import create_demo_schedules
from jalon.demo.synthetic_region import RegionalPopulation
from jalon.demo.teleexpertise import create_demo_teleexpertise
from jalon.pathways.alerts import alerts_scan

# The synthetic region behind the indicators' dashboard: enough pathways for monthly medians per site.
SYNTHETIC_PATHWAYS, SYNTHETIC_YEARS, SYNTHETIC_SITES = 3000, 3, 3


def demo_load(*, only_territory_communes: bool, stdout) -> DemoContext:
    """Write the whole demo through the real services; returns its context (its `now` dates the synthetic region)."""
    context = DemoContext(now=timezone.now())
    with transaction.atomic():
        communes_ensure(only_needed=only_territory_communes, stdout=stdout)
        directory = directory_create(context)
        users = demo_users_create(directory.professionals)
        ReferralStory(context, directory, users).play()
        hospital, clinic = directory.organizations["hospital"], directory.organizations["clinic"]
        create_demo_schedules(hospital=hospital, clinic=clinic, now=context.now)
        create_demo_threads()
        create_demo_mails(directory.entry_points["cpts"], now=context.now)
        create_demo_teleexpertise(
            hospital=hospital,
            entry_point=directory.entry_points["hospital"],
            gp=users["medecin"],
            specialist=users["specialiste"],
            now=context.now,
        )
        create_demo_diagnostics(
            coordinators={
                directory.organizations[key].pk: users[login]
                for key, login in (("cpts", "coordination"), ("hospital", "coordination.hopital"))
            },
            pathologist=users["anapath"],
            hospital=hospital,
            now=context.now,
        )
        # after the specimens: the board's cases take pathways whose diagnosis is complete
        create_demo_boards(hospital=hospital, professionals=directory.professionals, users=users, now=context.now)
        hospital_manager_create(hospital)  # last: nothing drawn at random after it
        alerts_scan()  # the worklist opens with the alerts of today
    return context


def synthetic_region_create(*, pathways: int, now) -> tuple[dict[str, int], float]:
    """Years of pathways for the indicators' charts, at separate synthetic sites that no demo login
    coordinates (so no worklist shows them); run after the alerts scan, which only sees the demo's own.
    Written with bulk inserts, not the services (jalon/demo/synthetic_region.py). Returns the counts and
    the seconds it took."""
    population = RegionalPopulation(
        pathways=pathways, years=SYNTHETIC_YEARS, sites=SYNTHETIC_SITES, seed=SEED, now=now, log=lambda line: None
    )
    counts = population.run()
    return counts, population.timings["total"]
