"""Demo exams and pathology for `load_demo` (issue 16): the hospital's pathologist (`anapath` login) receives
specimens of the demo's pathways in every state — waiting in time, preliminary result late, preliminary result
given, non-contributive with its re-biopsy task open for the coordination — and one exam is scheduled.

Through the real services, each step played at its own moment (time-machine), so the expected dates and the late
alert tell a consistent story. Deterministic: the pathways are taken in reference order.
"""

from __future__ import annotations

from datetime import timedelta

import time_machine

from jalon.core.actor import Actor
from jalon.diagnostics.models import ExamStatus
from jalon.diagnostics.prescription import prescription_fields
from jalon.diagnostics.services import (
    exam_request_create,
    exam_request_update,
    pathology_request_create,
    pathology_result_record,
    pathology_scan_late,
)
from jalon.pathways.models import MilestoneStatus, Pathway, PathwayStatus

# (days ago the specimen was sent, what happened since); "late": no result past J+4 working days.
STORIES = (
    (1, "waiting"),
    (8, "late"),
    (5, "preliminary"),
    (4, "non_contributive"),
)


def _prescription(kind: str) -> dict:
    """A complete prescription: the first choice of each field, the first complementary test, a summary."""
    values = {}
    for field in prescription_fields(kind):
        if field.type == "multiple":
            values[field.code] = [field.choices[0][0]] if field.choices else []
        elif field.type == "choice":
            values[field.code] = field.choices[0][0]
        else:
            values[field.code] = "Lésion suspecte à l'imagerie ; biopsie réalisée (données de démonstration)."
    return values


def _candidates(days: int):
    """Open pathways with a biopsy still to be recorded and their reception done before the specimen's day."""
    return (
        Pathway.objects.filter(
            status=PathwayStatus.ACTIVE,
            outcome="",
            milestones__code="biopsy",
            milestones__status=MilestoneStatus.PENDING,
        )
        .filter(milestones__code="reception", milestones__status=MilestoneStatus.DONE)
        .select_related("referral__entry_point__organization", "template_version__template")
        .order_by("referral__reference")
    )


def create_demo_diagnostics(*, coordinators: dict, pathologist, hospital, now) -> int:
    """The specimens of STORIES (one pathway each) and one scheduled CT; returns how many requests were sent."""
    sent = 0
    used: set[int] = set()
    for days, story in STORIES:
        moment = now - timedelta(days=days)
        pathway = next(
            (p for p in _candidates(days) if p.pk not in used and p.milestones.get(code="reception").done_at < moment),
            None,
        )
        if pathway is None:
            continue
        used.add(pathway.pk)
        coordinator = coordinators[pathway.referral.entry_point.organization_id]
        with time_machine.travel(moment, tick=False):
            request = pathology_request_create(
                actor=Actor(user=coordinator),
                pathway=pathway,
                milestone=pathway.milestones.get(code="biopsy"),
                pathologist=pathologist.professional,
                specimen="Biopsie de la lésion cible",
                specimen_taken_at=moment - timedelta(hours=2),
                prescription=_prescription(pathway.template_version.template.kind),
            )
        sent += 1
        if story in ("preliminary", "non_contributive"):
            with time_machine.travel(moment + timedelta(days=2), tick=False):
                pathology_result_record(
                    actor=Actor(user=pathologist),
                    request=request,
                    stage="preliminary",
                    recorded_at=moment + timedelta(days=2),
                    contributive=story == "preliminary",
                    text="Carcinome, typage en cours."
                    if story == "preliminary"
                    else "Matériel insuffisant (nécrose) : prélèvement non contributif.",
                )
        if story == "waiting" and hospital is not None:
            exam = exam_request_create(
                actor=Actor(user=coordinator), pathway=pathway, kind="pet_ct", site=hospital, urgency="urgent"
            )
            exam_request_update(
                actor=Actor(user=coordinator), exam=exam, status=ExamStatus.SCHEDULED, at=now + timedelta(days=2)
            )
    pathology_scan_late(now=now)
    return sent
