"""Accounts in the production app: the sign-in page's throttle (over the websocket and in a browser),
and CORS closed by default on the real server (the browser still connects; foreign origins don't).

Run under ``flock /tmp/ticked-web.lock``: the app is built and served by ``reflex run --env prod``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import httpx
import pytest
import socketio
from playwright.sync_api import Page, expect

from app.core.db import session_scope
from app.models import User
from tests.security.conftest import using_server_db
from tests.security.test_isolation_pages import run
from tests.security.web import AUTH_STATE, Server, Tab, prod_server
from tests.security.world import PASSWORD, password_hash

EVIL = "http://evil.example"
WAIT = "Too many failed sign-ins. Try again in 15 minutes."
WRONG = "Incorrect email or password."


@pytest.fixture
def page(page: Page) -> Page:
    page.set_default_timeout(30_000)
    expect.set_options(timeout=30_000)
    return page


def _account(server: Server) -> str:
    email = f"web-{uuid.uuid4().hex[:8]}@example.com"
    with using_server_db(server), session_scope() as session:
        session.add(User(email=email, hashed_password=password_hash()))
    return email


async def _page_sign_in(tab: Tab, email: str, password: str) -> tuple[str, str]:
    """(token, auth_error) after the sign-in page's handler ran."""
    mark = tab.mark()
    await tab.emit(f"{AUTH_STATE}.sign_in", {"form": {"email": email, "password": password}}, "/login")
    await tab.wait_for(
        lambda: (
            any(e.get("name") == "_redirect" for e in tab.since(mark).events())
            or tab.since(mark).last(AUTH_STATE, "auth_error")
        ),
        what="sign-in",
    )
    received = tab.since(mark)
    return str(received.last(AUTH_STATE, "token") or ""), str(received.last(AUTH_STATE, "auth_error") or "")


def test_throttle_sign_in_page_over_websocket(prod_app: Server) -> None:
    email = _account(prod_app)

    async def scenario() -> str:
        tab = Tab(prod_app.url)
        try:
            await tab.connect("/login")
            for _ in range(5):
                token, error = await _page_sign_in(tab, email, "wrong-password")
                assert (token, error) == ("", WRONG)
                await tab.call(f"{AUTH_STATE}.redirect_if_signed_in", None, "/login")  # clears the message
            token, error = await _page_sign_in(tab, email, PASSWORD)
            assert (token, error) == ("", WAIT)
            # Another tab of the same machine (the proxy names the same client): it waits too.
            other = Tab(prod_app.url, client_ip=tab.client_ip)
            await other.connect("/login")
            assert await _page_sign_in(other, email, PASSWORD) == ("", WAIT)
            await other.close()
            return tab.client_ip
        finally:
            await tab.close()

    client_ip = run(scenario)
    # The API of the same server shares the count: this machine waits there too...
    resp = httpx.post(
        f"{prod_app.url}/api/auth/token",
        json={"email": email, "password": PASSWORD},
        headers={"X-Forwarded-For": client_ip},
    )
    assert resp.status_code == 429
    assert resp.json()["error"]["message"] == WAIT
    # ...while the owner, from another machine (through the local proxy), signs in.
    resp = httpx.post(
        f"{prod_app.url}/api/auth/token",
        json={"email": email, "password": PASSWORD},
        headers={"X-Forwarded-For": "198.19.0.1"},
    )
    assert resp.status_code == 200, resp.text


def test_throttle_page_and_api_share_one_count(prod_app: Server) -> None:
    email = _account(prod_app)
    for _ in range(3):  # from the machine the page's tab below is on
        resp = httpx.post(
            f"{prod_app.url}/api/auth/token",
            json={"email": email, "password": "wrong-password"},
            headers={"X-Forwarded-For": "198.19.0.2"},
        )
        assert resp.status_code == 401

    async def scenario() -> None:
        tab = Tab(prod_app.url, client_ip="198.19.0.2")
        try:
            await tab.connect("/login")
            for _ in range(2):
                assert await _page_sign_in(tab, email, "wrong-password") == ("", WRONG)
                await tab.call(f"{AUTH_STATE}.redirect_if_signed_in", None, "/login")
            assert await _page_sign_in(tab, email, PASSWORD) == ("", WAIT)
        finally:
            await tab.close()

    run(scenario)


def test_throttle_message_shown_on_the_sign_in_page(browser_app: Server, page: Page) -> None:
    prod_app = browser_app
    email = _account(prod_app)
    page.goto(f"{prod_app.url}/login")
    for attempt in range(6):
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill("wrong-password" if attempt < 5 else PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert")).to_have_text(WRONG if attempt < 5 else WAIT)
        if attempt < 5:
            page.reload()  # a fresh page: the next message must be the new one
            expect(page.get_by_role("alert")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/login/?$"))
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


# ----- CORS on the real server --------------------------------------------------------------------------


def test_cors_browser_still_connects(browser_app: Server, page: Page) -> None:
    """Same-origin is allowed: a real browser signs up and uses the app over its websocket."""
    prod_app = browser_app
    refused: list[str] = []
    page.on("console", lambda msg: refused.append(msg.text) if "origin" in msg.text.lower() else None)
    page.goto(f"{prod_app.url}/signup")
    page.get_by_label("Email").fill(f"cors-{uuid.uuid4().hex[:8]}@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.goto(f"{prod_app.url}/tasks")
    page.get_by_role("textbox", name="New task", exact=True).fill("cors check")
    page.get_by_role("textbox", name="New task", exact=True).press("Enter")
    expect(page.get_by_role("button", name="Edit cors check", exact=True)).to_be_visible()
    assert not refused, refused


async def _handshake(url: str, origin: str | None, **headers: str) -> str:
    tab = Tab(url, origin=origin, headers=headers)
    try:
        await tab.connect("/login")
    except socketio.exceptions.ConnectionError as exc:
        return f"refused: {exc}"
    finally:
        await tab.close()
    return "connected"


def _no_cors(resp: httpx.Response) -> None:
    """No CORS header at all (none granted, no ``Allow-Credentials``): the browser keeps the answer."""
    cors = [h for h in resp.headers if h.lower().startswith("access-control-")]
    assert not cors, (resp.request.url, dict(resp.headers))


def _forbidden(resp: httpx.Response) -> None:
    assert resp.status_code == 403, (resp.request.method, resp.request.url, resp.status_code, resp.text)
    assert resp.json() == {
        "error": {"code": "forbidden", "message": "Requests from other sites are not allowed here."}
    }
    _no_cors(resp)


def _token(server: Server, email: str) -> dict[str, str]:
    resp = httpx.post(f"{server.url}/api/auth/token", json={"email": email, "password": PASSWORD}, timeout=30)
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
MCP_LIST = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}


def test_cors_foreign_pages_refused_on_the_prod_server(prod_app: Server) -> None:
    """The composed app (Reflex's middleware included): no CORS headers, foreign acts refused, none done."""
    url = prod_app.url
    auth = _token(prod_app, _account(prod_app))
    evil = {**auth, "Origin": EVIL}
    with httpx.Client(base_url=url, timeout=30) as client:
        preflight = {"Origin": EVIL, "Access-Control-Request-Method": "POST"}
        _forbidden(
            client.options(
                "/api/tasks", headers={**preflight, "Access-Control-Request-Headers": "authorization"}
            )
        )
        _forbidden(client.post("/api/tasks", json={"title": "from evil"}, headers=evil))
        _forbidden(client.get("/api/tasks", headers=evil))
        _forbidden(
            client.post(
                "/api/tasks",
                json={"title": "rebound"},
                headers={
                    **auth,
                    "Origin": f"http://evil.example:{prod_app.port}",
                    "Host": f"evil.example:{prod_app.port}",
                },
            )
        )
        _forbidden(
            client.post(
                "/api/auth/token", json={"email": "a@b.example", "password": "x"}, headers={"Origin": EVIL}
            )
        )
        _forbidden(client.post("/mcp", json=MCP_LIST, headers={**MCP_HEADERS, **evil}))
        _forbidden(client.options("/_event/", headers=preflight))
        assert client.get("/api/tasks", headers=auth).json()["data"] == []  # nothing was created
        for path in ("/api/health/live", "/ping", "/login/"):
            read = client.get(path, headers={"Origin": EVIL})
            assert read.status_code == 200, (path, read.status_code)
            _no_cors(read)
        # The app's own page (its origin is REFLEX_API_URL) and scripts still act.
        for headers in ({**auth, "Origin": url}, auth):
            created = client.post("/api/tasks", json={"title": "mine"}, headers=headers)
            assert created.status_code == 201, created.text
            _no_cors(created)


def test_cors_websocket_refuses_dns_rebinding_and_forged_forwarded_host(prod_app: Server) -> None:
    url, port = prod_app.url, prod_app.port
    rebound = f"http://evil.example:{port}"  # evil.example re-pointed at this machine: Host agrees
    assert run(lambda: _handshake(url, rebound, Host=f"evil.example:{port}")).startswith("refused")
    assert run(lambda: _handshake(url, EVIL, **{"X-Forwarded-Host": "evil.example"})).startswith("refused")
    assert run(lambda: _handshake(url, url)) == "connected"


def test_cors_closed_on_the_prod_server(prod_app: Server) -> None:
    url = prod_app.url
    assert run(lambda: _handshake(url, None)) == "connected"  # not a browser (scripts, tests)
    assert run(lambda: _handshake(url, url)) == "connected"  # the app's own page
    # Reflex's deploy_url (http://localhost:PORT here) is the app's own frontend too.
    assert run(lambda: _handshake(url, url.replace("127.0.0.1", "localhost"))) == "connected"
    other_port = f"http://127.0.0.1:{prod_app.port + 1}"  # another site on the same machine
    assert run(lambda: _handshake(url, other_port)).startswith("refused")
    assert run(lambda: _handshake(url, EVIL)).startswith("refused")
    assert run(lambda: _handshake(url, "null")).startswith("refused")
    with httpx.Client(base_url=url, timeout=30) as client:
        preflight = {
            "Origin": EVIL,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        }
        _no_cors(client.options("/api/tasks", headers=preflight))
        _no_cors(client.get("/api/health/live", headers={"Origin": EVIL}))
        _no_cors(
            client.post(
                "/api/auth/token", json={"email": "a@b.example", "password": "x"}, headers={"Origin": EVIL}
            )
        )
        _no_cors(client.get("/ping", headers={"Origin": EVIL}))
        _no_cors(client.options("/_event/", headers=preflight))
        live = client.get("/api/health/live", headers={"Origin": EVIL})
        assert live.status_code == 200
        assert live.headers["x-frame-options"] == "DENY"


@pytest.fixture(scope="module")
def prod_with_origins() -> Iterator[Server]:
    with prod_server(backend_only=True, extra_env={"CORS_ALLOWED_ORIGINS": "https://app.example"}) as server:
        yield server


def test_cors_configured_origins_on_the_prod_server(prod_with_origins: Server) -> None:
    url = prod_with_origins.url
    assert run(lambda: _handshake(url, "https://app.example")) == "connected"
    assert run(lambda: _handshake(url, EVIL)).startswith("refused")
    with httpx.Client(base_url=url, timeout=30) as client:
        ok = client.options(
            "/api/tasks",
            headers={
                "Origin": "https://app.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        assert ok.status_code == 200, ok.text
        assert ok.headers["access-control-allow-origin"] == "https://app.example"
        assert "POST" in ok.headers["access-control-allow-methods"]
        assert "authorization" in ok.headers["access-control-allow-headers"].lower()
        assert "access-control-allow-credentials" not in ok.headers  # bearer tokens, not cookies
        simple = client.get("/api/health/live", headers={"Origin": "https://app.example"})
        assert simple.headers["access-control-allow-origin"] == "https://app.example"
        _no_cors(client.get("/api/health/live", headers={"Origin": EVIL}))
        _forbidden(
            client.options("/api/tasks", headers={"Origin": EVIL, "Access-Control-Request-Method": "POST"})
        )
        auth = _token(prod_with_origins, _account(prod_with_origins))
        created = client.post(
            "/api/tasks", json={"title": "t"}, headers={**auth, "Origin": "https://app.example"}
        )
        assert created.status_code == 201, created.text
        assert created.headers["access-control-allow-origin"] == "https://app.example"
        assert "access-control-allow-credentials" not in created.headers
        _forbidden(client.post("/api/tasks", json={"title": "t"}, headers={**auth, "Origin": EVIL}))
