"""Accounts: sign-in throttling, what a changed JWT_SECRET does to old tokens, CORS and /api headers.

These run against ``create_api()`` in process, on SQLite and PostgreSQL. The same behaviour in the
production app (the sign-in page, the websocket's origin check, a browser) is in
``test_accounts_web.py``.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import asynccontextmanager

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from app.api.cors import origin_allowed, socket_origin_check
from app.api.main import MAX_BODY_BYTES, SECURITY_HEADERS, create_api
from app.core.config import PROJECT_ROOT, get_settings
from app.core.db import session_scope
from app.mcp_server import build_http_app, mcp_lifespan
from app.models import User
from app.services import auth as auth_service
from app.services import throttle
from app.services.throttle import CLIENT_MAX_FAILURES, MAX_FAILURES, client_address, sign_in_throttle
from tests.api.conftest import assert_error
from tests.security.world import PASSWORD, password_hash, snapshot
from tests.utils.api_app import shared_api
from tests.utils.test_client import TestClient

EVIL = "https://evil.example"


def _user(email: str | None = None) -> tuple[uuid.UUID, str]:
    email = email or f"u{uuid.uuid4().hex[:8]}@example.com"
    with session_scope() as session:
        user = User(email=email, hashed_password=password_hash())
        session.add(user)
        session.flush()
        return user.id, email


def _client(peer: str = "10.0.0.1") -> TestClient:
    return TestClient(shared_api(), client=(peer, 40000))


def _sign_in(client: TestClient, email: str, password: str, **headers: str) -> httpx.Response:
    return client.post("/api/auth/token", json={"email": email, "password": password}, headers=headers)


# ----- throttling --------------------------------------------------------------------------------------


def test_throttle_owner_gets_in_after_an_attackers_failures(app_db: sa.Engine) -> None:
    """Five wrong passwords from one machine make that machine wait, not the account's owner."""
    _, email = _user()
    before = snapshot(app_db)
    with _client("10.0.0.66") as attacker, _client("10.0.0.1") as owner:
        for _ in range(MAX_FAILURES):
            assert_error(_sign_in(attacker, email, "wrong-password"), 401, "unauthorized")
        refused = _sign_in(attacker, email, PASSWORD)  # even the right password, from there
        message = assert_error(refused, 429, "rate_limited")
        assert message == "Too many failed sign-ins. Try again in 15 minutes."
        assert refused.headers["x-content-type-options"] == "nosniff"
        # The owner, from their own machine, signs in at once; the attacker still waits.
        assert _sign_in(owner, email, PASSWORD).status_code == 200
        assert_error(_sign_in(attacker, email, PASSWORD), 429, "rate_limited")
    # Refusals store no token and no login time, only an audit event each (issue 18); the
    # owner's sign-in stored its token and its own event. Throttled attempts never got that far.
    after = snapshot(app_db)
    changed = {t for t in after if after[t] != before[t]}
    assert changed == {"users", "auth_tokens", "audit_events"}
    assert len(after["auth_tokens"]) == len(before["auth_tokens"]) + 1
    assert len(after["audit_events"]) == len(before["audit_events"]) + MAX_FAILURES + 1


def test_throttle_email_limit_across_many_clients(app_db: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Guesses from many machines add up per account (50 an hour; here 8 to keep the test short)."""
    monkeypatch.setattr(throttle, "EMAIL_MAX_FAILURES", 8)
    _, email = _user()
    for i in range(8):
        with _client(f"10.0.{i}.1") as machine:
            assert_error(_sign_in(machine, email, "wrong-password"), 401)
    with _client("10.0.0.1") as owner:
        message = assert_error(_sign_in(owner, email, PASSWORD), 429, "rate_limited")
    assert message == "Too many failed sign-ins. Try again in 60 minutes."


def test_throttle_per_client_across_emails(app_db: sa.Engine) -> None:
    emails = [_user()[1] for _ in range(CLIENT_MAX_FAILURES + 1)]
    with _client("10.0.0.7") as guesser, _client("10.0.0.8") as someone_else:
        for email in emails[:CLIENT_MAX_FAILURES]:
            assert_error(_sign_in(guesser, email, "wrong-password"), 401)
        # A sixth account, even with its right password, from that machine: wait.
        message = assert_error(_sign_in(guesser, emails[-1], PASSWORD), 429, "rate_limited")
        assert "Try again in 15 minutes." in message
        # From another machine that account signs in fine.
        assert _sign_in(someone_else, emails[-1], PASSWORD).status_code == 200
        # Signing in successfully does not clear the guessing machine's count.
        assert_error(_sign_in(guesser, emails[-1], PASSWORD), 429)


def test_throttle_success_clears_the_pair_count(app_db: sa.Engine) -> None:
    _, email = _user()
    with _client() as client:
        for _ in range(MAX_FAILURES - 1):
            assert_error(_sign_in(client, email, "wrong-password"), 401)
        assert _sign_in(client, email, PASSWORD).status_code == 200
        for _ in range(MAX_FAILURES - 1):  # four more from the same machine: a fresh count
            assert_error(_sign_in(client, email, "wrong-password"), 401)
        assert _sign_in(client, email, PASSWORD).status_code == 200


def test_throttle_client_address_behind_a_proxy() -> None:
    # A direct client is its connection's address; what it claims in X-Forwarded-For is ignored.
    assert client_address("203.0.113.9", "198.51.100.1") == "203.0.113.9"
    assert client_address("203.0.113.9", None) == "203.0.113.9"
    # Behind a proxy on this machine (README's nginx): the address the proxy appended (the last).
    assert client_address("127.0.0.1", "198.51.100.1") == "198.51.100.1"
    assert client_address("::1", "forged, 198.51.100.2") == "198.51.100.2"
    assert client_address("127.0.0.1", "") == "127.0.0.1"
    assert client_address(None, None) == "unknown"


@pytest.fixture
def proxies(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    def use(value: str) -> None:
        monkeypatch.setenv("FORWARDED_ALLOW_IPS", value)
        get_settings.cache_clear()

    yield use
    get_settings.cache_clear()


def test_throttle_client_address_trusts_only_configured_proxies(proxies) -> None:
    proxies("10.0.0.5")  # the proxy is another machine: this one's loopback is no proxy now
    assert client_address("127.0.0.1", "198.51.100.1") == "127.0.0.1"
    assert client_address("10.0.0.5", "198.51.100.1") == "198.51.100.1"
    assert client_address("10.0.0.6", "198.51.100.1") == "10.0.0.6"
    # Two proxies (nginx on this machine behind a load balancer): the first address neither saw.
    proxies("127.0.0.1, 10.0.0.0/8")
    assert client_address("127.0.0.1", "forged, 203.0.113.7, 10.1.2.3") == "203.0.113.7"
    assert client_address("127.0.0.1", "10.1.2.3") == "10.1.2.3"
    proxies("*")  # every peer is a proxy: the leftmost entry
    assert client_address("203.0.113.9", "198.51.100.1, 10.1.2.3") == "198.51.100.1"
    proxies("")  # none
    assert client_address("127.0.0.1", "198.51.100.1") == "127.0.0.1"


def test_throttle_two_people_behind_one_proxy(app_db: sa.Engine) -> None:
    """Through a local proxy, one person's typos don't lock out another (each is its own client)."""
    emails = [_user()[1] for _ in range(CLIENT_MAX_FAILURES + 1)]
    with _client("127.0.0.1") as proxy:
        for email in emails[:CLIENT_MAX_FAILURES]:
            assert_error(_sign_in(proxy, email, "nope-nope", **{"X-Forwarded-For": "198.51.100.7"}), 401)
        assert_error(_sign_in(proxy, emails[-1], PASSWORD, **{"X-Forwarded-For": "198.51.100.7"}), 429)
        ok = _sign_in(proxy, emails[-1], PASSWORD, **{"X-Forwarded-For": "198.51.100.8"})
        assert ok.status_code == 200, ok.text
        # A guesser can't escape by forging the header: the proxy's own entry comes last.
        forged = {"X-Forwarded-For": "1.2.3.4, 198.51.100.7"}
        assert_error(_sign_in(proxy, emails[-1], PASSWORD, **forged), 429)


def test_throttle_is_shared_by_every_sign_in_path(app_db: sa.Engine) -> None:
    """The page's sign-in goes through the same guard as the API (``sign_in_throttle.attempt``)."""
    _, email = _user()
    with _client("10.0.0.1") as client:
        for _ in range(MAX_FAILURES - 1):
            assert_error(_sign_in(client, email, "wrong-password"), 401)
    guarded = sign_in_throttle.attempt(email=email, client="10.0.0.1")
    with pytest.raises(auth_service.AuthError), guarded, session_scope() as session:
        auth_service.sign_in(session, email=email, password="still-wrong")
    with _client("10.0.0.1") as client:
        assert_error(_sign_in(client, email, PASSWORD), 429)


# ----- a changed JWT_SECRET ------------------------------------------------------------------------------


def _mcp_app() -> FastAPI:
    mcp_app = build_http_app()

    @asynccontextmanager
    async def lifespan(_app: FastAPI):  # type: ignore[no-untyped-def]
        async with mcp_lifespan():
            yield

    host = FastAPI(lifespan=lifespan)
    host.mount("/mcp", mcp_app)
    host.add_route("/mcp", mcp_app)
    return host


MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
MCP_LIST = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    def use(value: str) -> None:
        monkeypatch.setenv("JWT_SECRET", value)
        get_settings.cache_clear()

    yield use
    get_settings.cache_clear()


def test_changed_jwt_secret_ends_old_tokens(app_db: sa.Engine, secret) -> None:
    secret("first-secret-" + uuid.uuid4().hex)
    user_id, _ = _user()
    with session_scope() as session:
        old = auth_service.issue_token(session, user=session.get(User, user_id), source="api")
    with TestClient(shared_api()) as api, TestClient(_mcp_app()) as mcp:
        assert api.get("/api/tasks", headers={"Authorization": f"Bearer {old}"}).status_code == 200
        assert (
            mcp.post(
                "/mcp", json=MCP_LIST, headers={**MCP_HEADERS, "Authorization": f"Bearer {old}"}
            ).status_code
            == 200
        )

        secret("second-secret-" + uuid.uuid4().hex)
        resp = api.get("/api/tasks", headers={"Authorization": f"Bearer {old}"})
        assert assert_error(resp, 401, "unauthorized") == "Invalid token."
        assert resp.headers["www-authenticate"] == "Bearer"
        mcp_resp = mcp.post("/mcp", json=MCP_LIST, headers={**MCP_HEADERS, "Authorization": f"Bearer {old}"})
        assert mcp_resp.status_code == 401
        assert mcp_resp.json() == {"error": {"code": "unauthorized", "message": "Invalid token."}}
        # Logging out with it is refused too; it is not "revoked", it just no longer verifies.
        assert_error(api.post("/api/auth/logout", headers={"Authorization": f"Bearer {old}"}), 401)

        # Signing in again gives a token under the new secret, good on both.
        with session_scope() as session:
            new = auth_service.issue_token(session, user=session.get(User, user_id), source="api")
        assert api.get("/api/tasks", headers={"Authorization": f"Bearer {new}"}).status_code == 200
        listed = mcp.post("/mcp", json=MCP_LIST, headers={**MCP_HEADERS, "Authorization": f"Bearer {new}"})
        assert listed.status_code == 200, listed.text
        assert "add_task" in listed.text


# ----- CORS ------------------------------------------------------------------------------------------------


def _preflight(client: TestClient, origin: str, path: str = "/api/tasks") -> httpx.Response:
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )


def test_cors_closed_by_default(app_db: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CORS_ALLOWED_ORIGINS", raising=False)
    get_settings.cache_clear()
    assert get_settings().cors_origins == []
    with TestClient(create_api()) as api:
        for resp in (
            _preflight(api, EVIL),
            api.get("/api/health/live", headers={"Origin": EVIL}),
            api.get("/api/tasks", headers={"Origin": EVIL}),
            api.post(
                "/api/auth/token", json={"email": "a@example.com", "password": "x"}, headers={"Origin": EVIL}
            ),
        ):
            assert "access-control-allow-origin" not in resp.headers, resp.headers
            assert "access-control-allow-credentials" not in resp.headers
            assert resp.headers["x-frame-options"] == "DENY"


def test_cors_configured_origins_only(app_db: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", " https://app.example ,https://admin.example")
    get_settings.cache_clear()
    try:
        with TestClient(create_api()) as api:
            ok = _preflight(api, "https://app.example")
            assert ok.status_code == 200
            assert ok.headers["access-control-allow-origin"] == "https://app.example"
            assert "authorization" in ok.headers["access-control-allow-headers"].lower()
            assert "access-control-allow-credentials" not in ok.headers  # bearer tokens, not cookies
            assert ok.headers["x-content-type-options"] == "nosniff"
            simple = api.get("/api/health/live", headers={"Origin": "https://admin.example"})
            assert simple.headers["access-control-allow-origin"] == "https://admin.example"
            for origin in (EVIL, "https://app.example.evil.example", "http://app.example", "null"):
                refused = _preflight(api, origin)
                assert "access-control-allow-origin" not in refused.headers, origin
                plain = api.get("/api/health/live", headers={"Origin": origin})
                assert "access-control-allow-origin" not in plain.headers, origin
    finally:
        get_settings.cache_clear()


DEV = ("http://localhost:8000", "http://localhost:3000")  # Reflex's api_url, deploy_url in development
PUBLIC = ("https://tasks.example.com", "http://localhost:3000")  # REFLEX_API_URL behind a proxy


@pytest.mark.parametrize(
    ("origin", "own", "allowed"),
    [
        (None, DEV, True),  # not a browser
        ("http://localhost:3000", DEV, True),  # dev: the frontend's own port
        ("http://127.0.0.1:3000", DEV, True),  # the same, opened by another local name
        ("http://[::1]:3000", DEV, True),
        ("https://tasks.example.com", PUBLIC, True),  # the public URL, default port
        ("https://tasks.example.com:443", PUBLIC, True),
        ("http://tasks.example.com", PUBLIC, False),  # another scheme is another site
        ("http://myhost:3000", DEV, False),  # another name: only if it is the configured public URL
        ("http://evil.example:3000", DEV, False),  # DNS rebinding: the page's name re-pointed here
        ("http://evil.example", PUBLIC, False),
        ("http://127.0.0.1:3001", DEV, False),  # another port on the same host
        ("null", DEV, False),  # sandboxed iframes, file:// pages
        ("file://", DEV, False),
        ("http://127.0.0.1:3000.evil.example", DEV, False),
        ("http://localhost.evil.example:3000", DEV, False),
    ],
)
def test_cors_origin_rule(origin: str | None, own: tuple[str, ...], allowed: bool) -> None:
    assert origin_allowed(origin, own=own) is allowed


def test_cors_socket_origin_check_ignores_host_and_forwarded_host() -> None:
    check = socket_origin_check(["https://app.example"], lambda: PUBLIC)
    assert check("https://app.example", {"HTTP_HOST": "api.example"})  # CORS_ALLOWED_ORIGINS
    assert check("https://tasks.example.com", {"HTTP_HOST": "127.0.0.1:3001"})  # through a proxy
    assert not check(EVIL, {"HTTP_HOST": "api.example"})
    # DNS rebinding: the evil page's own name now points here, so Host agrees with Origin.
    assert not check("http://evil.example:3000", {"HTTP_HOST": "evil.example:3000"})
    # X-Forwarded-Host is anyone's to send.
    assert not check(EVIL, {"HTTP_HOST": "127.0.0.1:3001", "HTTP_X_FORWARDED_HOST": "evil.example"})


def test_cors_foreign_page_refused_and_nothing_done(app_db: sa.Engine) -> None:
    """A foreign page's request that acts or carries a token: 403, nothing done; scripts, own pages work."""
    user_id, _ = _user()
    with session_scope() as session:
        token = auth_service.issue_token(session, user=session.get(User, user_id), source="api")
    auth = {"Authorization": f"Bearer {token}"}
    evil = {**auth, "Origin": EVIL}
    with TestClient(create_api(own_origins=lambda: DEV)) as api:
        refused = {
            "create": api.post("/api/tasks", json={"title": "from evil"}, headers=evil),
            "read with token": api.get("/api/tasks", headers=evil),
            "delete": api.delete(f"/api/tasks/{uuid.uuid4()}", headers=evil),
            "sign-in": api.post(
                "/api/auth/token", json={"email": "a@example.com", "password": "x"}, headers={"Origin": EVIL}
            ),
            "rebinding": api.post(
                "/api/tasks", json={"title": "x"}, headers={**auth, "Origin": "http://evil.example:3000"}
            ),
            "preflight": _preflight(api, EVIL),
            "mcp": api.post("/mcp", json=MCP_LIST, headers={**MCP_HEADERS, **evil}),
            "mcp without token": api.post("/mcp", json=MCP_LIST, headers={**MCP_HEADERS, "Origin": EVIL}),
            "null origin": api.post("/api/tasks", json={"title": "x"}, headers={**auth, "Origin": "null"}),
        }
        for name, resp in refused.items():
            assert (
                assert_error(resp, 403, "forbidden") == "Requests from other sites are not allowed here."
            ), name
            assert not [h for h in resp.headers if h.lower().startswith("access-control-")], name
            assert resp.headers["x-frame-options"] == "DENY", name
        assert api.get("/api/tasks", headers=auth).json()["data"] == []  # nothing was created
        # What needs no credentials stays readable (and says nothing to the foreign page).
        live = api.get("/api/health/live", headers={"Origin": EVIL})
        assert live.status_code == 200
        assert not [h for h in live.headers if h.lower().startswith("access-control-")]
        # The app's own pages (under each local name) and scripts (no Origin) act as before.
        for origin in ("http://localhost:3000", "http://127.0.0.1:3000", None):
            headers = {**auth, "Origin": origin} if origin else auth
            created = api.post("/api/tasks", json={"title": f"from {origin}"}, headers=headers)
            assert created.status_code == 201, (origin, created.text)
        assert len(api.get("/api/tasks", headers=auth).json()["data"]) == 3


def _reflex_cors(env: dict[str, str]) -> str:
    code = "import rxconfig; print(repr(tuple(rxconfig.config.cors_allowed_origins)))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_cors_rxconfig_follows_the_setting() -> None:
    import os

    base = {
        k: v
        for k, v in os.environ.items()
        if k not in ("CORS_ALLOWED_ORIGINS", "REFLEX_CORS_ALLOWED_ORIGINS")
    }
    assert _reflex_cors(base) == "()"  # not Reflex's default ("*",)
    configured = _reflex_cors({**base, "CORS_ALLOWED_ORIGINS": "https://a.example, https://b.example"})
    assert configured == "('https://a.example', 'https://b.example')"


# ----- security headers -------------------------------------------------------------------------------------


def test_security_headers_on_every_api_answer(app_db: sa.Engine) -> None:
    user_id, email = _user()
    with session_scope() as session:
        token = auth_service.issue_token(session, user=session.get(User, user_id), source="api")
    auth = {"Authorization": f"Bearer {token}"}
    with TestClient(shared_api()) as api:
        for _ in range(MAX_FAILURES):
            _sign_in(api, email, "wrong-password")
        answers = {
            "200 list": api.get("/api/tasks", headers=auth),
            "201 create": api.post("/api/tasks", json={"title": "pay rent"}, headers=auth),
            "204 delete": api.delete(
                f"/api/tasks/{api.get('/api/tasks', headers=auth).json()['data'][0]['id']}", headers=auth
            ),
            "401": api.get("/api/tasks"),
            "404 id": api.get(f"/api/tasks/{uuid.uuid4()}", headers=auth),
            "404 route": api.get("/api/nope"),
            "405": api.put("/api/tasks", headers=auth),
            "413": api.post("/api/tasks", content=b"x" * (MAX_BODY_BYTES + 1), headers=auth),
            "422": api.post("/api/tasks", json={"title": ""}, headers=auth),
            "429": _sign_in(api, email, PASSWORD),
            "docs": api.get("/api/docs"),
            "openapi": api.get("/api/openapi.json"),
            "health": api.get("/api/health/live"),
            "preflight": _preflight(api, EVIL),
            "mcp 401": api.post("/mcp", json=MCP_LIST, headers=MCP_HEADERS),
        }
    for name, resp in answers.items():
        for header, value in SECURITY_HEADERS.items():
            assert resp.headers.get(header) == value, f"{name} ({resp.status_code}): {header}"
        assert "server" not in {k.lower() for k in resp.headers} or "uvicorn" not in resp.headers["server"]
        assert "traceback" not in resp.text.lower()
    assert answers["204 delete"].status_code == 204
    assert answers["429"].status_code == 429
    assert answers["413"].status_code == 413
