"""Access tokens on the settings page (issue 18), in real Chromium: make one, see it once and copy
it, use it on the API, revoke it (asked first) and it stops working; by keyboard; axe-core and
screenshots at 1280 and 390 px, light and dark (to $TICKED_SHOTS, default /tmp/ticked-shots)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.utils.axe import each_mode, serious_violations
from tests.utils.browser import signed_in

TOKEN_RE = re.compile(r"^tk_[A-Za-z0-9_-]{43}$")


@pytest.fixture
def browser_context_args(browser_context_args: dict) -> dict:
    """CSP bypassed for axe-core (test_tasks_axe.py); clipboard readable to check Copy."""
    return {**browser_context_args, "bypass_csp": True, "permissions": ["clipboard-read", "clipboard-write"]}


def open_tokens(page: Page, app_url: str):
    page.goto(f"{app_url}/settings")
    region = page.get_by_role("region", name="Access tokens")
    expect(region).to_be_visible()
    return region


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_tokens_create_see_once_use_and_revoke(page: Page, app_url: str) -> None:
    signed_in(page, app_url)
    region = open_tokens(page, app_url)
    expect(region.get_by_text("You have no access tokens.")).to_be_visible()

    # a bad name is said inline, and nothing is lost
    region.get_by_label("Name").fill("   ")
    region.get_by_role("button", name="Create token").click()
    expect(region.get_by_role("alert")).to_have_text(re.compile("Give the token a name"))

    region.get_by_label("Name").fill("Laptop MCP")
    region.get_by_label("Scope").select_option("read")
    expect(region.get_by_text("Read: see your tasks and projects; change nothing.")).to_be_visible()
    region.get_by_label("Expires after").select_option("30")
    region.get_by_role("button", name="Create token").click()

    field = region.get_by_label("Token", exact=True)
    expect(field).to_be_visible()
    expect(field).to_be_focused()
    secret = field.input_value()
    assert TOKEN_RE.match(secret), secret
    expect(field).to_have_attribute("readonly", "")
    expect(region.get_by_text("Copy it now: it won't be shown again.")).to_be_visible()
    expect(region.get_by_role("alert")).to_have_count(0)
    expect(region.get_by_label("Name")).to_have_value("")
    region.get_by_role("button", name="Copy", exact=True).click()
    expect(region.get_by_role("status")).to_have_text(re.compile("Token copied"))
    # The status comes with the answer; the page writes the clipboard right after it (asynchronously).
    page.wait_for_function("async (s) => (await navigator.clipboard.readText()) === s", arg=secret)
    assert page.evaluate("() => navigator.clipboard.readText()") == secret

    row = region.get_by_role("listitem").filter(has_text="Laptop MCP")
    expect(row).to_contain_text("read")
    expect(row).to_contain_text(secret[:10] + "…")
    expect(row).to_contain_text("Never used")
    assert secret not in row.inner_text()

    # it works on the API, as what it is: a read token reads and changes nothing
    listed = page.request.get(f"{app_url}/api/tasks", headers=bearer(secret))
    assert listed.status == 200, listed.text()
    made = page.request.post(f"{app_url}/api/tasks", headers=bearer(secret), data={"title": "x"})
    assert made.status == 403
    assert made.json()["error"]["message"] == "This access token is read-only (scope read)."

    # shown once: Done, or coming back, and it is gone for good
    region.get_by_role("button", name="Done").click()
    expect(region.get_by_label("Token", exact=True)).to_have_count(0)
    expect(region.get_by_label("Name")).to_be_focused()
    page.reload()
    region = open_tokens(page, app_url)
    row = region.get_by_role("listitem").filter(has_text="Laptop MCP")
    expect(row).to_contain_text("Last used")
    expect(region.get_by_label("Token", exact=True)).to_have_count(0)
    assert secret not in page.content()

    # revoke asks first; Cancel (and Escape) change nothing
    revoke = region.get_by_role("button", name="Revoke token Laptop MCP")
    revoke.click()
    dialog = page.get_by_role("alertdialog", name="Revoke this token?")
    expect(dialog).to_contain_text("Laptop MCP")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    expect(revoke).to_be_focused()
    page.keyboard.press("Enter")  # by keyboard: the focused Revoke opens it again
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    assert page.request.get(f"{app_url}/api/tasks", headers=bearer(secret)).status == 200

    revoke.click()
    dialog.get_by_role("button", name="Revoke token").click()
    expect(region.get_by_role("status")).to_have_text(re.compile("Revoked Laptop MCP: it no longer works."))
    expect(region.get_by_text("You have no access tokens.")).to_be_visible()
    refused = page.request.get(f"{app_url}/api/tasks", headers=bearer(secret))
    assert refused.status == 401
    assert "revoked" in refused.json()["error"]["message"]


def test_tokens_write_token_by_keyboard(page: Page, app_url: str) -> None:
    """Everything by keyboard: type a name, choose write and never, Enter makes it; it can write."""
    signed_in(page, app_url)
    region = open_tokens(page, app_url)
    region.get_by_label("Name").focus()
    page.keyboard.type("Backup script")
    page.keyboard.press("Tab")
    expect(region.get_by_label("Scope")).to_be_focused()
    region.get_by_label("Scope").select_option("write")
    # (an admin also sees Admin: the server's first account, which may be another test's)
    options = region.get_by_label("Scope").locator("option").all_inner_texts()
    assert options[:2] == ["Read", "Write"]
    region.get_by_label("Expires after").select_option("never")
    region.get_by_label("Name").focus()
    page.keyboard.press("Enter")
    field = region.get_by_label("Token", exact=True)
    expect(field).to_be_focused()
    secret = field.input_value()
    made = page.request.post(f"{app_url}/api/tasks", headers=bearer(secret), data={"title": "From a script"})
    assert made.status == 201, made.text()
    expect(region.get_by_role("listitem").filter(has_text="Backup script")).to_contain_text("Never expires")


@pytest.mark.parametrize("width", [1280, 390])
def test_tokens_section_fits_passes_axe_and_screenshots(page: Page, app_url: str, width: int):
    shots = Path(os.environ.get("TICKED_SHOTS") or "/tmp/ticked-shots")
    shots.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": 900})
    signed_in(page, app_url)
    region = open_tokens(page, app_url)
    for name, scope in (("Laptop MCP client", "read"), ("Nightly backup", "write")):
        region.get_by_label("Name").fill(name)
        region.get_by_label("Scope").select_option(scope)
        region.get_by_role("button", name="Create token").click()
        expect(region.get_by_role("button", name=f"Revoke token {name}")).to_be_visible()
        expect(region.get_by_label("Token", exact=True)).to_be_visible()
    overflow = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    assert page.evaluate(overflow) <= 0
    region.scroll_into_view_if_needed()
    for mode in each_mode(page):
        # the sticky header would cover the section's top in an element screenshot
        region.screenshot(
            path=str(shots / f"tokens-{width}-{mode}.png"), style="header { position: static !important; }"
        )
        assert serious_violations(page) == "", f"the tokens section in {mode} mode"
    region.get_by_role("button", name="Revoke token Nightly backup").click()
    dialog = page.get_by_role("alertdialog", name="Revoke this token?")
    expect(dialog).to_be_visible()
    page.wait_for_timeout(300)
    for mode in each_mode(page):
        page.screenshot(path=str(shots / f"revoke-{width}-{mode}.png"))
        assert serious_violations(page) == "", f"the revoke question in {mode} mode"
