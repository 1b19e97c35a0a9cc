"""Response headers every dynamic answer of Jalon carries."""

from __future__ import annotations

from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every page, file and API answer Jalon computes.

    Pages, documents, letters, calendar files and exports carry patient data: no browser or proxy may
    keep a copy (a shared workstation's back button, a proxy's disk). Static assets never reach this
    middleware (WhiteNoise answers them first, with its own long-lived caching), so the rule is simply
    « everything else », which a new view cannot forget.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Cache-Control" in response:
            del response["Cache-Control"]
        add_never_cache_headers(response)
        return response
