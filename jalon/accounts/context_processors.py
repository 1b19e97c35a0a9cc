from django.utils.translation import gettext_lazy as _

from jalon.accounts.models import Role


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
            ("scheduling:availability", _("Disponibilités")),
        ]
    if user.role in (Role.REFERRER, Role.SPECIALIST, Role.HOME_NURSE, Role.SUPPORT_PROVIDER):
        items += [("referrals:mine", _("Mes demandes"))]
    if user.role in (Role.REFERRER, Role.SPECIALIST, Role.HOME_NURSE):
        items += [("referrals:new", _("Nouvelle demande"))]
    if user.role in (Role.MANAGER, Role.ADMIN):
        items += [
            ("pathway_templates:list", _("Modèles de parcours")),
            ("triage_rules:published", _("Règles de tri")),
            ("accounts:audit", _("Journal d'audit")),
        ]
    return {"nav_items": items}
