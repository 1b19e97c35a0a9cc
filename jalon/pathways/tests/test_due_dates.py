"""Due dates of pathway milestones: working time across weekends and holidays (by department),
recomputation downstream when a milestone is recorded or corrected, the outcome branch, and the
refusals of milestone_record and milestone_skip. The clock is moved, never slept."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from jalon.core.actor import Actor
from jalon.events.models import Event
from jalon.messaging.models import OutboxMessage
from jalon.pathways.errors import PathwayError, PathwayErrorCode
from jalon.pathways.models import Milestone, MilestoneStatus, PathwayStatus
from jalon.pathways.services import milestone_record, milestone_skip, pathway_record_outcome
from jalon.pathways.tests.factories import entry_point_in, pathway_build, template_version_build

PARIS = ZoneInfo("Europe/Paris")


def at(*args) -> datetime:
    """An aware Europe/Paris datetime."""
    return datetime(*args, tzinfo=PARIS)


def due(pathway, code: str) -> datetime | None:
    return pathway.milestones.get(code=code).due_at


def dues(pathway, *codes: str) -> dict[str, datetime | None]:
    return {code: due(pathway, code) for code in codes}


def record(pathway, code: str, done_at: datetime, user) -> Milestone:
    return milestone_record(actor=Actor(user=user), milestone=pathway.milestones.get(code=code), done_at=done_at)


@pytest.fixture
def working_days_template(db):
    """A template of our own counted in working days only: reception 1 working day after the start,
    biopsy 1 working day after the reception."""
    return template_version_build(
        [
            {"code": "reception", "target_amount": 1, "target_unit": "working_days"},
            {"code": "biopsy", "reference_code": "reception", "target_amount": 1, "target_unit": "working_days"},
        ]
    )


@pytest.fixture
def paris_entry_point(paris):
    """An entry point whose organisation is in Paris (department 75: no Good Friday holiday)."""
    return entry_point_in(paris, slug="paris-diag")


# Working time across weekends and holidays.


def test_it_gives_a_friday_afternoon_pathway_its_reception_on_tuesday_same_time(submit, coordinator, time_machine):
    """Started on Friday 15:00, the shipped lung template's 48 working-hour reception is due on Tuesday 15:00,
    the first contact (24 working hours) on Monday 15:00, the next-day biopsy on Wednesday 15:00; imaging,
    12 hours after the reception (3:00 at night), at the next opening (8:00)."""
    time_machine.move_to(at(2026, 11, 20, 15, 0), tick=False)
    pathway = pathway_build(submit, user=coordinator)
    assert pathway.template_version.version == 3  # templates_v3 (issue 16): the diagnosis steps are those of v2
    assert dues(pathway, "first_contact", "reception", "imaging", "biopsy") == {
        "first_contact": at(2026, 11, 23, 15, 0),
        "reception": at(2026, 11, 24, 15, 0),
        "imaging": at(2026, 11, 25, 8, 0),
        "biopsy": at(2026, 11, 25, 15, 0),
    }


def test_it_skips_easter_monday(submit, coordinator, paris_entry_point, working_days_template, time_machine):
    """Started on Friday 3 April 2026 in Paris, one working day later is Tuesday 7 April, not Easter Monday."""
    time_machine.move_to(at(2026, 4, 3, 14, 0), tick=False)
    pathway = pathway_build(submit, user=coordinator, entry_point=paris_entry_point)
    assert dues(pathway, "reception", "biopsy") == {"reception": at(2026, 4, 7, 14, 0), "biopsy": at(2026, 4, 8, 14, 0)}


def test_it_skips_ascension_thursday(submit, coordinator, working_days_template, time_machine):
    """Started on Wednesday 13 May 2026, one working day later is Friday 15 May, then Monday 18 May."""
    time_machine.move_to(at(2026, 5, 13, 14, 0), tick=False)
    pathway = pathway_build(submit, user=coordinator)
    assert dues(pathway, "reception", "biopsy") == {
        "reception": at(2026, 5, 15, 14, 0),
        "biopsy": at(2026, 5, 18, 14, 0),
    }


def test_it_counts_working_hours_across_ascension(submit, coordinator, time_machine):
    """The shipped 48 working-hour reception, from Wednesday 13 May 2026 10:00, is due on Monday 18 May 10:00."""
    time_machine.move_to(at(2026, 5, 13, 10, 0), tick=False)
    pathway = pathway_build(submit, user=coordinator)
    assert due(pathway, "reception") == at(2026, 5, 18, 10, 0)


@pytest.mark.parametrize(
    ("department", "reception", "biopsy"),
    [
        ("67", at(2026, 4, 7, 14, 0), at(2026, 4, 8, 14, 0)),  # Good Friday and Easter Monday skipped
        ("75", at(2026, 4, 3, 14, 0), at(2026, 4, 7, 14, 0)),  # Good Friday worked, Easter Monday skipped
    ],
)
def test_it_skips_good_friday_in_alsace_only(
    submit, coordinator, paris_entry_point, working_days_template, time_machine, department, reception, biopsy
):
    """From Thursday 2 April 2026, the next working day is Tuesday 7 April in Bas-Rhin (67) but Friday 3 April
    in Paris (75): the department comes from the entry point's organisation commune."""
    time_machine.move_to(at(2026, 4, 2, 14, 0), tick=False)
    overrides = {"entry_point": paris_entry_point} if department == "75" else {}
    pathway = pathway_build(submit, user=coordinator, **overrides)
    assert pathway.department == department
    assert dues(pathway, "reception", "biopsy") == {"reception": reception, "biopsy": biopsy}


@pytest.mark.parametrize(("department", "expected"), [("67", at(2026, 4, 10, 9, 0)), ("75", at(2026, 4, 9, 9, 0))])
def test_it_counts_the_preliminary_pathology_result_in_working_days(
    submit, coordinator, paris_entry_point, time_machine, department, expected
):
    """The shipped J+4 intermediate pathology result after a biopsy on Thursday 2 April 2026 skips the
    weekend and Easter Monday, and Good Friday too in Bas-Rhin."""
    time_machine.move_to(at(2026, 3, 31, 9, 0), tick=False)
    pathway = pathway_build(
        submit, user=coordinator, **({"entry_point": paris_entry_point} if department == "75" else {})
    )
    time_machine.move_to(at(2026, 4, 2, 12, 0), tick=False)
    record(pathway, "first_contact", at(2026, 3, 31, 10, 0), coordinator)
    record(pathway, "reception", at(2026, 4, 1, 9, 0), coordinator)
    record(pathway, "biopsy", at(2026, 4, 2, 9, 0), coordinator)
    assert due(pathway, "pathology_preliminary") == expected


# Recomputation downstream.


@pytest.fixture
def monday_pathway(submit, coordinator, time_machine):
    """A lung pathway (shipped template) started on Monday 16 November 2026 at 9:00 in Strasbourg."""
    time_machine.move_to(at(2026, 11, 16, 9, 0), tick=False)
    return pathway_build(submit, user=coordinator)


DOWNSTREAM = ("imaging", "pet_ct", "biopsy", "pathology_preliminary", "pathology_final")


def test_it_recomputes_downstream_from_a_late_reception_and_again_on_correction(
    monday_pathway, coordinator, time_machine
):
    """Reception recorded a day late moves imaging, PET-CT, biopsy and the pathology results; recording it
    again (a correction) recomputes them from the corrected time and is kept as a correction event."""
    pathway = monday_pathway
    assert dues(pathway, *DOWNSTREAM) == {
        "imaging": at(2026, 11, 19, 8, 0),
        "pet_ct": at(2026, 11, 23, 9, 0),
        "biopsy": at(2026, 11, 19, 9, 0),
        "pathology_preliminary": at(2026, 11, 25, 9, 0),
        "pathology_final": at(2026, 11, 25, 9, 0),
    }
    time_machine.move_to(at(2026, 11, 19, 11, 0), tick=False)
    record(pathway, "first_contact", at(2026, 11, 16, 14, 0), coordinator)
    record(pathway, "reception", at(2026, 11, 19, 9, 0), coordinator)
    assert dues(pathway, *DOWNSTREAM) == {
        "imaging": at(2026, 11, 20, 8, 0),
        "pet_ct": at(2026, 11, 24, 9, 0),
        "biopsy": at(2026, 11, 20, 9, 0),
        "pathology_preliminary": at(2026, 11, 26, 9, 0),
        "pathology_final": at(2026, 11, 26, 9, 0),
    }

    record(pathway, "reception", at(2026, 11, 18, 16, 0), coordinator)
    assert dues(pathway, *DOWNSTREAM) == {
        "imaging": at(2026, 11, 19, 8, 0),
        "pet_ct": at(2026, 11, 23, 16, 0),
        "biopsy": at(2026, 11, 19, 16, 0),
        "pathology_preliminary": at(2026, 11, 25, 16, 0),
        "pathology_final": at(2026, 11, 25, 16, 0),
    }
    assert pathway.milestones.get(code="reception").done_at == at(2026, 11, 18, 16, 0)
    assert list(
        Event.objects.filter(patient_id=pathway.patient_id, kind__startswith="milestone.")
        .values_list("kind", flat=True)
        .order_by("id")
    ) == [
        "milestone.recorded",
        "milestone.recorded",
        "milestone.corrected",
    ]


def test_it_recomputes_downstream_from_an_early_reception(monday_pathway, coordinator, time_machine):
    """Reception done on the day of the start, earlier than its Wednesday due date, brings the next steps forward."""
    pathway = monday_pathway
    time_machine.move_to(at(2026, 11, 16, 16, 0), tick=False)
    record(pathway, "first_contact", at(2026, 11, 16, 10, 0), coordinator)
    record(pathway, "reception", at(2026, 11, 16, 15, 0), coordinator)
    assert dues(pathway, "imaging", "biopsy", "pathology_final") == {
        "imaging": at(2026, 11, 17, 8, 0),
        "biopsy": at(2026, 11, 17, 15, 0),
        "pathology_final": at(2026, 11, 23, 15, 0),
    }
    assert due(pathway, "reception") == at(2026, 11, 18, 9, 0)  # a done milestone keeps the due date it had


def diagnose(pathway, user, time_machine) -> None:
    """Record the diagnosis steps of the Monday pathway, up to the final pathology result on Friday 20 November."""
    time_machine.move_to(at(2026, 11, 20, 13, 0), tick=False)
    record(pathway, "first_contact", at(2026, 11, 16, 10, 0), user)
    record(pathway, "reception", at(2026, 11, 16, 14, 0), user)
    record(pathway, "imaging", at(2026, 11, 16, 17, 0), user)
    record(pathway, "biopsy", at(2026, 11, 17, 10, 0), user)
    record(pathway, "pathology_final", at(2026, 11, 20, 12, 0), user)


def test_it_starts_the_treatment_milestones_from_the_tumour_board_on_a_malignant_outcome(
    monday_pathway, coordinator, time_machine
):
    """A malignant outcome creates the tumour board (7 days after reception), the announcement (7 days after
    the tumour board) and the treatment start (14 days after it); recording the tumour board moves the other two."""
    pathway = monday_pathway
    diagnose(pathway, coordinator, time_machine)
    assert not pathway.milestones.filter(
        code__in=["tumour_board", "announcement", "treatment_start", "return_to_gp"]
    ).exists()

    pathway_record_outcome(actor=Actor(user=coordinator), pathway=pathway, outcome="malignant")
    assert dues(pathway, "tumour_board", "announcement", "treatment_start") == {
        "tumour_board": at(2026, 11, 23, 14, 0),
        "announcement": at(2026, 11, 30, 14, 0),
        "treatment_start": at(2026, 12, 7, 14, 0),
    }
    assert not pathway.milestones.filter(code="return_to_gp").exists()

    time_machine.move_to(at(2026, 11, 23, 12, 0), tick=False)
    record(pathway, "tumour_board", at(2026, 11, 23, 10, 0), coordinator)
    assert dues(pathway, "announcement", "treatment_start") == {
        "announcement": at(2026, 11, 30, 10, 0),
        "treatment_start": at(2026, 12, 7, 10, 0),
    }


def test_it_closes_the_pathway_and_queues_the_closing_report_on_a_not_malignant_outcome(
    monday_pathway, coordinator, gp, time_machine
):
    """Not malignant: the pathway is closed, the closing report is queued for the GP, and the pathway is
    read-only (recording a milestone raises pathway_closed)."""
    pathway = monday_pathway
    diagnose(pathway, coordinator, time_machine)
    pathway_record_outcome(
        actor=Actor(user=coordinator), pathway=pathway, outcome="not_malignant", note="Nodule inflammatoire."
    )

    pathway.refresh_from_db()
    assert (pathway.status, pathway.outcome, pathway.closed_at) == (
        PathwayStatus.CLOSED,
        "not_malignant",
        at(2026, 11, 20, 13, 0),
    )
    report = OutboxMessage.objects.get(kind="pathway.closed", channel="in_app")
    assert (report.recipient_professional_id, report.patient_id) == (gp.professional_id, pathway.patient_id)
    assert "Nodule inflammatoire." in report.body
    notice = OutboxMessage.objects.get(kind="pathway.closed", channel="email")
    assert "Nodule inflammatoire." not in notice.body and pathway.referral.reference in notice.body
    assert pathway.letters.get(kind="closing_report").size > 0
    assert not pathway.milestones.filter(code__in=["tumour_board", "treatment_start"]).exists()
    assert not pathway.milestones.filter(status=MilestoneStatus.PENDING, due_at__isnull=False).exists()

    with pytest.raises(PathwayError) as error:
        record(pathway, "pathology_preliminary", at(2026, 11, 20, 9, 0), coordinator)
    assert error.value.code == PathwayErrorCode.CLOSED == "pathway_closed"
    assert pathway.milestones.get(code="pathology_preliminary").status == MilestoneStatus.PENDING


# Refusals.


def test_it_refuses_a_done_time_in_the_future(monday_pathway, coordinator):
    """A milestone cannot be recorded as done later than now; nothing is saved."""
    with pytest.raises(PathwayError) as error:
        record(monday_pathway, "first_contact", at(2026, 11, 16, 11, 0), coordinator)
    assert (error.value.code, error.value.field) == (PathwayErrorCode.FUTURE_DATE, "done_at")
    milestone = monday_pathway.milestones.get(code="first_contact")
    assert (milestone.status, milestone.done_at) == (MilestoneStatus.PENDING, None)


def test_it_refuses_a_step_whose_dependencies_are_not_done(monday_pathway, coordinator, time_machine):
    """The biopsy depends on the reception: recording it first is refused, naming the missing step."""
    time_machine.move_to(at(2026, 11, 17, 12, 0), tick=False)
    with pytest.raises(PathwayError) as error:
        record(monday_pathway, "biopsy", at(2026, 11, 17, 10, 0), coordinator)
    assert error.value.code == PathwayErrorCode.DEPENDENCY
    assert "Première consultation de pneumologie" in error.value.message
    assert monday_pathway.milestones.get(code="biopsy").status == MilestoneStatus.PENDING


def test_it_refuses_to_skip_a_required_step_but_skips_an_optional_one(monday_pathway, coordinator):
    """The reception is required and cannot be skipped; the PET-CT is optional and is skipped, with a reason only."""
    actor = Actor(user=coordinator)
    with pytest.raises(PathwayError) as error:
        milestone_skip(
            actor=actor, milestone=monday_pathway.milestones.get(code="reception"), reason="Déjà vu en ville"
        )
    assert error.value.code == PathwayErrorCode.REQUIRED
    assert monday_pathway.milestones.get(code="reception").status == MilestoneStatus.PENDING

    with pytest.raises(PathwayError) as error:
        milestone_skip(actor=actor, milestone=monday_pathway.milestones.get(code="pet_ct"), reason="  ")
    assert error.value.code == PathwayErrorCode.REASON_REQUIRED

    milestone_skip(
        actor=actor, milestone=monday_pathway.milestones.get(code="pet_ct"), reason="Non indiqué selon le pneumologue"
    )
    skipped = monday_pathway.milestones.get(code="pet_ct")
    assert (skipped.status, skipped.note) == (MilestoneStatus.SKIPPED, "Non indiqué selon le pneumologue")


def test_it_counts_a_skipped_optional_step_as_satisfying_a_dependency(monday_pathway, coordinator, time_machine):
    """The tumour board depends on the final pathology result, the intermediate one is optional: skipping it
    blocks nothing downstream."""
    pathway = monday_pathway
    milestone_skip(
        actor=Actor(user=coordinator),
        milestone=pathway.milestones.get(code="pathology_preliminary"),
        reason="Résultat définitif rapide",
    )
    diagnose(pathway, coordinator, time_machine)
    pathway_record_outcome(actor=Actor(user=coordinator), pathway=pathway, outcome="malignant")
    time_machine.move_to(at(2026, 11, 23, 12, 0), tick=False)
    record(pathway, "tumour_board", at(2026, 11, 23, 10, 0), coordinator)
    assert pathway.milestones.get(code="tumour_board").status == MilestoneStatus.DONE
