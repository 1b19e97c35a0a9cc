"""The site's menu: each entry is shown to whoever may reach its route (access.ROUTE_RULES), so the menu
holds no role list of its own. The context processor that puts it on every page, with the in-app inbox
and its unread count, is `jalon.messaging.context_processors.navigation`."""

import functools

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jalon.accounts.access import capabilities_of, route_rule, rule_admits

# The menu, in order.
MENU = [
    ("coordination:worklist", _("File des demandes")),
    ("pathways_alerts:list", _("Alertes")),
    ("referrals:phone_intake", _("Saisie d'un appel")),
    ("mailin:list", _("Courriels reçus")),
    ("scheduling:availability", _("Disponibilités")),
    ("boards:list", _("RCP")),
    ("boards:manage", _("Gestion des RCP")),
    ("portal:patients", _("Mes patients")),
    ("referrals:mine", _("Mes demandes")),
    ("referrals:new", _("Nouvelle demande")),
    ("teleexpertise:list", _("Téléexpertise")),
    ("diagnostics:pathology_worklist", _("Anatomopathologie")),
    ("pathway_templates:list", _("Modèles de parcours")),
    ("triage_rules:published", _("Règles de tri")),
    ("accounts:audit", _("Journal d'audit")),
    ("notifications:templates", _("Modèles de messages")),
    ("indicators:dashboard", _("Indicateurs")),
    ("admin:index", _("Administration")),  # Django's admin site: staff only (its route rule is STAFF)
]


def menu_items(user) -> list[tuple[str, str]]:
    """The menu entries (URL name, label) the user's role gives (templates never test roles themselves)."""
    authenticated = bool(getattr(user, "is_authenticated", False))
    return list(_menu_for(authenticated, authenticated and user.is_staff, capabilities_of(user)))


@functools.cache
def _menu_for(authenticated: bool, is_staff: bool, capabilities: frozenset) -> tuple[tuple[str, str], ...]:
    """The menu for what a route rule reads of a user (accounts.access.rule_admits), worked out once per
    process and combination."""
    return tuple(
        (name, label)
        for name, label in MENU
        if rule_admits(route_rule(name), authenticated=authenticated, is_staff=is_staff, capabilities=capabilities)
    )


@functools.cache
def menu_url(url_name: str) -> str:
    """The address of a menu entry (its route takes no argument), reversed once per process."""
    return reverse(url_name)
