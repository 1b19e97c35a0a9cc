"""Every event kind, declared once: its French label for the timeline and the payload fields it carries.

`event_record` refuses a kind that is not declared here: add a `EventKind(...)` line to `EVENT_KINDS` when a
service records a new fact. The French lines a history shows for a payload are in jalon/events/history.py."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class EventKind:
    """One kind of fact: its dotted name, its French label and the payload fields its writers put in."""

    kind: str
    label: str
    payload: tuple[str, ...] = ()


_TRANSITION = ("from", "to", "reason")
_TELEEXPERTISE = ("teleexpertise", "service")
_APPOINTMENT = ("milestone", "resource", "start")
_STAY = ("place", "note")
_OUTCOME = ("outcome", "note")
_EXAM = ("exam", "kind", "milestone")
_PATHOLOGY = ("pathology_request", "milestone", "specimen")

EVENT_KINDS: dict[str, EventKind] = {
    entry.kind: entry
    for entry in (
        EventKind("referral.submitted", _("Demande reçue"), ("channel", "missing_items", "outside_territory")),
        EventKind(
            "referral.complement_requested", _("Complément demandé à l'adresseur"), (*_TRANSITION, "missing_items")
        ),
        EventKind("referral.completed", _("Complément apporté, demande remise dans la file"), _TRANSITION),
        EventKind(
            "referral.complement_answered",
            _("Complément apporté par l'adresseur après l'acceptation"),
            ("reason", "answered", "not_done", "missing_items"),
        ),
        EventKind(
            "referral.accepted", _("Demande acceptée"), (*_TRANSITION, "pathway_kind", "priority", "outside_territory")
        ),
        EventKind("referral.declined", _("Demande refusée"), _TRANSITION),
        EventKind("referral.redirected", _("Demande réorientée"), (*_TRANSITION, "redirected_to")),
        EventKind("referral.closed", _("Demande clôturée"), _TRANSITION),
        EventKind(
            "referral.duplicate_linked", _("Demande liée à une autre demande ouverte du même patient"), ("linked",)
        ),
        EventKind("referral.document_added", _("Document ajouté"), ("document",)),
        EventKind(
            "patient.identity_conflict_raised",
            _("Conflit d'identité : l'INS transmise est celle d'un autre patient aux traits différents"),
            ("conflict", "differing_traits"),
        ),
        EventKind(
            "patient.identity_conflict_resolved",
            _("Conflit d'identité résolu par la coordination"),
            ("conflict", "resolution", "reason", "moved_referrals", "changes"),
        ),
        EventKind(
            "patient.identity_corrected", _("Identité du patient corrigée par la coordination"), ("conflict", "changes")
        ),
        EventKind(
            "patient.identity_status_changed",
            _("Statut de l'identité modifié par la coordination"),
            ("old", "new", "reason"),
        ),
        EventKind("referral.gp_confirmed", _("Médecin traitant confirmé par la coordination"), ("gp",)),
        EventKind("referral.text_sign_confirmed", _("Signe lu dans le texte confirmé par la coordination"), ("sign",)),
        EventKind("referral.text_sign_dismissed", _("Signe lu dans le texte écarté par la coordination"), ("sign",)),
        EventKind(
            "care_team.granted", _("Membre ajouté à l'équipe de soins"), ("member", "role", "professional", "reason")
        ),
        EventKind(
            "care_team.ended", _("Membre retiré de l'équipe de soins"), ("member", "role", "professional", "reason")
        ),
        EventKind(
            "triage.overridden",
            _("Proposition des règles de tri modifiée par la coordination"),
            ("rule", "proposed", "chosen", "reason"),
        ),
        EventKind("pathway.started", _("Parcours démarré"), ("template", "version", "priority")),
        EventKind("milestone.recorded", _("Étape réalisée"), ("milestone", "label", "done_at", "note")),
        EventKind("milestone.corrected", _("Étape corrigée"), ("milestone", "label", "done_at", "note")),
        EventKind("milestone.skipped", _("Étape passée (sans objet)"), ("milestone", "label", "reason")),
        EventKind("pathway.outcome_malignant", _("Diagnostic : cancer confirmé"), _OUTCOME),
        EventKind("pathway.outcome_not_malignant", _("Diagnostic : lésion non maligne"), _OUTCOME),
        EventKind("pathway.closed", _("Parcours clôturé"), ("reason", "conclusion")),
        EventKind("task.done", _("Tâche faite"), ("task",)),
        EventKind("alert.acknowledged", _("Alerte prise en compte"), ("alert", "milestone", "note")),
        EventKind("appointment.booked", _("Rendez-vous réservé"), (*_APPOINTMENT, "group")),
        EventKind("appointment.cancelled", _("Rendez-vous annulé"), (*_APPOINTMENT, "reason")),
        EventKind(
            "appointment.slot_closed", _("Créneau fermé : rendez-vous à reprogrammer"), (*_APPOINTMENT, "reason")
        ),
        EventKind(
            "appointment.rebooked", _("Rendez-vous reprogrammé après une fermeture"), (*_APPOINTMENT, "group", "reason")
        ),
        EventKind(
            "pathway.first_diagnostic_day_done",
            _("Première journée de diagnostic faite : courrier au médecin traitant"),
            ("milestone",),
        ),
        EventKind("stay.admission", _("Admission"), _STAY),
        EventKind("stay.transfer", _("Transfert"), _STAY),
        EventKind("stay.discharge", _("Sortie"), _STAY),
        EventKind("stay.death", _("Décès"), _STAY),
        EventKind("board.case_prepared", _("Dossier préparé pour une RCP"), ("case", "board", "meeting")),
        EventKind("board.case_listed", _("Dossier inscrit à l'ordre du jour de la RCP"), ("case", "board", "meeting")),
        EventKind(
            "board.sorting_confirmed", _("Tri du dossier confirmé par le président de la RCP"), ("case", "sorting")
        ),
        EventKind(
            "board.case_postponed", _("Dossier reporté à une autre RCP"), ("case", "board", "meeting", "reason", "to")
        ),
        EventKind(
            "board.decision_recorded",
            _("Décision de RCP rendue"),
            ("case", "board", "treatment_kind", "sorting", "trial_eligibility", "specialties"),
        ),
        EventKind(
            "care_plan.version_saved", _("Programme personnalisé de soins (PPS) rédigé"), ("care_plan", "version")
        ),
        EventKind("care_plan.handed", _("PPS remis au patient"), ("care_plan", "version", "handed_on")),
        EventKind("care_plan.sent", _("PPS adressé au médecin traitant"), ("care_plan", "version")),
        EventKind("thread.message_posted", _("Message échangé entre le médecin et la coordination"), ("side",)),
        EventKind("teleexpertise.requested", _("Téléexpertise demandée"), (*_TELEEXPERTISE, "documents")),
        EventKind(
            "teleexpertise.answered",
            _("Téléexpertise : avis du spécialiste rendu"),
            (*_TELEEXPERTISE, "convert_to_referral"),
        ),
        EventKind(
            "teleexpertise.converted",
            _("Téléexpertise orientée vers une demande de prise en soins"),
            (*_TELEEXPERTISE, "referral"),
        ),
        EventKind("teleexpertise.late", _("Téléexpertise : réponse en retard"), (*_TELEEXPERTISE, "deadline")),
        EventKind("exam.requested", _("Examen demandé"), (*_EXAM, "site", "urgency")),
        EventKind("exam.scheduled", _("Examen programmé"), (*_EXAM, "scheduled_for")),
        EventKind("exam.done", _("Examen réalisé"), (*_EXAM, "done_at", "report")),
        EventKind("exam.cancelled", _("Examen annulé"), (*_EXAM, "reason")),
        EventKind(
            "pathology.requested",
            _("Analyse anatomopathologique demandée"),
            (*_PATHOLOGY, "pathologist", "preliminary_due_at", "final_due_at", "rebiopsy_of"),
        ),
        EventKind(
            "pathology.result_recorded",
            _("Résultat anatomopathologique rendu"),
            (*_PATHOLOGY, "stage", "contributive", "molecular_tests_received"),
        ),
        EventKind(
            "pathology.non_contributive",
            _("Prélèvement non contributif : nouvelle biopsie à programmer"),
            (*_PATHOLOGY, "stage", "task"),
        ),
        EventKind("pathology.late", _("Résultat anatomopathologique en retard"), (*_PATHOLOGY, "stage", "due_at")),
        EventKind("teleexpertise.withdrawn", _("Téléexpertise retirée par le médecin"), (*_TELEEXPERTISE, "reason")),
    )
}

# Kind -> French label, read from the registry (kept for the callers that only need the label).
EVENT_LABELS = {kind: entry.label for kind, entry in EVENT_KINDS.items()}


class UndeclaredEventKind(ValueError):
    """A writer named an event kind that jalon/events/kinds.py does not declare."""


def event_kind(kind: str) -> EventKind:
    """The declaration of `kind`; raises UndeclaredEventKind (a ValueError) naming it when there is none."""
    try:
        return EVENT_KINDS[kind]
    except KeyError:
        raise UndeclaredEventKind(
            f"Undeclared event kind {kind!r}: declare it (label and payload fields) in EVENT_KINDS, "
            "jalon/events/kinds.py."
        ) from None


def event_label(kind: str) -> str:
    """The French label of `kind` (the kind itself for an old row whose kind is no longer declared)."""
    entry = EVENT_KINDS.get(kind)
    return str(entry.label) if entry else kind
