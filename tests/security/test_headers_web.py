"""The pages' security headers in the production app: no site can frame them, and they work under their CSP.

Run under ``flock /tmp/ticked-web.lock``: the app is built and served by ``reflex run --env prod``.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import re
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.security.web import Server
from tests.security.world import PASSWORD
from tests.utils.server import free_port

PAGES = ("/", "/login/", "/signup/", "/tasks/", "/settings/", "/no-such-page/")


@pytest.fixture
def page(page: Page) -> Page:
    page.set_default_timeout(30_000)
    expect.set_options(timeout=30_000)
    return page


def _directives(policy: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


def test_page_headers_on_the_prod_server(prod_app: Server) -> None:
    with httpx.Client(base_url=prod_app.url, timeout=30) as client:
        for path in PAGES:
            resp = client.get(path)
            assert resp.headers["content-type"].startswith("text/html"), path
            assert resp.headers["x-frame-options"] == "DENY", path
            assert resp.headers["x-content-type-options"] == "nosniff", path
            assert resp.headers["referrer-policy"] == "same-origin", path
            csp = _directives(resp.headers["content-security-policy"])
            assert csp["frame-ancestors"] == ["'none'"], path
            assert "'unsafe-inline'" not in csp["script-src"], path  # inline scripts by their hashes
            assert any(v.startswith("'sha256-") for v in csp["script-src"]), path
            assert csp["object-src"] == ["'none'"], path
            assert {"'self'", f"ws://{prod_app.host}:{prod_app.port}"} <= set(csp["connect-src"]), path
        asset = client.get("/ticked.js")
        assert asset.headers["x-content-type-options"] == "nosniff"


@contextlib.contextmanager
def _other_site(tmp_path: Path, html: str) -> Iterator[str]:
    """A page on another origin (another port), served by Python's http.server."""
    (tmp_path / "index.html").write_text(html)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    finally:
        server.shutdown()
        server.server_close()


def _sign_up(page: Page, url: str) -> None:
    page.goto(f"{url}/signup")
    page.get_by_label("Email").fill(f"frame-{uuid.uuid4().hex[:8]}@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_page_refuses_to_be_framed_by_another_site(browser_app: Server, page: Page, tmp_path: Path) -> None:
    url = browser_app.url
    _sign_up(page, url)  # signed in: the frame would show this person's tasks, buttons working
    refusals: list[str] = []
    page.on("console", lambda msg: refusals.append(msg.text) if "frame" in msg.text.lower() else None)
    html = f'<!doctype html><title>other</title><h1>Win a prize</h1><iframe src="{url}/tasks/"></iframe>'
    with _other_site(tmp_path, html) as other:
        page.goto(other)
        expect(page.get_by_role("heading", name="Win a prize")).to_be_visible()
        frame = page.frame_locator("iframe")
        page.wait_for_timeout(3000)  # time enough for a frame that would load to show the app
        expect(frame.get_by_role("button", name="Sign out")).to_have_count(0)
        expect(frame.get_by_role("textbox", name="New task", exact=True)).to_have_count(0)
        [child] = page.main_frame.child_frames
        assert not child.url.startswith(url), child.url  # Chromium shows its error page instead
    assert any(re.search(r"frame-ancestors|X-Frame-Options", text) for text in refusals), refusals


def test_pages_work_under_their_csp(browser_app: Server, page: Page) -> None:
    """Sign up, tasks (filters use rx.call_script: eval), chat and settings with no CSP violation."""
    url = browser_app.url
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: (
            violations.append(msg.text)
            if "content security policy" in msg.text.lower() or "refused to" in msg.text.lower()
            else None
        ),
    )
    page.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation',"
        " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    _sign_up(page, url)
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    page.get_by_role("textbox", name="Message").fill("add buy milk tomorrow")
    page.get_by_role("textbox", name="Message").press("Enter")
    expect(page.get_by_text(re.compile("buy milk", re.I)).first).to_be_visible()
    assert page.evaluate("window.__csp") == []
    page.goto(f"{url}/tasks")
    new_task = page.get_by_role("textbox", name="New task", exact=True)
    new_task.fill("csp check")
    new_task.press("Enter")
    expect(page.get_by_role("button", name="Edit csp check", exact=True)).to_be_visible()
    page.get_by_role("tab", name=re.compile("^Completed")).click()
    expect(page).to_have_url(re.compile(r"status=completed"))  # the URL is updated by rx.call_script
    assert page.evaluate("window.__csp") == []
    page.goto(f"{url}/settings")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert page.evaluate("window.__csp") == []
    assert not violations, violations
