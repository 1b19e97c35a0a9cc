"""Notification kinds: which event sends what to whom, and which variables its texts may use.

The kinds and their variables are code (a new kind needs the code that fills its variables); the
texts are versioned data (`NotificationTemplate`), edited and previewed by managers. A variable is
*clinical* when it says something about the patient's health or identity: clinical variables may
appear in the secure body (MSSanté, in Jalon) only, never in the subject or the short notice that
travels by plain e-mail and SMS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Variable:
    name: str
    label: str
    clinical: bool
    sample: str  # shown in the preview, and used to check the length of a notice


VARIABLES: dict[str, Variable] = {
    v.name: v
    for v in [
        Variable("reference", _("référence de la demande"), False, "JAL-2026-004217"),
        Variable("destinataire", _("nom du destinataire"), False, "Dr Claire MARTIN"),
        Variable("guichet", _("guichet ou service qui écrit"), False, "Numéro unique cancer CPTS Strasbourg Nord"),
        Variable(
            "lien", _("adresse de la page dans Jalon"), False, "https://jalon.example.org/mes-patients/JAL-2026-004217/"
        ),
        Variable("echeance", _("date de réponse promise"), False, "mercredi 2 décembre 2026 à 15h00"),
        Variable("date", _("date de l'événement"), False, "jeudi 3 décembre 2026 à 09h30"),
        Variable("patient", _("nom du patient"), True, "LEFÈVRE Jeanne, née le 12/03/1956"),
        Variable("motif", _("motif donné par la coordination"), True, "Merci de joindre le compte rendu du scanner."),
        Variable(
            "reoriente_vers",
            _("vers qui la demande est réorientée"),
            True,
            "Consultation d'oncologie, Hôpital de Hautepierre",
        ),
        Variable(
            "rendez_vous",
            _("rendez-vous (quoi, où, quand)"),
            True,
            "- Scanner thoraco-abdominal, Hôpital de Hautepierre : 3 décembre 2026 à 14h00",
        ),
        Variable("etape", _("étape du parcours"), True, "Réunion de concertation pluridisciplinaire"),
        Variable(
            "decision", _("décision ou conclusion de l'équipe"), True, "Chirurgie proposée après bilan d'opérabilité."
        ),
        Variable("lieu", _("lieu (établissement, service)"), True, "Pneumologie, Hôpital de Hautepierre"),
        Variable(
            "examens_faits",
            _("étapes et examens réalisés"),
            True,
            "- Consultation d'accueil : 1 décembre 2026\n- Scanner : 1 décembre 2026",
        ),
        Variable("prochaines_etapes", _("prochaines étapes prévues"), True, "- Biopsie : avant le 4 décembre 2026"),
        Variable("document", _("nom du document"), True, "Compte rendu de scanner"),
        Variable("question", _("question posée au spécialiste"), True, "Nodule pulmonaire de 25 mm : quel bilan ?"),
        Variable("reponse", _("réponse du spécialiste"), True, "Je propose un TEP-TDM puis une consultation."),
        Variable("attendue_le", _("date à laquelle l'étape est attendue"), False, "jeudi 3 décembre 2026 à 09h30"),
        Variable("depuis", _("date du dernier événement du parcours"), False, "19 novembre 2026"),
    ]
}

COMMON = ("reference", "destinataire", "guichet", "lien")


@dataclass(frozen=True)
class NotificationKind:
    code: str
    label: str
    audience: str
    variables: tuple[str, ...]
    source: str = ""
    # Messages to the coordination or the managers (alerts), not to city professionals: the preferences
    # page offers them to coordinators only.
    staff: bool = False
    # Messages to the patient (`notify.notify_patient`): a plain SMS notice, never offered to professionals.
    patient: bool = False

    @property
    def all_variables(self) -> tuple[str, ...]:
        return COMMON + tuple(v for v in self.variables if v not in COMMON)

    @property
    def clinical_variables(self) -> frozenset[str]:
        """The variables that may go only in the secure body (MSSanté, in Jalon)."""
        return frozenset(name for name in self.all_variables if VARIABLES[name].clinical)

    def plain_values(self, values: Mapping[str, str]) -> dict[str, str]:
        """`values` without the clinical ones: what the subject and the notice (plain e-mail, SMS) are
        rendered with, so that even a text that escaped the editing checks cannot carry clinical detail."""
        return {name: value for name, value in values.items() if name not in self.clinical_variables}


_SHEET_7 = "Seed 001, fiche 7, action clé 2 : informer les professionnels de ville des événements clés, messages types"
_KINDS = [
    NotificationKind(
        "referral.submitted",
        _("Demande reçue (accusé de réception)"),
        _("adresseur"),
        ("echeance", "patient"),
        "Seed 001, fiche 1 : guichet unique, accusé de réception",
    ),
    NotificationKind("referral.complement_requested", _("Complément demandé"), _("adresseur"), ("motif", "patient")),
    NotificationKind("referral.accepted", _("Demande acceptée"), _("adresseur et médecin traitant"), ("patient",)),
    NotificationKind("referral.declined", _("Demande non retenue"), _("adresseur"), ("motif", "patient")),
    NotificationKind(
        "referral.redirected", _("Demande réorientée"), _("adresseur"), ("motif", "reoriente_vers", "patient")
    ),
    NotificationKind("referral.closed", _("Demande clôturée"), _("adresseur"), ("motif", "patient")),
    NotificationKind(
        "appointment.booked",
        _("Rendez-vous programmé"),
        _("adresseur et médecin traitant"),
        ("patient", "rendez_vous", "date"),
        _SHEET_7,
    ),
    NotificationKind(
        "appointment.changed",
        _("Rendez-vous modifié ou annulé"),
        _("adresseur et médecin traitant"),
        ("patient", "rendez_vous", "motif"),
        _SHEET_7,
    ),
    NotificationKind(
        "appointment.rebooked",
        _("Rendez-vous reprogrammé après une fermeture"),
        _("adresseur et médecin traitant"),
        ("patient", "rendez_vous", "motif"),
        _SHEET_7,
    ),
    NotificationKind(
        "appointment.rebooked_patient",
        _("Rendez-vous reprogrammé après une fermeture (au patient)"),
        _("patient"),
        ("date",),
        _SHEET_7,
        patient=True,
    ),
    NotificationKind(
        "pathway.first_diagnostic_day",
        _("Première journée de diagnostic faite (courrier)"),
        _("médecin traitant et adresseur"),
        ("patient", "date", "examens_faits", "prochaines_etapes"),
        "Seed 001, fiche 7 : courrier systématique au médecin traitant à l'issue de la première journée de diagnostic "
        "(Gustave Roussy)",
    ),
    NotificationKind(
        "tumour_board.decision",
        _("Décision de RCP"),
        _("médecin traitant et adresseur"),
        ("patient", "date", "decision"),
        _SHEET_7,
    ),
    NotificationKind(
        "board.meeting_cancelled",
        _("RCP annulée : dossier reporté à la réunion suivante"),
        _("coordination du guichet"),
        ("patient", "date", "motif"),
        "Seed 001, fiche 6 : sécuriser la préparation des RCP",
        staff=True,
    ),
    NotificationKind(
        "care_plan.sent",
        _("Programme personnalisé de soins (PPS)"),
        _("médecin traitant et adresseur"),
        ("patient", "date", "decision"),
        "Seed 001, fiche 7 : le PPS remis au patient et transmis aux professionnels qui le suivent",
    ),
    NotificationKind(
        "stay.admission",
        _("Admission"),
        _("médecin traitant et adresseur"),
        ("patient", "date", "lieu", "motif"),
        _SHEET_7,
    ),
    NotificationKind(
        "stay.transfer",
        _("Transfert"),
        _("médecin traitant et adresseur"),
        ("patient", "date", "lieu", "motif"),
        _SHEET_7,
    ),
    NotificationKind(
        "stay.discharge",
        _("Sortie"),
        _("médecin traitant et adresseur"),
        ("patient", "date", "lieu", "motif"),
        _SHEET_7,
    ),
    NotificationKind(
        "stay.death", _("Décès"), _("médecin traitant et adresseur"), ("patient", "date", "lieu"), _SHEET_7
    ),
    NotificationKind(
        "document.added",
        _("Nouveau document"),
        _("médecin traitant et adresseur"),
        ("patient", "document", "date"),
        _SHEET_7,
    ),
    NotificationKind(
        "pathway.closed",
        _("Parcours clôturé : retour au médecin traitant (compte rendu)"),
        _("médecin traitant et adresseur"),
        ("patient", "motif", "examens_faits", "decision"),
        "Seed 000 : retour accompagné avec compte rendu détaillé ; seed 001, fiche 7",
    ),
    NotificationKind("thread.reply", _("Message de la coordination"), _("adresseur et médecin traitant"), ("patient",)),
    NotificationKind(
        "teleexpertise.requested",
        _("Téléexpertise demandée"),
        _("spécialistes du service sollicité"),
        ("patient", "question", "echeance"),
        "Seed 001, fiche 1, action clé 3 : offre de téléexpertise",
    ),
    NotificationKind(
        "teleexpertise.answered",
        _("Téléexpertise : réponse du spécialiste"),
        _("médecin demandeur"),
        ("patient", "question", "reponse"),
        "Seed 001, fiche 1, action clé 3",
    ),
    NotificationKind(
        "teleexpertise.late",
        _("Téléexpertise : réponse en retard"),
        _("spécialistes du service sollicité"),
        ("patient", "echeance"),
        "Seed 001, fiche 1, action clé 3",
    ),
]
_ALERTS = "Seed 001, fiche 7 : rien ne se perd ; alertes sur les étapes en retard et les patients perdus de vue"
_KINDS += [
    NotificationKind(
        "alert.due_soon",
        _("Alerte : étape attendue bientôt"),
        _("coordination du guichet"),
        ("etape", "attendue_le"),
        _ALERTS,
        staff=True,
    ),
    NotificationKind(
        "alert.overdue",
        _("Alerte : étape en retard"),
        _("coordination du guichet"),
        ("etape", "attendue_le"),
        _ALERTS,
        staff=True,
    ),
    NotificationKind(
        "alert.lost_to_follow_up",
        _("Alerte : parcours sans activité"),
        _("coordination du guichet"),
        ("depuis",),
        _ALERTS,
        staff=True,
    ),
    NotificationKind(
        "alert.escalated",
        _("Escalade : étape toujours en retard"),
        _("responsables de l'organisation"),
        ("etape", "attendue_le"),
        _ALERTS,
        staff=True,
    ),
]
_PATHOLOGY = (
    "Seed 001, fiche 5, action clé 2 : résultat intermédiaire à J+4 au plus tard ; communication à J+2 ou J+3 en "
    "cas de biopsie non contributive pour organiser rapidement un nouveau prélèvement"
)
_KINDS += [
    NotificationKind(
        "pathology.non_contributive",
        _("Anatomopathologie : prélèvement non contributif, nouvelle biopsie à programmer"),
        _("coordination du guichet"),
        ("patient", "etape", "date"),
        _PATHOLOGY,
        staff=True,
    ),
    NotificationKind(
        "pathology.requested",
        _("Anatomopathologie : demande adressée"),
        _("anatomopathologiste destinataire"),
        ("patient", "etape", "attendue_le"),
        _PATHOLOGY,
    ),
    NotificationKind(
        "pathology.late",
        _("Anatomopathologie : résultat en retard"),
        _("anatomopathologiste et coordination du guichet"),
        ("patient", "etape", "attendue_le"),
        _PATHOLOGY,
    ),
]
KINDS: dict[str, NotificationKind] = {kind.code: kind for kind in _KINDS}


def kind(code: str) -> NotificationKind:
    return KINDS[code]
