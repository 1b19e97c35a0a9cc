"""Pro Santé Connect: OpenID Connect login of health professionals (e-CPS or CPS card), mapped by RPPS.

Authlib runs the authorisation code flow with PKCE (S256), state and nonce kept in the session, and
checks the ID token (signature against the provider's JWKS, issuer, audience, expiry, nonce). Jalon adds
that a nonce serves once, that the userinfo answer is about the same subject, and the RPPS → user map.
No account is ever created: an unknown RPPS is refused.
"""

from __future__ import annotations

import hashlib
import logging
import time

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _
from joserfc.errors import JoseError

from jalon.accounts.models import User

logger = logging.getLogger(__name__)
LEEWAY_SECONDS = 60
# What the provider or the network may throw at us: each one is a refused login, never a 500.
PROVIDER_ERRORS = (OAuthError, JoseError, requests.RequestException, ValueError, KeyError, TypeError)


class ProSanteConnectRefusal(Exception):
    """A PSC login refused: the message is French and shown as is."""


def psc_enabled() -> bool:
    return bool(settings.PSC_ISSUER and settings.PSC_CLIENT_ID and settings.PSC_CLIENT_SECRET)


def psc_client():
    """An Authlib client for the configured provider (built per login: settings may change, logins are rare)."""
    oauth = OAuth()
    return oauth.register(
        name="psc",
        client_id=settings.PSC_CLIENT_ID,
        client_secret=settings.PSC_CLIENT_SECRET,
        server_metadata_url=f"{settings.PSC_ISSUER}/.well-known/openid-configuration",
        client_kwargs={
            "scope": settings.PSC_SCOPES,
            "code_challenge_method": "S256",
            "default_timeout": settings.PSC_TIMEOUT_SECONDS,
        },
    )


def psc_authorize_redirect(request, *, redirect_uri: str):
    """The redirect to the provider's authorisation page (state, nonce and PKCE verifier kept in the session)."""
    extra = {"acr_values": settings.PSC_ACR_VALUES} if settings.PSC_ACR_VALUES else {}
    try:
        return psc_client().authorize_redirect(request, redirect_uri, **extra)
    except PROVIDER_ERRORS as error:
        logger.warning("Pro Santé Connect unreachable: %r", error)
        raise ProSanteConnectRefusal(
            _(
                "Pro Santé Connect ne répond pas pour le moment : réessayez plus tard ou connectez-vous avec votre "
                "identifiant."
            )
        ) from error


def _nonce_used_once(claims) -> bool:
    """True the first time an ID token's nonce is seen, False on any replay (kept until the token expires)."""
    nonce = claims.get("nonce") or ""
    lifetime = max(int(claims.get("exp", 0) - time.time()) + LEEWAY_SECONDS, 1)
    return cache.add("psc-nonce:" + hashlib.sha256(nonce.encode()).hexdigest(), 1, timeout=lifetime)


def rpps_from_claim(value) -> str | None:
    """The RPPS of PSC's national identifier: "8" followed by the 11-digit RPPS, or the 11 digits alone."""
    text = str(value or "").strip()
    if len(text) == 12 and text.startswith("8"):
        text = text[1:]
    return text if len(text) == 11 and text.isascii() and text.isdigit() else None


def psc_user_from_callback(request) -> User:
    """The active Jalon user the provider's answer names, after every check; raises ProSanteConnectRefusal."""
    refused = _(
        "La connexion avec Pro Santé Connect a échoué : aucune connexion n'a été ouverte. Réessayez depuis la page de "
        "connexion."
    )
    client = psc_client()
    try:
        metadata = client.load_server_metadata()
        if metadata.get("issuer") != settings.PSC_ISSUER:
            raise OAuthError(description="discovery document of another issuer")
        # Authlib checks the audience only through azp unless told: the ID token must name Jalon's client id.
        claims_options = {
            "iss": {"essential": True, "value": settings.PSC_ISSUER},
            "aud": {"essential": True, "value": settings.PSC_CLIENT_ID},
        }
        token = client.authorize_access_token(request, leeway=LEEWAY_SECONDS, claims_options=claims_options)
        claims = token.get("userinfo")
        if not claims or not claims.get("sub"):
            raise OAuthError(description="no ID token")
        if not _nonce_used_once(claims):
            raise OAuthError(description="nonce replayed")
        identity = dict(claims)
        if metadata.get("userinfo_endpoint"):
            userinfo = client.userinfo(token=token)
            if userinfo.get("sub") != claims["sub"]:
                raise OAuthError(description="userinfo about another subject")
            identity = {**userinfo, **claims}
    except PROVIDER_ERRORS as error:
        logger.warning("Pro Santé Connect login refused: %r", error)
        raise ProSanteConnectRefusal(refused) from error
    rpps = rpps_from_claim(identity.get(settings.PSC_RPPS_CLAIM))
    if rpps is None:
        raise ProSanteConnectRefusal(
            _("Pro Santé Connect n'a pas transmis de numéro RPPS : la connexion à Jalon est impossible.")
        )
    user = User.objects.filter(professional__rpps=rpps, is_active=True).first()
    if user is None:
        raise ProSanteConnectRefusal(
            _(
                "Aucun compte Jalon n'est associé au numéro RPPS %(rpps)s. Demandez à la coordination de votre "
                "territoire de vous ouvrir un compte ; aucun compte n'est créé automatiquement."
            )
            % {"rpps": rpps}
        )
    return user
