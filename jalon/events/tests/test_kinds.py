"""Event kinds are declared once (jalon/events/kinds.py): writers may not invent one, histories read their text
there."""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest
from django.urls import reverse

from jalon.core.actor import Actor
from jalon.events import kinds
from jalon.events.history import event_details, event_step, history_entry
from jalon.events.kinds import EVENT_KINDS, EVENT_LABELS, UndeclaredEventKind, event_kind, event_label
from jalon.events.models import Event
from jalon.events.services import event_record
from jalon.pathways.models import Outcome
from jalon.pathways.services import STAY_KINDS
from jalon.referrals.status import TRANSITIONS as REFERRAL_TRANSITIONS
from jalon.teleexpertise.status import TRANSITIONS as TELEEXPERTISE_TRANSITIONS
from jalon.testing.factories import PatientFactory

JALON = Path(__file__).resolve().parents[2]
# The functions that write an event row: the service, and the synthetic region's bulk writer.
WRITERS = {"event_record", "_event"}
UNDECLARED = "referral.teleported"


def _kind_argument(call: ast.Call) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == "kind":
            return keyword.value
    return call.args[0] if call.args and isinstance(call.func, ast.Attribute) and call.func.attr == "_event" else None


def _written_kinds() -> tuple[set[str], set[str]]:
    """The kinds written literally anywhere in jalon/ (code and tests), and the f-string patterns."""
    literal, patterns = set(), set()
    for path in JALON.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            argument = _kind_argument(node) if name in WRITERS else None
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                literal.add(argument.value)
            elif isinstance(argument, ast.JoinedStr):
                patterns.add(
                    "".join(
                        re.escape(part.value) if isinstance(part, ast.Constant) else ".+" for part in argument.values
                    )
                )
    return literal, patterns


def test_an_undeclared_kind_is_refused_and_nothing_is_written(db):
    """`event_record` raises a ValueError naming the kind and where to declare it, and writes no row."""
    patient = PatientFactory()
    with pytest.raises(ValueError, match=r"'referral\.teleported'.*jalon/events/kinds\.py") as raised:
        event_record(actor=Actor.system(), kind=UNDECLARED, patient_id=patient.pk)
    assert isinstance(raised.value, UndeclaredEventKind)
    assert not Event.objects.exists()


def test_a_declared_kind_is_recorded(db):
    """A declared kind is written as before."""
    patient = PatientFactory()
    event = event_record(
        actor=Actor.system(), kind="referral.submitted", patient_id=patient.pk, payload={"channel": "web"}
    )
    assert Event.objects.get().pk == event.pk and event.kind == "referral.submitted"


def test_every_kind_written_in_the_code_is_declared():
    """Every literal kind passed to an event writer, every f-string kind, and the status machines' kinds are
    declared."""
    literal, patterns = _written_kinds()
    assert len(literal) > 20 and patterns  # the scan does find the writers
    assert literal - EVENT_KINDS.keys() == set()
    for pattern in patterns:
        assert any(re.fullmatch(pattern, kind) for kind in EVENT_KINDS), pattern
    computed = {f"stay.{stay_kind}" for stay_kind in STAY_KINDS}
    computed |= {f"pathway.outcome_{outcome}" for outcome in Outcome.values if outcome}
    computed |= {
        kind for _sources, _target, kind in [*REFERRAL_TRANSITIONS.values(), *TELEEXPERTISE_TRANSITIONS.values()]
    }
    assert computed - EVENT_KINDS.keys() == set()


def test_the_registry_declares_a_label_and_payload_fields_for_each_kind():
    """Each declaration is keyed by its own kind, has a French label, and names its payload fields."""
    for kind, entry in EVENT_KINDS.items():
        assert entry.kind == kind and str(entry.label) and str(entry.label) != kind
        assert isinstance(entry.payload, tuple) and all(isinstance(name, str) for name in entry.payload)
        assert EVENT_LABELS[kind] == entry.label
    assert event_kind("pathway.started").payload == ("template", "version", "priority")
    with pytest.raises(UndeclaredEventKind):
        event_kind("nothing.here")


def test_the_history_label_comes_from_the_registry(monkeypatch):
    """Changing a kind's declaration changes the label every history shows."""
    entry = dataclasses.replace(EVENT_KINDS["milestone.recorded"], label="Libellé du registre")
    monkeypatch.setitem(kinds.EVENT_KINDS, "milestone.recorded", entry)
    event = Event(kind="milestone.recorded", payload={"label": "Scanner", "note": "RAS"})
    assert event_label("milestone.recorded") == "Libellé du registre"
    assert history_entry(event).label == "Libellé du registre"
    assert event_label("an.old.kind") == "an.old.kind"  # an old row of a kind since removed still shows


def test_the_history_details_are_written_once_in_order():
    """The payload's French lines, with codes turned into the labels the caller passes."""
    event = Event(
        kind="triage.overridden",
        payload={"proposed": ["lung", "P1"], "chosen": ["lung", "P2"], "rule": "R1", "reason": "Vu"},
    )
    assert event_details(event, value_labels={"pathway_kind": {"lung": "poumon"}}) == [
        "Proposé : poumon P1 ; retenu : poumon P2",
        "Règle : R1",
        "Motif : Vu",
    ]
    acknowledged = Event(
        kind="alert.acknowledged", payload={"alert": "overdue", "milestone": "Scanner", "note": "Appelé"}
    )
    assert event_details(acknowledged, value_labels={"alert": {"overdue": "en retard"}}) == [
        "Étape : Scanner",
        "Alerte : en retard",
        "Note : Appelé",
    ]
    assert event_step(acknowledged) == "Scanner"
    assert event_details(Event(kind="referral.submitted", payload={})) == []


def test_the_referral_page_shows_the_registry_label(client, coordinator, submit, monkeypatch):
    """The referral page's history reads the label from the registry."""
    referral = submit().referral
    monkeypatch.setitem(
        kinds.EVENT_KINDS,
        "referral.submitted",
        dataclasses.replace(EVENT_KINDS["referral.submitted"], label="Reçue (registre)"),
    )
    client.force_login(coordinator)
    response = client.get(reverse("coordination:referral", args=[referral.reference]))
    assert response.status_code == 200
    assert "Reçue (registre)" in response.content.decode()


def test_an_outsider_does_not_see_the_history(client, coordinator_elsewhere, submit):
    """A coordinator of another organisation gets a 404, not the history."""
    referral = submit().referral
    client.force_login(coordinator_elsewhere)
    assert client.get(reverse("coordination:referral", args=[referral.reference])).status_code == 404
