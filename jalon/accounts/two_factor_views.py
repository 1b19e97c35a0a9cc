"""The second factor's pages: the code after the password, enrolment, recovery codes, the account's page."""

from __future__ import annotations

from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_static.models import StaticToken

from jalon.accounts import two_factor
from jalon.accounts.two_factor_forms import EnrolmentForm, RemovalForm, RenewalForm, SecondFactorForm
from jalon.core.actor import Actor
from jalon.core.redirects import local_path

RECOVERY_CODES_ONCE = "jalon_recovery_codes_once"


def _next(request) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    return local_path(request, wanted) or reverse("accounts:home")


def _passed(request, method: str) -> None:
    # A new session key once the second factor is passed: a key seen before it is worth nothing after.
    request.session.cycle_key()
    two_factor.session_mark_second_factor(request.session, method)


@login_required
def verify(request):
    """After the password: a TOTP code or a recovery code before anything else."""
    if two_factor.session_passed_second_factor(request.session):
        return redirect(_next(request))
    if not two_factor.has_second_factor(request.user):
        if two_factor.two_factor_required(request.user):
            return redirect("accounts:two_factor_enrol")
        return redirect(_next(request))
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = two_factor.second_factor_verify(actor=Actor.from_request(request), code=form.cleaned_data["code"])
        except two_factor.SecondFactorError as error:
            form.add_error("code", str(error))
        else:
            _passed(request, result.method)
            if result.recovery_codes_left is not None:
                messages.warning(
                    request,
                    _("Code de secours utilisé : il vous en reste %(count)d. Chaque code ne sert qu'une fois.")
                    % {"count": result.recovery_codes_left},
                )
            return redirect(_next(request))
    return render(
        request,
        "accounts/two_factor_verify.html",
        {"form": form, "next": _next(request), "title": _("Vérification en deux étapes")},
    )


def _qr_code_svg(device) -> str:
    qr = segno.make(device.config_url, error="m")
    svg = qr.svg_inline(scale=5, border=4, dark="#000", light="#fff", omitsize=False)
    return mark_safe(svg)


@login_required
def enrol(request):
    """Enrolment: the QR code and the secret in text, confirmed by a first code; required roles cannot skip it."""
    if two_factor.has_second_factor(request.user):
        if two_factor.session_passed_second_factor(request.session):
            return redirect("accounts:two_factor")
        return redirect("accounts:two_factor_verify")
    actor = Actor.from_request(request)
    device = two_factor.totp_device_start(actor=actor)
    form = EnrolmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = two_factor.totp_device_confirm(actor=actor, device_id=device.pk, code=form.cleaned_data["code"])
        except two_factor.SecondFactorError as error:
            form.add_error("code", str(error))
        else:
            _passed(request, two_factor.SecondFactorMethod.ENROLMENT)
            request.session[RECOVERY_CODES_ONCE] = codes
            return redirect(reverse("accounts:two_factor_recovery_codes") + "?" + urlencode({"next": _next(request)}))
    context = {
        "form": form,
        "qr_code": _qr_code_svg(device),
        "secret": two_factor.secret_text(device),
        "required": two_factor.two_factor_required(request.user),
        "next": _next(request),
        "title": _("Activer la double authentification"),
    }
    return render(request, "accounts/two_factor_enrol.html", context)


@login_required
def recovery_codes(request):
    """The recovery codes, shown once right after enrolment."""
    codes = request.session.pop(RECOVERY_CODES_ONCE, None)
    if not codes:
        messages.info(request, _("Les codes de secours ne s'affichent qu'une fois, juste après l'activation."))
        return redirect("accounts:two_factor")
    return render(
        request,
        "accounts/two_factor_recovery_codes.html",
        {"codes": codes, "next": _next(request), "title": _("Vos codes de secours")},
    )


def _account_context(request, removal_form=None, renewal_form=None):
    user = request.user
    enabled = two_factor.has_second_factor(user)
    left = StaticToken.objects.filter(device__user=user, device__confirmed=True).count() if enabled else 0
    required = two_factor.two_factor_required(user)
    return {
        "enabled": enabled,
        "required": required,
        "recovery_codes_left": left,
        "removal_form": removal_form or (RemovalForm() if enabled and not required else None),
        "renewal_form": renewal_form or (RenewalForm() if enabled else None),
        "title": _("Double authentification"),
    }


@login_required
def account(request):
    """The account's second factor: its state, enrolment, and removal when the role does not require one."""
    return render(request, "accounts/two_factor.html", _account_context(request))


@login_required
@require_POST
def remove(request):
    form = RemovalForm(request.POST)
    if form.is_valid():
        try:
            two_factor.totp_device_remove(actor=Actor.from_request(request), code=form.cleaned_data["code"])
        except two_factor.SecondFactorError as error:
            form.add_error("code", str(error))
        else:
            messages.success(request, _("La double authentification est désactivée pour votre compte."))
            return redirect("accounts:two_factor")
    return render(request, "accounts/two_factor.html", _account_context(request, removal_form=form), status=400)


@login_required
@require_POST
def renew_recovery_codes(request):
    """New recovery codes after a code, shown once like at enrolment."""
    form = RenewalForm(request.POST)
    if form.is_valid():
        try:
            codes = two_factor.recovery_codes_renew(actor=Actor.from_request(request), code=form.cleaned_data["code"])
        except two_factor.SecondFactorError as error:
            form.add_error("code", str(error))
        else:
            request.session[RECOVERY_CODES_ONCE] = codes
            return redirect(
                reverse("accounts:two_factor_recovery_codes")
                + "?"
                + urlencode({"next": reverse("accounts:two_factor")})
            )
    return render(request, "accounts/two_factor.html", _account_context(request, renewal_form=form), status=400)
