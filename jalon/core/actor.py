"""Who is acting, and from where: passed from a view or an API route to every service."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest


@dataclass(frozen=True)
class Actor:
    user: object  # jalon.accounts.models.User (kept untyped to avoid an import cycle)
    ip_address: str | None = None
    path: str = ""
    channel: str = "web"

    @classmethod
    def from_request(cls, request: HttpRequest, *, channel: str = "web") -> Actor:
        return cls(
            user=request.user, ip_address=client_ip(request), path=request.get_full_path()[:300], channel=channel
        )

    @classmethod
    def system(cls, user=None) -> Actor:
        """The worker or a management command acting (user None: Jalon itself)."""
        return cls(user=user, channel="system")


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR; behind a trusted proxy (SECURE_PROXY_SSL_HEADER set) the first X-Forwarded-For."""
    from django.conf import settings

    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None
