from django.utils.translation import gettext_lazy as _

from jalon.accounts.access import CLINICAL_ROLES, INDICATOR_ROLES
from jalon.accounts.models import Role
from jalon.messaging.models import Channel, OutboxMessage


def navigation(request):
    """The menu entries the user's role gives (templates never test roles themselves)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    if user.role == Role.COORDINATOR:
        items += [
            ("referrals:worklist", _("File des demandes")),
            ("pathways_alerts:list", _("Alertes")),
            ("referrals:phone_intake", _("Saisie d'un appel")),
            ("mailin:list", _("Courriels reçus")),
            ("scheduling:availability", _("Disponibilités")),
        ]
    if user.role in (Role.REFERRER, Role.SPECIALIST, Role.HOME_NURSE):
        items += [("portal:patients", _("Mes patients"))]
    if user.role in (Role.REFERRER, Role.SPECIALIST, Role.HOME_NURSE, Role.SUPPORT_PROVIDER):
        items += [("referrals:mine", _("Mes demandes"))]
    if user.role in (Role.REFERRER, Role.SPECIALIST, Role.HOME_NURSE):
        items += [("referrals:new", _("Nouvelle demande"))]
    if user.role in (Role.REFERRER, Role.SPECIALIST):
        items += [("teleexpertise:list", _("Téléexpertise"))]
    if user.role in (Role.MANAGER, Role.ADMIN):
        items += [
            ("pathway_templates:list", _("Modèles de parcours")),
            ("triage_rules:published", _("Règles de tri")),
            ("accounts:audit", _("Journal d'audit")),
            ("notifications:templates", _("Modèles de messages")),
        ]
    if user.role in INDICATOR_ROLES:
        items += [("indicators:dashboard", _("Indicateurs"))]
    # Managers and admins get in-app messages too (a text published by another manager, escalations).
    if (user.role in CLINICAL_ROLES and user.professional_id) or user.role in (Role.MANAGER, Role.ADMIN):
        unread = OutboxMessage.objects.filter(channel=Channel.IN_APP, recipient_user=user, read_at__isnull=True).count()
        label = _("Notifications (%(count)s)") % {"count": unread} if unread else _("Notifications")
        items += [("notifications:inbox", label)]
    return {"nav_items": items}
