"""Messages the pathway sends: the closing report to the GP (letters as PDF come with messaging)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from jalon.messaging.models import Channel
from jalon.messaging.services import outbox_enqueue
from jalon.pathways.models import MilestoneStatus


def queue_closing_report(*, pathway, event, note: str) -> None:
    """Queue the closing report to the GP (or the referrer when the GP is unknown), in the caller's transaction."""
    referral = pathway.referral
    recipient = referral.gp or referral.referrer
    address = recipient.mssante_address or recipient.email
    if not address:
        return
    done = pathway.milestones.filter(status=MilestoneStatus.DONE).order_by("done_at")
    lines = [f"- {m.label} : {date_format(timezone.localtime(m.done_at), 'j F Y')}" for m in done]
    body = _(
        "Bonjour,\n\nLe bilan de votre patient·e (demande %(reference)s) conclut à une lésion non maligne. "
        "Le parcours de diagnostic rapide est clôturé et le suivi vous revient.\n\nÉtapes réalisées :\n%(steps)s\n\n"
        "Conclusion de l'équipe : %(note)s\n\nLe compte rendu détaillé est consultable dans Jalon.\n"
    ) % {"reference": referral.reference, "steps": "\n".join(lines) or "-", "note": note or "-"}
    outbox_enqueue(
        idempotency_key=f"event-{event.pk}-closing-report",
        channel=Channel.MSSANTE if recipient.mssante_address else Channel.EMAIL,
        recipient_address=address,
        recipient_professional_id=recipient.pk,
        subject=_("Demande %(reference)s : bilan non malin, retour au médecin traitant") % {"reference": referral.reference},
        body=body,
        patient_id=pathway.patient_id,
        event_id=event.pk,
    )
