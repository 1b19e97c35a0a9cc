"""Login, the role-based home, and the audit trail for managers and admins."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _

from jalon.accounts import forms
from jalon.accounts.access import Capability, capability_required, has_capability
from jalon.accounts.models import AuditRecord, Role
from jalon.accounts.psc import psc_enabled
from jalon.accounts.throttling import login_throttled

HOME_BY_ROLE = {
    Role.COORDINATOR: "coordination:worklist",
    Role.REFERRER: "portal:patients",
    Role.MANAGER: "accounts:audit",
    Role.ADMIN: "accounts:audit",
    Role.REGIONAL_ANALYST: "indicators:dashboard",
    Role.PATHOLOGIST: "diagnostics:pathology_worklist",
}

# The roles whose lists fill only as care happens: their home says what they will find there and when,
# instead of opening on an empty list (issue 14, item 7).
WELCOME_BY_ROLE = {
    Role.SPECIALIST: (
        _(
            "Les patients dont vous faites partie de l'équipe de soins apparaîtront dans « Mes patients » dès que la "
            "coordination vous ajoute à leur équipe ou qu'un rendez-vous est pris avec vous."
        ),
        _(
            "Les demandes de téléexpertise adressées à votre service apparaissent dans « Téléexpertise », et les "
            "demandes "
            "de prise en soins que vous envoyez (par exemple en orientant une téléexpertise) dans « Mes demandes »."
        ),
    ),
    Role.HOME_NURSE: (
        _(
            "Les patients que vous soignez apparaîtront dans « Mes patients » dès que la coordination vous ajoute à "
            "leur "
            "équipe de soins : vous y suivrez leur parcours et pourrez écrire à la coordination."
        ),
        _(
            "Vous pouvez aussi adresser un patient au guichet cancer depuis « Nouvelle demande » ; vos demandes sont "
            "suivies dans « Mes demandes »."
        ),
    ),
    Role.SUPPORT_PROVIDER: (
        _(
            "Quand la coordination vous ajoute à l'équipe de soins d'un patient orienté vers les soins de support, "
            "la page de ce patient vous est ouverte. Vous ne voyez que les patients dont vous faites partie de "
            "l'équipe "
            "de soins."
        ),
        _("Les messages qui vous sont adressés arrivent dans votre messagerie."),
    ),
}


@method_decorator(login_throttled, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = forms.LoginForm
    redirect_authenticated_user = True
    extra_context = {"title": _("Connexion")}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "psc_enabled": psc_enabled()}


@login_required
def home(request):
    """The role's landing page: its list, or for the roles in WELCOME_BY_ROLE a page saying what comes and when."""
    welcome = WELCOME_BY_ROLE.get(request.user.role)
    if welcome is None:
        return redirect(HOME_BY_ROLE.get(request.user.role, "accounts:login"))
    return render(request, "accounts/home.html", {"welcome": welcome})  # its links: the menu (nav_items)


@login_required
@capability_required(Capability.READ_AUDIT)
def audit_trail(request):
    """Browse the audit by patient (its id or a referral reference) or by actor (username)."""
    form = forms.AuditFilterForm(request.GET or None)
    records = AuditRecord.objects.select_related("patient", "actor").order_by("-at", "-id")
    if not has_capability(request.user, Capability.READ_AUDIT_REGION):
        # A manager sees the trail of their own organisations' people and patients, not the whole region's.
        organization_ids = request.user.organization_ids()
        records = records.filter(
            Q(actor__professional__memberships__organization_id__in=organization_ids)
            | Q(patient__care_team__organization_id__in=organization_ids)
        ).distinct()
    if form.is_valid():
        records = form.filter(records)
    page = Paginator(records, 100).get_page(request.GET.get("page"))
    return render(request, "accounts/audit.html", {"form": form, "page": page})
