"""Session policy: idle expiry counted on real requests only, an absolute lifetime, and htmx-aware expiry.

Django's own expiry pushes the session forward on every saved request, so a worklist left open and
polled every 15 seconds would never expire. Instead the session carries three timestamps (seconds
since the epoch): when the user logged in, when they last proved their password (re-authentication,
see `reauth.py`), and when they last did something. A background poll (a GET carrying the
`X-Jalon-Poll: 1` header, which every `hx-trigger="every …"` element sends) is served but neither
refreshes the activity nor saves the session. Both limits are checked on every request here, so they
hold whatever the session backend and however many app servers share it.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from jalon.core.redirects import local_path

logger = logging.getLogger(__name__)

LOGIN_AT = "jalon_login_at"
AUTH_AT = "jalon_auth_at"
ACTIVE_AT = "jalon_active_at"
POLL_HEADER = "HTTP_X_JALON_POLL"
# The activity stamp (and so the session row) is rewritten at most once a minute, not on every
# request: the idle limit is exact to within this, and a page's queries do not depend on timing.
ACTIVITY_RESOLUTION_SECONDS = 60


def now_seconds() -> int:
    return int(time.time())


def is_poll(request) -> bool:
    """A background refresh (not something the user did): a GET or HEAD sent with `X-Jalon-Poll: 1`."""
    return request.method in ("GET", "HEAD") and request.META.get(POLL_HEADER) == "1"


def expiry_reason(session, now: int) -> str | None:
    """« absolute » or « idle » when this logged-in session is over, else None."""
    login_at = session.get(LOGIN_AT)
    active_at = session.get(ACTIVE_AT)
    if login_at is not None and now - login_at >= settings.SESSION_ABSOLUTE_SECONDS:
        return "absolute"
    if active_at is not None and now - active_at >= settings.SESSION_COOKIE_AGE:
        return "idle"
    return None


def session_ends_at(session) -> int | None:
    """When this session ends if the user does nothing more (the idle or the absolute limit, the sooner; a
    Unix time), or None when it carries no stamp."""
    ends = []
    if (login_at := session.get(LOGIN_AT)) is not None:
        ends.append(login_at + settings.SESSION_ABSOLUTE_SECONDS)
    if (active_at := session.get(ACTIVE_AT)) is not None:
        ends.append(active_at + settings.SESSION_COOKIE_AGE)
    return min(ends) if ends else None


@receiver(user_logged_in, dispatch_uid="jalon_session_stamps")
def stamp_login(sender, request, user, **kwargs):
    """At login: the session starts, the password was just proved, the user is active."""
    session = getattr(request, "session", None)
    if session is None:
        return
    now = now_seconds()
    session[LOGIN_AT] = session[AUTH_AT] = session[ACTIVE_AT] = now


def login_url_for(request, next_path: str | None) -> str:
    login_path = resolve_url(settings.LOGIN_URL)
    return f"{login_path}?{urlencode({'next': next_path})}" if next_path else login_path


def htmx_page_path(request) -> str | None:
    """The path of the page an htmx request comes from (HX-Current-URL), when it is a page of this site."""
    current = request.htmx.current_url_abs_path if getattr(request, "htmx", False) else None
    return local_path(request, current) if current else None


class SessionPolicyMiddleware:
    """Ends sessions idle or too old; keeps polls from extending them; sends htmx requests to the login page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            self._apply_policy(request)
        response = self.get_response(request)
        return self._htmx_to_login(request, response)

    def _apply_policy(self, request) -> None:
        session = request.session
        now = now_seconds()
        if LOGIN_AT not in session:
            # A session opened before this policy: it starts now.
            session[LOGIN_AT] = session[ACTIVE_AT] = now
        reason = expiry_reason(session, now)
        if reason is not None:
            logger.info("session ended (%s) for user %s", reason, request.user.pk)
            logout(request)
            if reason == "absolute":
                messages.info(request, _("Votre session a atteint sa durée maximale : reconnectez-vous."))
            else:
                messages.info(request, _("Votre session a expiré après une période d'inactivité : reconnectez-vous."))
            return
        if not is_poll(request) and now - session.get(ACTIVE_AT, 0) >= ACTIVITY_RESOLUTION_SECONDS:
            session[ACTIVE_AT] = now

    def _htmx_to_login(self, request, response):
        """An htmx request answered by a redirect to the login page: the whole page goes there instead
        of the login form being swapped into a fragment."""
        if not getattr(request, "htmx", False) or response.status_code not in (301, 302, 303, 307, 308):
            return response
        login_path = resolve_url(settings.LOGIN_URL)
        location = response.get("Location", "")
        if location != login_path and not location.startswith(login_path + "?"):
            return response
        client_redirect = HttpResponseClientRedirect(login_url_for(request, htmx_page_path(request)))
        for cookie in response.cookies.values():
            client_redirect.cookies[cookie.key] = cookie
        return client_redirect
