"""The checklist a case must pass before it is listed for a tumour board.

Which items apply to a pathway kind is versioned data (`data/checklists_v<N>.json`, each item with its source);
a case is checked against the version it was prepared with (`BoardCase.checklist_version`), as a running
pathway keeps its template version. Version 2 gives each pathway kind its own list.

Two kinds of item. "pathway" items are read from data, never asked: the pathway's steps (a step « settled »
is done, or marked not needed with its reason) and the pathology requests of jalon.diagnostics (the final
result, the molecular tests asked and received). "answer" items are what the coordinator fills on the case
(`BoardCase.answers`). Each pathway item names its check (`check` in the data, a function of `CHECKS`); a
check answers (done, detail), the detail saying what exactly is missing (« ALK, PD-L1 »).

`board_case_missing_items` is the one rule: the preparation page, the listing service and the tests call it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from django.utils.translation import gettext as _

from jalon.diagnostics.models import PathologyRequest, PathologyStatus
from jalon.diagnostics.prescription import MOLECULAR_TESTS, prescription_fields
from jalon.diagnostics.selectors import pathology_state
from jalon.pathways.models import Milestone, MilestoneStatus, MilestoneTemplate

DATA_DIR = Path(__file__).resolve().parent / "data"
CURRENT_VERSION = 2
PATHOLOGY_FINAL = "pathology_final"
_PATHOLOGY_CODES = {"pathology_preliminary", PATHOLOGY_FINAL}


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    label: str
    kind: str  # "pathway" (read from the data) or "answer" (filled on the case)
    field: str = ""  # for answers: "choice" or "text"
    choices: tuple[tuple[str, str], ...] = ()
    help: str = ""
    source: str = ""
    check: str = ""  # for pathway items: the name of the check in CHECKS
    steps: tuple[str, ...] = ()  # for "steps_settled": the pathway steps it reads
    required_tests: tuple[str, ...] = ()  # for "molecular_tests_received": the tests that must be in


@lru_cache(maxsize=4)
def definitions(version: int = CURRENT_VERSION) -> dict:
    return json.loads((DATA_DIR / f"checklists_v{int(version)}.json").read_text(encoding="utf-8"))


def checklist_version() -> int:
    """The version a case prepared now is checked against."""
    return int(definitions()["version"])


def items_for(pathway_kind: str, version: int | None = None) -> list[ChecklistItem]:
    """The items a case of this pathway kind must have, in order (the kind's own list, else the default)."""
    data = definitions(version or CURRENT_VERSION)
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
                # Version 1 named no check: its two pathway items are read by the checks of the same name.
                check=row.get("check") or {"exams": "board_dependencies", "pathology": "pathology_final"}.get(code, ""),
                steps=tuple(row.get("steps", ())),
                required_tests=tuple(row.get("required_tests", ())),
            )
        )
    return items


def answer_items(pathway_kind: str, version: int | None = None) -> list[ChecklistItem]:
    return [item for item in items_for(pathway_kind, version) if item.kind == "answer"]


# --- the checks -----------------------------------------------------------------------------------


@dataclass
class CaseFacts:
    """What the checks read, loaded once per case: the pathway's milestones by code, the answers, the newest
    final pathology result."""

    case: object
    milestones: dict[str, Milestone]
    board_step_depends_on: list[str]  # what the template's tumour-board step depends on (branch taken or not)
    has_pathology_requests: bool = False
    final_pathology: PathologyRequest | None = None  # the newest request with a final, contributive result


Result = tuple[bool, str]  # (done, what is missing when not done: "" to say nothing more than the label)


def _settled(milestone: Milestone | None) -> bool:
    return milestone is not None and milestone.status in (MilestoneStatus.DONE, MilestoneStatus.SKIPPED)


def _exams_done(facts: CaseFacts, item: ChecklistItem) -> Result:  # noqa: ARG001
    """The steps the pathway's tumour-board step depends on, pathology aside, are done (or not needed)."""
    needed = [code for code in facts.board_step_depends_on if code not in _PATHOLOGY_CODES]
    return all(_settled(facts.milestones.get(code)) for code in needed), ""


def _pathology_final_done(facts: CaseFacts, item: ChecklistItem) -> Result:  # noqa: ARG001
    """The final pathology result is in and contributive. When the pathway has pathology requests
    (jalon.diagnostics), the newest decides: a non-contributive result waiting for its re-biopsy is not a
    result. Otherwise (a result recorded on the milestone alone), the pathology_final step is done."""
    if facts.has_pathology_requests:
        return pathology_state(facts.case.pathway_id).final_in, ""
    milestone = facts.milestones.get(PATHOLOGY_FINAL)
    return milestone is not None and milestone.status == MilestoneStatus.DONE, ""


def _pathology_unless_biopsy_skipped(facts: CaseFacts, item: ChecklistItem) -> Result:
    """When the diagnosis may rest on imaging alone (the liver template's biopsy is optional): the biopsy step
    marked not needed settles the item; a biopsy done or pending needs its final result."""
    biopsy = facts.milestones.get("biopsy")
    if biopsy is not None and biopsy.status == MilestoneStatus.SKIPPED:
        return True, ""
    return _pathology_final_done(facts, item)


def _steps_settled(facts: CaseFacts, item: ChecklistItem) -> Result:
    """The item's steps are done or marked not needed. A step the pathway's template version does not have is
    not asked (a pathway keeps its version)."""
    present = [facts.milestones[code] for code in item.steps if code in facts.milestones]
    return all(_settled(milestone) for milestone in present), ""


def _molecular_tests_received(facts: CaseFacts, item: ChecklistItem) -> Result:
    """The molecular tests asked on the pathology request are back in its final result (and the item's
    `required_tests` were asked and are back). No request: nothing was asked through Jalon, so only required
    tests can be missing (they cannot be read from a result recorded on the step alone)."""
    request = facts.final_pathology
    asked = set(request.molecular_tests_asked()) if request else set()
    received = set(request.molecular_tests_received) if request else set()
    expected = asked | set(item.required_tests)
    missing = [code for code in [*item.required_tests, *sorted(asked)] if code not in received]
    missing = list(dict.fromkeys(missing))  # in order, once
    if not expected or not missing:
        return True, ""
    kind = request.template_kind if request else facts.case.pathway.template_version.template.kind
    labels = {
        code: label
        for field in prescription_fields(kind)
        if field.code == MOLECULAR_TESTS
        for code, label in field.choices
    }
    return False, ", ".join(labels.get(code, code) for code in missing)


def _answered(facts: CaseFacts, item: ChecklistItem) -> Result:
    """The coordinator filled the item on the case."""
    return bool(str((facts.case.answers or {}).get(item.code, "")).strip()), ""


CHECKS: dict[str, Callable[[CaseFacts, ChecklistItem], Result]] = {
    "board_dependencies": _exams_done,
    "pathology_final": _pathology_final_done,
    "pathology_unless_biopsy_skipped": _pathology_unless_biopsy_skipped,
    "steps_settled": _steps_settled,
    "molecular_tests_received": _molecular_tests_received,
}


def case_facts(case) -> CaseFacts:
    milestones = {
        milestone.code: milestone
        for milestone in Milestone.objects.filter(pathway_id=case.pathway_id).select_related("template")
    }
    board_step = MilestoneTemplate.objects.filter(
        template_version_id=case.pathway.template_version_id, code="tumour_board"
    ).first()
    requests = PathologyRequest.objects.filter(pathway_id=case.pathway_id)
    return CaseFacts(
        case=case,
        milestones=milestones,
        board_step_depends_on=list(board_step.depends_on) if board_step else [],
        has_pathology_requests=requests.exists(),
        final_pathology=requests.filter(status=PathologyStatus.FINAL).order_by("-final_at", "-id").first(),
    )


@dataclass(frozen=True)
class ItemState:
    item: ChecklistItem
    done: bool
    detail: str = ""  # what exactly is missing, when the label alone does not say it


def _check(item: ChecklistItem, facts: CaseFacts) -> Result:
    if item.kind == "answer":
        return _answered(facts, item)
    return CHECKS[item.check](facts, item)


def board_case_checklist(case) -> list[ItemState]:
    """Each item of the case's checklist (the version it was prepared with) and whether it holds, in order."""
    facts = case_facts(case)
    kind = case.pathway.template_version.template.kind
    states = []
    for item in items_for(kind, case.checklist_version):
        done, detail = _check(item, facts)
        states.append(ItemState(item=item, done=done, detail=detail))
    return states


def board_case_missing_items(case) -> list[ChecklistItem]:
    """The items still missing before the case may be listed (empty: complete), each label saying exactly what is
    missing when the item alone does not (« … rendus (manquent : ALK) »). The one rule, for every caller."""
    missing = []
    for state in board_case_checklist(case):
        if state.done:
            continue
        item = state.item
        if state.detail:
            item = replace(
                item, label=_("%(label)s (manque : %(detail)s)") % {"label": item.label, "detail": state.detail}
            )
        missing.append(item)
    return missing
