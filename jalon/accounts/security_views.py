"""The user's own security pages: confirming the password before a sensitive action, changing it."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from jalon.accounts.forms import ReauthForm
from jalon.accounts.password_services import user_password_change
from jalon.accounts.reauth import mark_authenticated, pop_pending_post
from jalon.accounts.throttling import login_throttled
from jalon.core.actor import Actor
from jalon.core.redirects import local_path


@sensitive_post_parameters("password")
@login_required
@require_http_methods(["GET", "POST"])
@login_throttled
def reauth(request):
    """« Confirmez votre mot de passe »: then back to the action (a kept POST is offered to send again)."""
    next_path = local_path(request, request.POST.get("next") or request.GET.get("next", "")) or reverse("accounts:home")
    form = ReauthForm(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        mark_authenticated(request)
        pending = pop_pending_post(request)
        if pending is not None and pending.get("back") == next_path:
            return render(
                request,
                "accounts/reauth_resubmit.html",
                {"pending": pending, "next": next_path, "title": _("Mot de passe confirmé")},
            )
        return redirect(next_path)
    status = 400 if form.errors else 200
    context = {
        "form": form,
        "next": next_path,
        "title": _("Confirmez votre mot de passe"),
        "reauth_minutes": settings.REAUTH_MAX_AGE_SECONDS // 60,
    }
    return render(request, "accounts/reauth.html", context, status=status)


@method_decorator(login_throttled, name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's page (old password, new one twice, every validator), saved through the audited service."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")
    extra_context = {"title": _("Changer de mot de passe")}

    def form_valid(self, form):
        user_password_change(
            actor=Actor.from_request(self.request), user=form.user, new_password=form.cleaned_data["new_password1"]
        )
        # This session stays logged in (the others end: their hash no longer matches); the old password was just proved.
        update_session_auth_hash(self.request, form.user)
        mark_authenticated(self.request)
        return HttpResponseRedirect(self.get_success_url())

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"
    extra_context = {"title": _("Mot de passe modifié")}
