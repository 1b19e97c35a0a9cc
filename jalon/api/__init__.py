"""The public API (mounted at /api/v1/; FHIR comes later): one django-ninja instance, its default
authentication, its docs and its error handlers; each app adds its routes as a `ninja.Router` in its own
`api.py`, registered here.

Authentication is a bearer token (accounts.ApiToken) acting for its user, never beyond the user's own
rights: each route declares the token scope it needs (`ApiTokenAuth(scope=...)`); the default lets no
token in. Every error answers JSON `{"code", "message", "field", "errors"}` (`jalon.api.errors`).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from ninja import NinjaAPI, Swagger

from jalon.accounts.throttling import api_throttles
from jalon.accounts.tokens import ApiTokenAuth
from jalon.api.errors import install_error_handlers
from jalon.boards.api import router as boards_router
from jalon.diagnostics.api import router as diagnostics_router
from jalon.referrals.api import router as referrals_router

api = NinjaAPI(
    title="Jalon",
    version="1",
    urls_namespace="api",
    auth=ApiTokenAuth(scope=None),
    throttle=api_throttles(),
    # The docs and the schema are for logged-in users only; Swagger UI comes from Jalon's static files
    # ("ninja" in INSTALLED_APPS), and validates nothing against an outside server.
    docs=Swagger(settings={"validatorUrl": None}),
    docs_decorator=login_required,
    description=(
        "Demandes de prise en soins envoyées par d'autres logiciels ; lecture des réunions de RCP et des demandes "
        "d'anatomopathologie. Authentification : `Authorization: Bearer <jeton>`."
    ),
)
install_error_handlers(api)

api.add_router("", referrals_router)
api.add_router("", boards_router)
api.add_router("", diagnostics_router)
