"""Login with Pro Santé Connect: the redirect to the provider and its answer."""

from __future__ import annotations

from django.contrib.auth import login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from jalon.accounts import psc, two_factor
from jalon.accounts.audit import audit
from jalon.accounts.models import AuditAction
from jalon.core.actor import Actor


def _refusal(request, message: str):
    return render(
        request, "accounts/psc_refused.html", {"message": message, "title": _("Connexion refusée")}, status=403
    )


def psc_login(request):
    """Send the browser to Pro Santé Connect (404 when Jalon is not configured for it)."""
    if not psc.psc_enabled():
        raise Http404
    if request.method != "POST":
        return redirect("accounts:login")
    if request.user.is_authenticated and two_factor.session_passed_second_factor(request.session):
        return redirect("accounts:home")
    try:
        return psc.psc_authorize_redirect(
            request, redirect_uri=request.build_absolute_uri(reverse("accounts:psc_callback"))
        )
    except psc.ProSanteConnectRefusal as refusal:
        return _refusal(request, str(refusal))


def psc_callback(request):
    """The provider's answer: checked, mapped to a user by RPPS, then logged in with the second factor passed."""
    if not psc.psc_enabled():
        raise Http404
    try:
        user = psc.psc_user_from_callback(request)
    except psc.ProSanteConnectRefusal as refusal:
        return _refusal(request, str(refusal))
    login(request, user, backend="jalon.accounts.backends.UserWithProfessionalBackend")
    # PSC is itself strong authentication (e-CPS or CPS card): it stands for Jalon's second factor.
    two_factor.session_mark_second_factor(request.session, two_factor.SecondFactorMethod.PRO_SANTE_CONNECT)
    audit(
        Actor.from_request(request),
        action=AuditAction.CREATE,
        patient_id=None,
        object_type="login_pro_sante_connect",
        object_id=user.pk,
    )
    return redirect("accounts:home")
