"""Re-authentication before sensitive actions (publishing rules, templates or notification texts,
changing roles, exporting rows): the password again when the last proof is older than
REAUTH_MAX_AGE_SECONDS.

A GET (an export) goes to « Confirmez votre mot de passe » and comes back to the same address. A POST
is kept, not lost: its fields (not its files: no sensitive form has any; not a password, which is
typed again) wait in the session, and once
the password is confirmed the page shows what was about to be sent with one button that sends it
again (the user re-submits; nothing is done without that click). The session, not the URL, carries
the fields, and the confirmation page only ever sends them to the address they came from.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from jalon.accounts.sessions import AUTH_AT, htmx_page_path, now_seconds
from jalon.core.redirects import local_path

PENDING_POST = "jalon_reauth_pending_post"
KEPT_FIELDS_MAX = 200


def auth_is_recent(request) -> bool:
    """True when this session proved its password less than REAUTH_MAX_AGE_SECONDS ago."""
    proved_at = request.session.get(AUTH_AT)
    return proved_at is not None and now_seconds() - proved_at < settings.REAUTH_MAX_AGE_SECONDS


def mark_authenticated(request) -> None:
    request.session[AUTH_AT] = now_seconds()


def _referring_page(request) -> str | None:
    """The page the user acted from (the Referer), when it is a page of this site."""
    referer = request.META.get("HTTP_REFERER", "")
    if not referer:
        return None
    parts = urlsplit(referer)
    if parts.netloc and parts.netloc != request.get_host():
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return local_path(request, path)


def _keepable(field_name: str) -> bool:
    """Kept for sending again: anything but the CSRF token and passwords (never stored in a session)."""
    return field_name != "csrfmiddlewaretoken" and "password" not in field_name.lower()


def _ask_password(request):
    if request.method in ("GET", "HEAD"):
        back = htmx_page_path(request) if request.htmx else request.get_full_path()
        request.session.pop(PENDING_POST, None)
    else:
        back = htmx_page_path(request) or _referring_page(request) or reverse("accounts:home")
        fields = [(name, value) for name, values in request.POST.lists() if _keepable(name) for value in values]
        request.session[PENDING_POST] = {
            "action": request.get_full_path(),
            "back": back,
            "fields": fields[:KEPT_FIELDS_MAX],
        }
    url = f"{reverse('accounts:reauth')}?{urlencode({'next': back})}"
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def recent_auth_required(view=None, *, when=None):
    """View decorator: ask for the password again unless it was proved recently.

    Put it under the login and role decorators (outsiders get their 403/404, not a password prompt).
    `when(request)` narrows it to some requests (« publish » but not « preview » on the same page).
    """

    def decorator(view_func):
        @wraps(view_func)
        def wrapper(request, *args, **kwargs):
            if request.user.is_authenticated and (when is None or when(request)) and not auth_is_recent(request):
                return _ask_password(request)
            return view_func(request, *args, **kwargs)

        wrapper.recent_auth_required = True
        return wrapper

    return decorator(view) if view is not None else decorator


def is_post(request) -> bool:
    return request.method == "POST"


def pop_pending_post(request) -> dict | None:
    """The POST kept before the confirmation, if its address is still a page of this site."""
    pending = request.session.pop(PENDING_POST, None)
    if not isinstance(pending, dict) or not local_path(request, pending.get("action", "")):
        return None
    return pending
