"""Where a form may send the user back to: only a page of this site."""

from __future__ import annotations

from django.utils.http import url_has_allowed_host_and_scheme


def local_path(request, wanted: str) -> str | None:
    """`wanted` if it is a path on this site (« /mes-patients/… »), else None.

    `url_has_allowed_host_and_scheme` alone takes « x » or « 0 » as relative URLs, which `redirect()`
    then tries to reverse as view names (an error, not a redirect); a path must start with one slash.
    """
    if not wanted or not wanted.startswith("/") or wanted.startswith("//"):
        return None
    if not url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    return wanted
