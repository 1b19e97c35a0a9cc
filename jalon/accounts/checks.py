"""Deploy checks of the strong login: the second factor required, Pro Santé Connect over HTTPS."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def strong_login_checks(app_configs, **kwargs):
    problems = []
    if not settings.JALON_REQUIRE_2FA:
        problems.append(
            Warning(
                "JALON_REQUIRE_2FA is off: coordinators, managers and admins may log in with a password only.",
                hint="Leave JALON_REQUIRE_2FA unset (on) outside the demo of `make run`.",
                id="jalon.W201",
            )
        )
    if settings.PSC_ISSUER and not settings.PSC_ISSUER.startswith("https://"):
        problems.append(Error("PSC_ISSUER must be an https:// address.", id="jalon.E202"))
    return problems
