"""Real OpenID Connect providers on localhost for the single sign-on tests (issue 18).

- :func:`mock_provider`: ``oidc-provider-mock`` (Authlib's provider) in a thread: discovery, JWKS,
  an authorization page that asks for the subject, the token endpoint. ``set_user`` gives a
  subject its claims (email, email_verified, groups); :func:`approve` answers its page as a person
  would (the form's POST) and returns where the provider sends the browser back.
- :class:`CraftingProvider`: a small provider of our own that approves at once and signs whatever
  ID token a test asks for with its own key (a wrong issuer, audience or nonce, an expired token,
  another key's signature), and checks the PKCE verifier (S256) and the client secret as a real
  provider does. Both are real HTTP servers; nothing of Ticked is mocked.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from oidc_provider_mock import run_server_in_thread

from app.services.oidc import Callback, Start
from app.services.sso_policy import OidcConfig

CLIENT_ID = "ticked-test"
CLIENT_SECRET = "ticked-test-secret"


def config_for(issuer: str, **changes: Any) -> OidcConfig:
    """A client configuration for the provider at ``issuer`` (the callback on the test server)."""
    base: dict[str, Any] = {
        "issuer": issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "scopes": "openid email profile",
        "provider_name": "",
        "groups_claim": "groups",
        "admin_group": "",
        "allowed_groups": (),
        "redirect_uri": "http://testserver/api/auth/oidc/callback",
    }
    return OidcConfig(**{**base, **changes})


def oidc_env(issuer: str, **extra: str) -> dict[str, str]:
    """The ``OIDC_*`` environment of an app signing in at ``issuer``."""
    return {"OIDC_ISSUER": issuer, "OIDC_CLIENT_ID": CLIENT_ID, "OIDC_CLIENT_SECRET": CLIENT_SECRET, **extra}


@dataclass
class MockProvider:
    url: str

    def set_user(self, sub: str, **claims: Any) -> None:
        resp = httpx.put(f"{self.url}/users/{sub}", json=claims, timeout=10, verify=False)
        assert resp.status_code == 204, resp.text


@contextlib.contextmanager
def mock_provider() -> Iterator[MockProvider]:
    with run_server_in_thread(require_nonce=True) as server:
        yield MockProvider(url=f"http://localhost:{server.server_port}")


def approve(authorization_url: str, sub: str) -> str:
    """Sign in as ``sub`` on oidc-provider-mock's page; the callback URL the provider redirects to.

    The browser's requests here (and ``follow``, ``set_user``) are plain HTTP: ``verify=False`` spares
    each one a TLS context (the CA bundle loaded) it would never use."""
    page = httpx.get(authorization_url, timeout=10, verify=False)
    assert page.status_code == 200, page.text[:500]
    assert 'name="sub"' in page.text, page.text[:500]
    resp = httpx.post(authorization_url, data={"sub": sub}, timeout=10, verify=False, follow_redirects=False)
    assert resp.status_code in (302, 303), resp.text[:500]
    return resp.headers["location"]


def callback_from(location: str, begun: Start) -> Callback:
    """The callback the browser would make: the provider's query and the attempt's cookie."""
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    return Callback(
        state=query.get("state"), code=query.get("code"), error=query.get("error"), cookie=begun.cookie_value
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class CraftingProvider:
    """See the module doc. ``overrides`` change the next ID tokens' claims; ``other_key`` signs
    them with a key the JWKS does not hold."""

    url: str = ""
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "good"}))
    stranger: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "good"}))
    claims: dict[str, Any] = field(default_factory=dict)
    overrides: dict[str, Any] = field(default_factory=dict)
    other_key: bool = False
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)

    def id_token(self, *, nonce: str | None) -> str:
        now = int(time.time())
        claims = {
            "iss": self.url,
            "sub": "crafted-subject",
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "email": "crafted@example.com",
            "email_verified": True,
            **self.claims,
            **self.overrides,
        }
        claims = {k: v for k, v in claims.items() if v is not None}
        key = self.stranger if self.other_key else self.key
        return jwt.encode({"alg": "RS256", "kid": "good"}, claims, key)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _json(self, body: dict[str, Any], status: int = 200) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path == "/.well-known/openid-configuration":
                    self._json(
                        {
                            "issuer": provider.url,
                            "authorization_endpoint": f"{provider.url}/authorize",
                            "token_endpoint": f"{provider.url}/token",
                            "jwks_uri": f"{provider.url}/jwks",
                            "response_types_supported": ["code"],
                            "id_token_signing_alg_values_supported": ["RS256"],
                            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
                        }
                    )
                elif parts.path == "/jwks":
                    self._json(KeySet([provider.key]).as_dict(private=False))
                elif parts.path == "/authorize":
                    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                    code = secrets.token_urlsafe(16)
                    provider.codes[code] = query
                    back = {"code": code, "state": query.get("state", "")}
                    self.send_response(302)
                    self.send_header("Location", f"{query['redirect_uri']}?{urlencode(back)}")
                    self.end_headers()
                else:
                    self._json({"error": "not_found"}, 404)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                provider.token_requests.append(form)
                basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
                if self.headers.get("Authorization") != f"Basic {basic}":
                    self._json({"error": "invalid_client"}, 401)
                    return
                request = provider.codes.pop(form.get("code", ""), None)
                if request is None:
                    self._json({"error": "invalid_grant"}, 400)
                    return
                challenge = _b64(hashlib.sha256(form.get("code_verifier", "").encode()).digest())
                if request.get("code_challenge_method") != "S256" or challenge != request.get(
                    "code_challenge"
                ):
                    self._json({"error": "invalid_grant", "error_description": "PKCE"}, 400)
                    return
                token = provider.id_token(nonce=request.get("nonce"))
                self._json(
                    {"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": token}
                )

        return Handler


@contextlib.contextmanager
def crafting_provider() -> Iterator[CraftingProvider]:
    provider = CraftingProvider()
    server = ThreadingHTTPServer(("127.0.0.1", 0), provider.handler())
    provider.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()


def follow(authorization_url: str) -> str:
    """The crafting provider approves at once: where it sends the browser back."""
    resp = httpx.get(authorization_url, timeout=10, verify=False, follow_redirects=False)
    assert resp.status_code == 302, resp.text
    return resp.headers["location"]
