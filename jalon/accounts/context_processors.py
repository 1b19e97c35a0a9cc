from django.utils.translation import gettext_lazy as _

from jalon.accounts.access import may_reach_route, reads_in_app_messages, route_rule
from jalon.messaging.models import Channel, OutboxMessage

# The menu, in order. Each entry is shown to whoever may reach its route (access.ROUTE_RULES): the menu
# holds no role list of its own.
MENU = [
    ("coordination:worklist", _("File des demandes")),
    ("pathways_alerts:list", _("Alertes")),
    ("referrals:phone_intake", _("Saisie d'un appel")),
    ("mailin:list", _("Courriels reçus")),
    ("scheduling:availability", _("Disponibilités")),
    ("portal:patients", _("Mes patients")),
    ("referrals:mine", _("Mes demandes")),
    ("referrals:new", _("Nouvelle demande")),
    ("teleexpertise:list", _("Téléexpertise")),
    ("pathway_templates:list", _("Modèles de parcours")),
    ("triage_rules:published", _("Règles de tri")),
    ("accounts:audit", _("Journal d'audit")),
    ("notifications:templates", _("Modèles de messages")),
    ("indicators:dashboard", _("Indicateurs")),
]


def navigation(request):
    """The menu entries the user's role gives (templates never test roles themselves)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [(name, label) for name, label in MENU if may_reach_route(user, route_rule(name))]
    if reads_in_app_messages(user):
        unread = OutboxMessage.objects.filter(channel=Channel.IN_APP, recipient_user=user, read_at__isnull=True).count()
        label = _("Notifications (%(count)s)") % {"count": unread} if unread else _("Notifications")
        items += [("notifications:inbox", label)]
    return {"nav_items": items}
