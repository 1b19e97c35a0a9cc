"""The demo's schedules serve every pathway template: for each kind, a referral of the demo accepted into it gets a
diagnostic day from the planner, its reception on a consultation of the specialty the template's step names, every
step of the day at one site; and the demo's next step after the day (the biopsy) finds a slot too."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from jalon.accounts.models import Role, User
from jalon.core.actor import Actor
from jalon.core.vocabulary import PathwayKind, Priority
from jalon.pathways.models import Pathway
from jalon.referrals.models import Referral, Status
from jalon.scheduling.eligibility import resource_site_key, resource_specialty
from jalon.scheduling.models import Resource
from jalon.scheduling.planner import bookable_milestones, propose_plans
from jalon.triage.services import referral_accept_into_pathway

pytestmark = pytest.mark.django_db


def test_the_planner_finds_a_diagnostic_day_in_the_demo_for_every_template_kind():
    call_command("load_demo", "--if-empty", "--only-territory-communes", stdout=StringIO())
    coordinator = User.objects.get(role=Role.COORDINATOR, username="coordination")
    actor = Actor(user=coordinator, ip_address="127.0.0.1")
    received = list(
        Referral.objects.filter(
            status=Status.RECEIVED, outside_territory=False, entry_point__slug="cpts-strasbourg-nord"
        ).order_by("received_at", "pk")
    )
    assert len(received) >= len(PathwayKind.values)
    resources = Resource.objects.select_related("service", "organization").in_bulk()
    for kind, referral in zip(PathwayKind.values, received, strict=False):
        referral_accept_into_pathway(
            actor=actor,
            referral=referral,
            pathway_kind=kind,
            priority=Priority.P2,
            override_reason="Essai du planificateur pour chaque parcours de la démonstration",
            complement_message="Merci de compléter la demande.",
        )
        pathway = Pathway.objects.select_related("template_version__template", "referral__entry_point").get(
            referral=referral
        )
        steps = bookable_milestones(pathway)
        day = [step for step in steps if step.template.same_day_group == "diagnostic_day"]
        assert day, kind
        plans = propose_plans(pathway=pathway, milestones=day, alternatives=1)
        assert plans, f"aucune journée de diagnostic proposée pour le parcours {kind}"
        booked = {booking.milestone_id: resources[booking.resource_id] for booking in plans[0].bookings}
        for step in day:
            if step.template.specialty:
                assert resource_specialty(booked[step.pk]) == step.template.specialty, (kind, step.code)
        assert len({resource_site_key(resource) for resource in booked.values()}) == 1, kind
        biopsy = [step for step in steps if step.code == "biopsy"]
        assert propose_plans(pathway=pathway, milestones=biopsy, alternatives=1), f"pas de biopsie pour {kind}"
