"""Event kinds and their French labels for the timeline. Add a kind here when a service records a new fact."""

from django.utils.translation import gettext_lazy as _

EVENT_LABELS = {
    "referral.submitted": _("Demande reçue"),
    "referral.complement_requested": _("Complément demandé à l'adresseur"),
    "referral.completed": _("Complément apporté, demande remise dans la file"),
    "referral.accepted": _("Demande acceptée"),
    "referral.declined": _("Demande refusée"),
    "referral.redirected": _("Demande réorientée"),
    "referral.closed": _("Demande clôturée"),
    "referral.duplicate_linked": _("Demande liée à une autre demande ouverte du même patient"),
    "referral.document_added": _("Document ajouté"),
    "patient.identity_conflict_raised": _("Conflit d'identité : l'INS transmise est celle d'un autre patient aux traits différents"),
    "patient.identity_conflict_resolved": _("Conflit d'identité résolu par la coordination"),
    "patient.identity_corrected": _("Identité du patient corrigée par la coordination"),
    "patient.identity_status_changed": _("Statut de l'identité modifié par la coordination"),
    "referral.gp_confirmed": _("Médecin traitant confirmé par la coordination"),
    "care_team.granted": _("Membre ajouté à l'équipe de soins"),
    "care_team.ended": _("Membre retiré de l'équipe de soins"),
    "triage.overridden": _("Proposition des règles de tri modifiée par la coordination"),
    "pathway.started": _("Parcours démarré"),
    "milestone.recorded": _("Étape réalisée"),
    "milestone.corrected": _("Étape corrigée"),
    "milestone.skipped": _("Étape passée (sans objet)"),
    "pathway.outcome_malignant": _("Diagnostic : cancer confirmé"),
    "pathway.outcome_not_malignant": _("Diagnostic : lésion non maligne"),
    "pathway.closed": _("Parcours clôturé"),
    "task.done": _("Tâche faite"),
    "alert.acknowledged": _("Alerte prise en compte"),
    "appointment.booked": _("Rendez-vous réservé"),
    "appointment.cancelled": _("Rendez-vous annulé"),
    "pathway.first_diagnostic_day_done": _("Première journée de diagnostic faite : courrier au médecin traitant"),
    "stay.admission": _("Admission"),
    "stay.transfer": _("Transfert"),
    "stay.discharge": _("Sortie"),
    "stay.death": _("Décès"),
    "thread.message_posted": _("Message échangé entre le médecin et la coordination"),
    "teleexpertise.requested": _("Téléexpertise demandée"),
    "teleexpertise.answered": _("Téléexpertise : avis du spécialiste rendu"),
    "teleexpertise.converted": _("Téléexpertise orientée vers une demande de prise en soins"),
    "teleexpertise.late": _("Téléexpertise : réponse en retard"),
    "teleexpertise.withdrawn": _("Téléexpertise retirée par le médecin"),
}


def event_label(kind: str) -> str:
    return str(EVENT_LABELS.get(kind, kind))
