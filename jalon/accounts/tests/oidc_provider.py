"""A small OpenID Connect provider for the tests, served on 127.0.0.1 by a thread.

It speaks what Pro Santé Connect speaks to Jalon: discovery, JWKS, authorisation (code + PKCE S256),
token (client secret in Basic auth, code once, verifier checked) and userinfo. Each test may make it
misbehave (a forged signature, an expired token, another audience or issuer, an old nonce).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID = "jalon-test"
CLIENT_SECRET = "secret-de-test-pour-le-fournisseur"
KEY_ID = "cle-de-test"


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None


@dataclass
class Behaviour:
    """How the next answers misbehave (reset before each test)."""

    subject: str = "f:550dc1c8-d97b-4b1e-ac8c-8eb4471cf9dd"
    national_id: str | None = "810001234567"  # "8" + the RPPS 10001234567
    claim_overrides: dict = field(default_factory=dict)  # e.g. {"aud": "another"}, {"exp": past}
    forge_signature: bool = False  # signed by another key under the same key id
    nonce: str | None = None  # the ID token's nonce instead of the one asked for
    userinfo_subject: str | None = None  # userinfo about another subject
    codes_single_use: bool = True


class OidcProvider:
    def __init__(self):
        self.key = RSAKey.generate_key(2048, parameters={"kid": KEY_ID})
        self.forger = RSAKey.generate_key(2048, parameters={"kid": KEY_ID})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.reset()

    def reset(self) -> None:
        self.behaviour = Behaviour()
        self.grants: dict[str, Grant] = {}
        self.authorize_requests: list[dict] = []
        self.token_requests: list[dict] = []
        self.nonces_issued: list[str] = []

    def start(self) -> OidcProvider:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- What the endpoints answer --------------------------------------------------------------

    def discovery(self) -> dict:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "userinfo_endpoint": f"{self.url}/userinfo",
            "jwks_uri": f"{self.url}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }

    def id_token(self, grant: Grant) -> str:
        now = int(time.time())
        claims = {
            "iss": self.url,
            "sub": self.behaviour.subject,
            "aud": grant.client_id,
            "iat": now,
            "exp": now + 300,
            "auth_time": now,
            "acr": "eidas1",
        }
        nonce = self.behaviour.nonce or grant.nonce
        if nonce:
            claims["nonce"] = nonce
        claims.update(self.behaviour.claim_overrides)
        claims = {name: value for name, value in claims.items() if value is not None}
        key = self.forger if self.behaviour.forge_signature else self.key
        return jwt.encode({"alg": "RS256", "kid": KEY_ID}, claims, key)

    def _handler(provider):
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urlparse(self.path)
                query = {name: values[0] for name, values in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    return self._json(200, provider.discovery())
                if url.path == "/jwks":
                    return self._json(200, {"keys": [provider.key.as_dict(private=False)]})
                if url.path == "/authorize":
                    return self._authorize(query)
                if url.path == "/userinfo":
                    return self._userinfo()
                return self._json(404, {"error": "not_found"})

            def do_POST(self):
                if urlparse(self.path).path != "/token":
                    return self._json(404, {"error": "not_found"})
                length = int(self.headers.get("Content-Length") or 0)
                form = {name: values[0] for name, values in parse_qs(self.rfile.read(length).decode()).items()}
                return self._token(form)

            def _authorize(self, query):
                provider.authorize_requests.append(query)
                if query.get("response_type") != "code" or query.get("client_id") != CLIENT_ID:
                    return self._json(400, {"error": "invalid_request"})
                code = secrets.token_urlsafe(16)
                provider.grants[code] = Grant(
                    client_id=query["client_id"],
                    redirect_uri=query["redirect_uri"],
                    nonce=query.get("nonce"),
                    code_challenge=query.get("code_challenge"),
                    code_challenge_method=query.get("code_challenge_method"),
                )
                if query.get("nonce"):
                    provider.nonces_issued.append(query["nonce"])
                self.send_response(302)
                self.send_header(
                    "Location", query["redirect_uri"] + "?" + urlencode({"code": code, "state": query.get("state", "")})
                )
                self.end_headers()

            def _client_authenticated(self, form) -> bool:
                header = self.headers.get("Authorization", "")
                if header.startswith("Basic "):
                    client_id, _sep, secret = base64.b64decode(header[6:]).decode().partition(":")
                else:
                    client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
                return client_id == CLIENT_ID and secret == CLIENT_SECRET

            def _token(self, form):
                provider.token_requests.append(form)
                if not self._client_authenticated(form):
                    return self._json(401, {"error": "invalid_client"})
                code = form.get("code", "")
                grant = (
                    provider.grants.pop(code, None)
                    if provider.behaviour.codes_single_use
                    else provider.grants.get(code)
                )
                if (
                    grant is None
                    or form.get("grant_type") != "authorization_code"
                    or form.get("redirect_uri") != grant.redirect_uri
                ):
                    return self._json(400, {"error": "invalid_grant"})
                verifier = form.get("code_verifier", "")
                challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
                if grant.code_challenge_method != "S256" or challenge != grant.code_challenge:
                    return self._json(400, {"error": "invalid_grant", "error_description": "PKCE"})
                access_token = secrets.token_urlsafe(16)
                return self._json(
                    200,
                    {
                        "access_token": access_token,
                        "token_type": "Bearer",
                        "expires_in": 300,
                        "id_token": provider.id_token(grant),
                    },
                )

            def _userinfo(self):
                if not self.headers.get("Authorization", "").startswith("Bearer "):
                    return self._json(401, {"error": "invalid_token"})
                body = {"sub": provider.behaviour.userinfo_subject or provider.behaviour.subject}
                if provider.behaviour.national_id is not None:
                    body["SubjectNameID"] = provider.behaviour.national_id
                body["given_name"] = "Claire"
                body["family_name"] = "MARTIN"
                return self._json(200, body)

        return Handler
