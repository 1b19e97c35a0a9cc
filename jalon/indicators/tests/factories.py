"""Pathways with chosen dates, for hand-computed indicator tests.

`cohort_pathway` writes a referral, its pathway and its milestones straight in the database (as the
pathway services would have left them) and refreshes the pathway's facts, so a test states the dates
and checks the figures.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone

from jalon.core.workcalendar import PARIS
from jalon.indicators.facts import pathway_facts_refresh
from jalon.pathways.models import Milestone, MilestoneStatus, Pathway, PathwayTemplateVersion
from jalon.pathways.tests.factories import template_version_build
from jalon.referrals.models import ExamDone, Referral
from jalon.testing.factories import EntryPointFactory, PatientFactory, ProfessionalFactory, UserFactory

CODES = (
    "first_contact",
    "reception",
    "imaging",
    "biopsy",
    "pathology_preliminary",
    "pathology_final",
    "tumour_board",
    "treatment_start",
)


def paris(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


def cohort_template(kind: str = "lung") -> PathwayTemplateVersion:
    return template_version_build([{"code": code} for code in CODES], kind=kind)


_counter = iter(range(1, 10**9))


def cohort_pathway(
    *,
    received_at: datetime,
    version: PathwayTemplateVersion,
    done: dict[str, datetime] | None = None,
    due: dict[str, datetime] | None = None,
    skipped: tuple[str, ...] = (),
    entry_point=None,
    referrer=None,
    patient=None,
    imaging_on: date | None = None,
    status: str = "active",
    outcome: str = "",
    priority: str = "P2",
) -> Pathway:
    """A pathway received at `received_at` whose milestones in `done` were done at those times, with the
    due dates in `due`; every other milestone of `version` pending (or skipped)."""
    done, due = done or {}, due or {}
    entry_point = entry_point or EntryPointFactory()
    referrer = referrer or ProfessionalFactory()
    number = next(_counter)
    referral = Referral.objects.create(
        reference=f"TST-{received_at.year}-{number:06d}",
        entry_point=entry_point,
        channel="web",
        patient=patient or PatientFactory(),
        referrer=referrer,
        suspected_site="lung",
        received_at=received_at,
        answer_deadline=received_at + timedelta(days=2),
        status="accepted" if status == "active" else "closed",
        pathway_kind=version.template.kind,
        priority=priority,
        created_by=UserFactory(),
    )
    if imaging_on:
        ExamDone.objects.create(referral=referral, kind="ct", done_on=imaging_on)
    pathway = Pathway.objects.create(
        referral=referral,
        patient_id=referral.patient_id,
        template_version=version,
        priority=priority,
        status=status,
        outcome=outcome,
        started_at=received_at,
        closed_at=timezone.now() if status == "closed" else None,
    )
    Milestone.objects.bulk_create(
        Milestone(
            pathway=pathway,
            template=template,
            code=template.code,
            label=template.label,
            order=template.order,
            status=MilestoneStatus.DONE
            if template.code in done
            else MilestoneStatus.SKIPPED
            if template.code in skipped
            else MilestoneStatus.PENDING,
            done_at=done.get(template.code),
            due_at=due.get(template.code),
        )
        for template in version.milestones.all()
    )
    pathway_facts_refresh(pathway_id=pathway.pk)
    return pathway
