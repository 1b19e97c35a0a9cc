"""Holds a logged-in session at the second factor: its code, or enrolment when the role requires one."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse

from jalon.accounts.two_factor import (
    has_second_factor,
    session_knows_second_factor_not_needed,
    session_mark_second_factor_not_needed,
    session_passed_second_factor,
    two_factor_required,
)

# The pages a session may reach before its second factor: logging in or out, the code, enrolment.
OPEN_BEFORE_SECOND_FACTOR = frozenset(
    {
        "accounts:login",
        "accounts:logout",
        "accounts:two_factor_verify",
        "accounts:two_factor_enrol",
        "accounts:psc_login",
        "accounts:psc_callback",
    }
)


class SecondFactorMiddleware:
    """After a password login, nothing but the second-factor pages until the session passed it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or session_passed_second_factor(request.session):
            return self.get_response(request)
        if session_knows_second_factor_not_needed(request.session, user):
            return self.get_response(request)
        try:
            view_name = resolve(request.path_info).view_name
        except Resolver404:
            return self.get_response(request)
        if view_name in OPEN_BEFORE_SECOND_FACTOR:
            return self.get_response(request)
        if has_second_factor(user):
            target = "accounts:two_factor_verify"
        elif two_factor_required(user):
            target = "accounts:two_factor_enrol"
        else:
            session_mark_second_factor_not_needed(request.session, user)
            return self.get_response(request)
        url = reverse(target)
        # django-htmx's middleware runs later: read the header itself.
        htmx = request.headers.get("HX-Request") == "true"
        if request.method == "GET" and not htmx:
            url += "?" + urlencode({"next": request.get_full_path()})
        if htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)
