"""The checklist a case must pass before it is listed for a tumour board.

Which items apply to a pathway kind is data (`data/checklists_v1.json`, each item with its source); each item
is checked by one function of the registry `CHECKS`, keyed by item code. Pathway items read the pathway's
milestones; answer items read what the coordinator filled on the case (`BoardCase.answers`).
The pathology item reads the pathology requests (jalon.diagnostics) when the pathway has any.

`board_case_missing_items` is the one rule: the preparation page, the listing service and the tests call it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jalon.diagnostics.models import PathologyRequest
from jalon.diagnostics.selectors import pathology_state
from jalon.pathways.models import Milestone, MilestoneStatus, MilestoneTemplate

DATA = Path(__file__).resolve().parent / "data" / "checklists_v1.json"
PATHOLOGY_FINAL = "pathology_final"
_PATHOLOGY_CODES = {"pathology_preliminary", PATHOLOGY_FINAL}


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    label: str
    kind: str  # "pathway" (read from the pathway) or "answer" (filled on the case)
    field: str = ""  # for answers: "choice" or "text"
    choices: tuple[tuple[str, str], ...] = ()
    help: str = ""
    source: str = ""


@lru_cache(maxsize=1)
def definitions() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


def checklist_version() -> int:
    return int(definitions()["version"])


def items_for(pathway_kind: str) -> list[ChecklistItem]:
    """The items a case of this pathway kind must have, in order (the kind's own list, else the default)."""
    data = definitions()
    codes = data["templates"].get(pathway_kind) or data["templates"]["default"]
    items = []
    for code in codes:
        row = data["items"][code]
        items.append(
            ChecklistItem(
                code=code,
                label=row["label"],
                kind=row["kind"],
                field=row.get("field", ""),
                choices=tuple(tuple(choice) for choice in row.get("choices", ())),
                help=row.get("help", ""),
                source=row.get("source", ""),
            )
        )
    return items


def answer_items(pathway_kind: str) -> list[ChecklistItem]:
    return [item for item in items_for(pathway_kind) if item.kind == "answer"]


# --- the checks -----------------------------------------------------------------------------------


@dataclass
class CaseFacts:
    """What the checks read, loaded once per case: the pathway's milestones by code, and the answers."""

    case: object
    milestones: dict[str, Milestone]
    board_step_depends_on: list[str]  # what the template's tumour-board step depends on (branch taken or not)


def _settled(milestone: Milestone | None) -> bool:
    return milestone is not None and milestone.status in (MilestoneStatus.DONE, MilestoneStatus.SKIPPED)


def _exams_done(facts: CaseFacts) -> bool:
    """The steps the pathway's tumour-board step depends on, pathology aside, are done (or not needed)."""
    needed = [code for code in facts.board_step_depends_on if code not in _PATHOLOGY_CODES]
    return all(_settled(facts.milestones.get(code)) for code in needed)


def _pathology_final_done(facts: CaseFacts) -> bool:
    """The final pathology result is in and contributive. When the pathway has pathology requests
    (jalon.diagnostics), the newest decides: a non-contributive result waiting for its re-biopsy is not a
    result. Otherwise (a result recorded on the milestone alone), the pathology_final step is done."""
    if PathologyRequest.objects.filter(pathway_id=facts.case.pathway_id).exists():
        return pathology_state(facts.case.pathway_id).final_in
    milestone = facts.milestones.get(PATHOLOGY_FINAL)
    return milestone is not None and milestone.status == MilestoneStatus.DONE


def _answered(code: str) -> Callable[[CaseFacts], bool]:
    def check(facts: CaseFacts) -> bool:
        return bool(str((facts.case.answers or {}).get(code, "")).strip())

    check.__doc__ = f"The coordinator filled « {code} » on the case."
    return check


CHECKS: dict[str, Callable[[CaseFacts], bool]] = {
    "exams": _exams_done,
    "pathology": _pathology_final_done,
    "performance_status": _answered("performance_status"),
    "comorbidities": _answered("comorbidities"),
    "patient_wish": _answered("patient_wish"),
}


def case_facts(case) -> CaseFacts:
    milestones = {
        milestone.code: milestone
        for milestone in Milestone.objects.filter(pathway_id=case.pathway_id).select_related("template")
    }
    board_step = MilestoneTemplate.objects.filter(
        template_version_id=case.pathway.template_version_id, code="tumour_board"
    ).first()
    return CaseFacts(
        case=case, milestones=milestones, board_step_depends_on=list(board_step.depends_on) if board_step else []
    )


@dataclass(frozen=True)
class ItemState:
    item: ChecklistItem
    done: bool


def board_case_checklist(case) -> list[ItemState]:
    """Each item of the case's checklist with whether it is satisfied, in order."""
    facts = case_facts(case)
    kind = case.pathway.template_version.template.kind
    return [ItemState(item=item, done=CHECKS[item.code](facts)) for item in items_for(kind)]


def board_case_missing_items(case) -> list[ChecklistItem]:
    """The items still missing before the case may be listed (empty: complete). The one rule, for every caller."""
    return [state.item for state in board_case_checklist(case) if not state.done]
