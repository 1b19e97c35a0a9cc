"""The demo's tumour boards: the hospital's oncology board (chaired by the `specialiste` login) with a case in every
state — in preparation, complete, listed, decided last week with its PPS handed and sent, postponed, and one decided
last week whose PPS is not handed yet (the worklist's « dossier incomplet ») — and a
digestive board the `specialiste` does not sit on. Everything through the real services, each step at its moment."""

from __future__ import annotations

from datetime import time, timedelta

import time_machine
from django.utils import timezone

from jalon.accounts.models import User
from jalon.boards.care_plans import care_plan_hand, care_plan_send, care_plan_version_save
from jalon.boards.checklist import items_for
from jalon.boards.models import Board, BoardMember, BoardSpecialty, Sorting
from jalon.boards.services import (
    board_attendance_record,
    board_case_create,
    board_case_list,
    board_case_postpone,
    board_case_prepare,
    board_case_sorting_confirm,
    board_decision_record,
    board_meetings_generate,
)
from jalon.core.actor import Actor
from jalon.directory.models import Organization, Professional
from jalon.pathways.models import MilestoneStatus, Pathway, PathwayStatus
from jalon.pathways.services import milestone_record

# The diagnosis steps, with the work-up steps some kinds' checklists read (checklists_v2: PET-CT, endoscopy...).
DIAGNOSIS = (
    "first_contact",
    "reception",
    "imaging",
    "pet_ct",
    "endoscopy",
    "eus_biopsy",
    "laryngoscopy",
    "neurosurgery",
    "biopsy",
    "pathology_final",
)
ANSWERS = {
    "performance_status": "1",
    "comorbidities": "BPCO, hypertension traitée",
    "patient_wish": "Souhaite un traitement proche de son domicile",
    "respiratory_function": "done",  # the lung checklist's own answer
    "oncogenetics": "not_indicated",  # the breast checklist's own answer
    "referential_standard": "yes",
    "trial_candidate": "no",
}
SOURCE = "Démo Jalon : RCP hebdomadaire (seed 001, fiche 6 : sécuriser la préparation des RCP)"


def _board(name, organization, chair, members, kinds, weekday, start) -> Board:
    board = Board.objects.create(
        name=name,
        organization=organization,
        pathway_kinds=kinds,
        weekday=weekday,
        start_time=start,
        every_weeks=1,
        first_date=timezone.localdate() - timedelta(days=60),
        required_specialties=[
            BoardSpecialty.ORGAN_SPECIALIST,
            BoardSpecialty.MEDICAL_ONCOLOGY,
            BoardSpecialty.RADIATION_ONCOLOGY,
        ]
        if not kinds
        else [BoardSpecialty.ORGAN_SPECIALIST, BoardSpecialty.SURGERY, BoardSpecialty.MEDICAL_ONCOLOGY],
        chair=chair,
        source=SOURCE,
    )
    BoardMember.objects.bulk_create(BoardMember(board=board, professional=p, specialty=s) for p, s in members)
    return board


def _diagnose(pathway: Pathway, user: User, at) -> None:
    for milestone in pathway.milestones.filter(code__in=DIAGNOSIS, status=MilestoneStatus.PENDING).order_by("order"):
        milestone_record(actor=Actor(user=user), milestone=milestone, done_at=at)


def _attend_all(board: Board, meeting, user: User) -> None:
    board_attendance_record(
        actor=Actor(user=user), meeting=meeting, member_ids=list(board.members.values_list("pk", flat=True))
    )


def _decided_care_plan_not_handed(meeting, pathway: Pathway, worker: User, chair: User):
    """A case decided at last week's meeting (standard of care, listed only) whose PPS is not handed yet: the record
    the worklist's « dossier incomplet » filter shows (boards.selectors.incomplete_record_pathways)."""
    with time_machine.travel(meeting.starts_at - timedelta(days=2), tick=False):
        _diagnose(pathway, worker, timezone.now() - timedelta(hours=2))
        case = board_case_create(actor=Actor(user=worker), pathway=pathway, meeting=meeting, answers=ANSWERS)
        board_case_prepare(
            actor=Actor(user=worker), case=case, answers=ANSWERS, question="", proposed_sorting=Sorting.LISTED_ONLY
        )
        board_case_list(actor=Actor(user=worker), case=case)
        board_case_sorting_confirm(actor=Actor(user=chair), case=case, sorting=Sorting.LISTED_ONLY)
    with time_machine.travel(meeting.starts_at + timedelta(hours=2), tick=False):
        board_decision_record(
            actor=Actor(user=chair),
            case=case,
            treatment_kind="chemotherapy",
            proposal="Chimiothérapie néoadjuvante, 4 cycles, puis réévaluation en RCP.",
            trial_eligibility="to_check",
            announcement_plan="Consultation d'annonce avec l'oncologue, puis temps d'accompagnement infirmier.",
        )
    return case


def create_demo_boards(
    *, hospital: Organization, professionals: dict[str, Professional], users: dict[str, User], now
) -> dict[str, object]:
    """The boards, their meetings from three weeks ago to eight weeks ahead, and five cases (one per state)."""
    chair = users["specialiste"]
    # The hospital's general oncology board takes every pathway kind (the demo has few pathways of each).
    thoracic = _board(
        "RCP d'oncologie – Hôpital de Hautepierre",
        hospital,
        professionals["specialiste"],
        [
            (professionals["specialiste"], BoardSpecialty.ORGAN_SPECIALIST),
            (professionals["onco1"], BoardSpecialty.MEDICAL_ONCOLOGY),
            (professionals["radiotherapist"], BoardSpecialty.RADIATION_ONCOLOGY),
            (professionals["anapath"], BoardSpecialty.PATHOLOGY),
            (professionals["radio1"], BoardSpecialty.RADIOLOGY),
        ],
        [],
        weekday=3,
        start=time(14, 0),
    )
    digestive = _board(
        "RCP digestive – Hôpital de Hautepierre",
        hospital,
        professionals["gastro1"],
        [
            (professionals["gastro1"], BoardSpecialty.ORGAN_SPECIALIST),
            (professionals["surgeon"], BoardSpecialty.SURGERY),
            (professionals["onco1"], BoardSpecialty.MEDICAL_ONCOLOGY),
        ],
        ["digestive", "pancreas_biliary", "liver"],
        weekday=1,
        start=time(13, 0),
    )
    start = timezone.localdate(now) - timedelta(days=21)
    for board in (thoracic, digestive):
        board_meetings_generate(board=board, start=start, weeks=11)
    past = list(thoracic.meetings.filter(starts_at__lt=now - timedelta(days=1)).order_by("-starts_at")[:1])
    coming = list(thoracic.meetings.filter(starts_at__gt=now + timedelta(hours=2)).order_by("starts_at")[:3])
    candidates = list(
        Pathway.objects.filter(status=PathwayStatus.ACTIVE, outcome="")
        .exclude(pathology_requests__isnull=False)  # the specimens' stories (demo/diagnostics.py) are theirs
        .select_related("referral__entry_point__organization", "template_version__template")
        .order_by("started_at", "id")
    )
    coordinators = {user.professional_id: user for user in users.values() if user.role == "coordinator"}
    coordinator_of = {}
    for pathway in candidates:
        for user in coordinators.values():
            if pathway.referral.entry_point.organization_id in user.organization_ids():
                coordinator_of[pathway.pk] = user
    # A kind whose checklist reads results only a pathology request holds (breast: RE, RP, HER2) cannot be complete
    # here: those pathways have no request (their specimens' stories are demo/diagnostics.py's).
    candidates = [
        pathway
        for pathway in candidates
        if pathway.pk in coordinator_of
        and not any(item.required_tests for item in items_for(pathway.template_version.template.kind))
    ][:6]
    made = {}
    if (
        len(candidates) < 5
        or not past
        or len(coming) < 3
        or candidates[0].started_at > past[0].starts_at - timedelta(days=3)
    ):
        return made  # a demo plan too small for every state: the boards and meetings alone
    decided = candidates[0]
    # With a sixth pathway, one more decided last week (diagnosed before the meeting), its PPS not handed yet.
    not_handed = None
    if len(candidates) > 5:
        early = [p for p in candidates[1:] if p.started_at <= past[0].starts_at - timedelta(days=3)]
        not_handed = early[0] if early else None
    postponed, listed, ready, draft = [p for p in candidates[1:] if p is not not_handed][:4]
    # Decided at last week's meeting, its PPS edited, handed and sent to the GP.
    meeting = past[0]
    with time_machine.travel(meeting.starts_at - timedelta(days=2), tick=False):
        worker = coordinator_of[decided.pk]
        _diagnose(decided, worker, timezone.now() - timedelta(hours=2))
        case = board_case_create(
            actor=Actor(user=worker), pathway=decided, meeting=meeting, question="Stratégie thérapeutique ?"
        )
        board_case_prepare(
            actor=Actor(user=worker),
            case=case,
            answers=ANSWERS,
            question=case.question,
            proposed_sorting=Sorting.DISCUSSION,
        )
        board_case_list(actor=Actor(user=worker), case=case)
        board_case_sorting_confirm(actor=Actor(user=chair), case=case, sorting=Sorting.DISCUSSION)
    with time_machine.travel(meeting.starts_at + timedelta(hours=1), tick=False):
        _attend_all(thoracic, meeting, chair)
        decision = board_decision_record(
            actor=Actor(user=chair),
            case=case,
            treatment_kind="surgery",
            proposal="Lobectomie supérieure droite avec curage ganglionnaire, après bilan d'opérabilité.",
            options="Radiothérapie stéréotaxique si contre-indication opératoire.",
            trial_eligibility="not_eligible",
            next_steps="Consultation d'anesthésie\nÉpreuves fonctionnelles respiratoires",
            announcement_plan="Consultation d'annonce avec le Dr pneumologue, puis temps d'accompagnement infirmier.",
        )
    with time_machine.travel(meeting.starts_at + timedelta(days=2), tick=False):
        plan = decision.care_plan
        content = {
            **plan.current_version().content,
            "supportive_care": ["Soutien psychologique", "Diététique et nutrition", "Activité physique adaptée"],
        }
        care_plan_version_save(actor=Actor(user=worker), care_plan=plan, content=content)
        care_plan_hand(actor=Actor(user=worker), care_plan=plan, handed_on=timezone.localdate())
        care_plan_send(actor=Actor(user=worker), care_plan=plan)
    made["decided"] = case
    if not_handed is not None:
        made["care_plan_not_handed"] = _decided_care_plan_not_handed(
            meeting, not_handed, coordinator_of[not_handed.pk], chair
        )
    # Postponed from the next meeting to the one after (a PET-CT to redo), listed, chair's sorting awaited.
    worker = coordinator_of[postponed.pk]
    _diagnose(postponed, worker, now - timedelta(hours=3))
    case = board_case_create(actor=Actor(user=worker), pathway=postponed, meeting=coming[0], answers=ANSWERS)
    board_case_list(actor=Actor(user=worker), case=case)
    made["postponed"] = board_case_postpone(
        actor=Actor(user=worker), case=case, reason="TEP-TDM à refaire avant la discussion.", to_meeting=coming[1]
    )
    # Listed on the next meeting, sorted « standard of care, listed only » by the chair.
    worker = coordinator_of[listed.pk]
    _diagnose(listed, worker, now - timedelta(hours=3))
    case = board_case_create(actor=Actor(user=worker), pathway=listed, meeting=coming[0], answers=ANSWERS)
    board_case_prepare(
        actor=Actor(user=worker), case=case, answers=ANSWERS, question="", proposed_sorting=Sorting.LISTED_ONLY
    )
    board_case_list(actor=Actor(user=worker), case=case)
    made["listed"] = board_case_sorting_confirm(actor=Actor(user=chair), case=case, sorting=Sorting.LISTED_ONLY)
    # Complete, not yet listed.
    worker = coordinator_of[ready.pk]
    _diagnose(ready, worker, now - timedelta(hours=3))
    made["ready"] = board_case_create(actor=Actor(user=worker), pathway=ready, meeting=coming[0], answers=ANSWERS)
    # In preparation: the pathology result and the patient's wish are missing.
    worker = coordinator_of[draft.pk]
    made["draft"] = board_case_create(
        actor=Actor(user=worker),
        pathway=draft,
        meeting=coming[0],
        answers={"performance_status": "2", "comorbidities": "Diabète de type 2"},
    )
    return made
