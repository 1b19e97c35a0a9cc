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
}


def event_label(kind: str) -> str:
    return str(EVENT_LABELS.get(kind, kind))
