"""The French text a history (timeline) shows for an event, written once for every kind and every page.

The label comes from the registry (jalon/events/kinds.py); the detail lines from the payload fields below, in
this order. Codes stored in a payload (pathway kind, alert kind, outcome) belong to higher apps: the caller passes
their French labels as `value_labels` ({"pathway_kind": {...}, "alert": {...}, "outcome": {...}})."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from jalon.core.formatting import datetime_numeric
from jalon.events.kinds import event_label
from jalon.events.models import Event

Labels = Mapping[str, Mapping[str, str]]


@dataclass(frozen=True)
class HistoryEntry:
    """What a history shows for one event: its French label and its French detail lines."""

    label: str
    details: list[str]


def _when(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return str(value)
    return datetime_numeric(moment)


def _label_of(labels: Labels, vocabulary: str, code):
    return labels.get(vocabulary, {}).get(code, code)


def _step(event: Event, payload: dict, labels: Labels) -> list[str]:
    if payload.get("label"):
        return [_("Étape : %(label)s") % {"label": payload["label"]}]
    if payload.get("milestone") and event.kind == "alert.acknowledged":
        return [_("Étape : %(label)s") % {"label": payload["milestone"]}]
    return []


def _alert(event: Event, payload: dict, labels: Labels) -> list[str]:
    if event.kind == "alert.acknowledged" and payload.get("alert"):
        return [_("Alerte : %(kind)s") % {"kind": _label_of(labels, "alert", payload["alert"])}]
    return []


def _pathway_started(event: Event, payload: dict, labels: Labels) -> list[str]:
    if event.kind != "pathway.started":
        return []
    kind = labels.get("pathway_kind", {}).get(payload.get("template"), payload.get("template", ""))
    return [
        _("Parcours %(kind)s (version %(version)s), priorité %(priority)s")
        % {
            "kind": kind,
            "version": payload.get("version", "?"),
            "priority": payload.get("priority", "?"),
        }
    ]


def _referral_accepted(event: Event, payload: dict, labels: Labels) -> list[str]:
    if event.kind != "referral.accepted" or not payload.get("pathway_kind"):
        return []
    return [
        _("Parcours %(kind)s, priorité %(priority)s")
        % {
            "kind": _label_of(labels, "pathway_kind", payload["pathway_kind"]),
            "priority": payload.get("priority", "?"),
        }
    ]


def _field(field_name: str, text: str, key: str, render: Callable[[object, Labels], str] = lambda value, labels: value):
    def line(event: Event, payload: dict, labels: Labels) -> list[str]:
        return [text % {key: render(payload[field_name], labels)}] if payload.get(field_name) else []

    return line


def _triage_overridden(event: Event, payload: dict, labels: Labels) -> list[str]:
    if event.kind != "triage.overridden":
        return []
    proposed, chosen = payload.get("proposed") or ["", ""], payload.get("chosen") or ["", ""]
    lines = [
        _("Proposé : %(proposed)s ; retenu : %(chosen)s")
        % {
            "proposed": f"{_label_of(labels, 'pathway_kind', proposed[0])} {proposed[1]}",
            "chosen": f"{_label_of(labels, 'pathway_kind', chosen[0])} {chosen[1]}",
        }
    ]
    if payload.get("rule"):
        lines.append(_("Règle : %(code)s") % {"code": payload["rule"]})
    return lines


def _lines():
    # Built at call time so that each text is translated in the active language.
    return (
        _step,
        _alert,
        _pathway_started,
        _referral_accepted,
        _field("done_at", _("Réalisé le %(when)s"), "when", lambda value, labels: _when(value)),
        _field("task", _("Tâche : %(task)s"), "task"),
        _field(
            "outcome", _("Issue : %(outcome)s"), "outcome", lambda value, labels: _label_of(labels, "outcome", value)
        ),
        _triage_overridden,
        _field("place", _("Lieu : %(place)s"), "place"),
        _field("document", _("Document : %(name)s"), "name"),
        _field("reason", _("Motif : %(reason)s"), "reason"),
        _field("note", _("Note : %(note)s"), "note"),
    )


def event_details(event: Event, *, value_labels: Labels | None = None) -> list[str]:
    """The payload of an event as short French lines (step, reason, note...), for a history."""
    payload, labels = event.payload or {}, value_labels or {}
    return [text for line in _lines() for text in line(event, payload, labels)]


def event_step(event: Event) -> str:
    """The step an event is about, bare (the GP's timeline shows it beside the label), or ""."""
    payload = event.payload or {}
    return str(payload.get("label") or payload.get("milestone") or "")


def history_entry(event: Event, *, value_labels: Labels | None = None) -> HistoryEntry:
    """The label and the detail lines of one event, both read from the registry."""
    return HistoryEntry(label=event_label(event.kind), details=event_details(event, value_labels=value_labels))
