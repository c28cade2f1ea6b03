"""Issue 15's basics in real Chromium: landmarks and one h1 per page, buttons named after their
task, sign-up errors as sentences, and the favicon and web app manifest every page links."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import unique_email
from tests.e2e.test_admin_audit import promote
from tests.e2e.test_chat_page import last_reply, send
from tests.utils.browser import create_account, open_signed_in, signed_in


def expect_landmarks(page: Page, *, signed_in: bool) -> None:
    """One main landmark and exactly one h1; signed in, also the banner and the Main navigation."""
    expect(page.get_by_role("main")).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    if signed_in:
        expect(page.get_by_role("banner")).to_have_count(1)
        nav = page.get_by_role("navigation", name="Main")
        expect(nav).to_have_count(1)
        expect(nav.get_by_role("link", name="Tasks")).to_be_visible()
        # The header's parts are real elements, not divs styled "as" them.
        assert page.locator("header nav[aria-label='Main']").count() == 1


def expect_signed_out_pages(page: Page, app_url: str, headings: dict[str, str]) -> None:
    """Each path shows its h1 (by name) and the signed-out landmarks."""
    for path, heading in headings.items():
        page.goto(f"{app_url}{path}")
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        expect_landmarks(page, signed_in=False)


def test_every_page_has_landmarks_and_one_h1(page: Page, app_url: str):
    expect_signed_out_pages(page, app_url, {"/login": "Sign in", "/signup": "Create your account"})

    signed_in(page, app_url)
    expect(page.get_by_role("main").get_by_role("heading", name="New chat", level=1)).to_be_visible()
    expect_landmarks(page, signed_in=True)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Tasks").click()
    expect(page.get_by_role("main").get_by_role("heading", name="Tasks", level=1)).to_be_visible()
    expect_landmarks(page, signed_in=True)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    expect(page.get_by_role("main").get_by_role("heading", name="Settings", level=1)).to_be_visible()
    expect_landmarks(page, signed_in=True)


def test_pages_added_since_have_landmarks_and_one_h1(page: Page, app_url: str):
    """The reset page, the missing page and the admin console (issue 18) keep item 11's rule."""
    pages = {"/reset?token=not-a-token": "Set a new password", "/no-such-page": "Page not found"}
    expect_signed_out_pages(page, app_url, pages)

    promote(signed_in(page, app_url))
    for path, ready in (
        ("/admin", "Last active"),
        ("/admin/settings", "Invitations"),
        ("/admin/audit", "Export CSV"),
    ):
        page.goto(f"{app_url}{path}")
        expect(page.get_by_role("heading", name="Admin", level=1)).to_be_visible()
        expect(page.get_by_text(ready).first).to_be_visible()
        expect_landmarks(page, signed_in=True)


def test_a_reply_with_markdown_headings_keeps_one_h1(page: Page, app_url: str):
    from app.core.db import session_scope
    from app.services import auth, messages, threads

    email = signed_in(page, app_url)
    with session_scope() as session:
        user = auth.get_user_by_email(session, email=email)
        thread = threads.create_thread(session, user_id=user.id, title="Planning")
        reply = messages.open_assistant_message(session, user_id=user.id, thread_id=thread.id)
        content = "# Plan\n\n## Morning\n\nwater plants"
        messages.finish_assistant_message(session, message_id=reply.id, content=content)
        thread_id = thread.id
    page.goto(f"{app_url}/?thread={thread_id}")
    expect(last_reply(page).get_by_role("heading", name="Plan", level=3)).to_be_visible()
    expect(last_reply(page).get_by_role("heading", name="Morning", level=4)).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_have_text("Planning")


def test_card_buttons_are_named_after_their_task(page: Page, app_url: str):
    signed_in(page, app_url)
    send(page, "add tasks: buy milk, walk the dog")
    expect(last_reply(page)).to_contain_text("Added 2 tasks")
    send(page, "show my tasks")
    rows = last_reply(page).get_by_role("list").last
    complete = rows.get_by_role("button", name="Complete buy milk", exact=True)
    expect(complete).to_be_visible()
    expect(complete).to_have_text("Complete")  # the visible label is unchanged
    expect(rows.get_by_role("button", name="Delete walk the dog", exact=True)).to_be_visible()
    complete.click()
    reopen = rows.get_by_role("button", name="Reopen buy milk", exact=True)
    expect(reopen).to_be_visible()
    expect(reopen).to_have_text("Reopen")
    expect(rows.get_by_role("button", name="Complete walk the dog", exact=True)).to_be_visible()


def test_sign_up_errors_are_sentences(page: Page, app_url: str):
    page.goto(f"{app_url}/signup")
    page.get_by_label("Email").fill(unique_email())
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create account").click()
    alert = page.get_by_role("alert")
    expect(alert).to_have_text("Use at least 8 characters for your password.")
    expect(alert).not_to_contain_text("password:")


def test_favicon_and_manifest_load_on_every_page_without_a_404(page: Page, app_url: str):
    missing: list[str] = []
    csp: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.on("console", lambda m: csp.append(m.text) if "Content Security Policy" in m.text else None)

    page.goto(f"{app_url}/login")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    head = page.locator("head")
    expect(head.locator("link[rel='icon'][href='/favicon.ico']")).to_have_count(1)
    expect(head.locator("link[rel='icon'][type='image/svg+xml']")).to_have_attribute("href", "/favicon.svg")
    expect(head.locator("link[rel='manifest']")).to_have_attribute("href", "/manifest.webmanifest")
    theme = head.locator("meta[name='theme-color']")
    expect(theme).to_have_attribute("content", re.compile("^#[0-9a-f]{6}$"))

    # Chromium fetches and parses the manifest under the page's CSP, as it does to offer an install.
    cdp = page.context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == [], manifest["errors"]
    assert manifest["url"].endswith("/manifest.webmanifest")
    parsed = page.request.get(manifest["url"]).json()
    assert parsed["name"] == "Ticked"
    assert parsed["short_name"]
    assert parsed["display"] == "standalone"
    assert parsed["start_url"] == "/"
    assert parsed["theme_color"] == theme.get_attribute("content")
    assert parsed["background_color"]
    sizes = {icon["sizes"] for icon in parsed["icons"] if icon["type"] == "image/png"}
    assert {"192x192", "512x512"} <= sizes
    icons = ["/favicon.ico", "/favicon.svg", "/apple-touch-icon.png"] + [i["src"] for i in parsed["icons"]]
    for path in icons:
        answer = page.request.get(f"{app_url}{path}")
        assert answer.ok, path
        assert answer.headers["content-type"].startswith("image/"), (path, answer.headers["content-type"])

    signed_in(page, app_url)
    for link in ("Tasks", "Settings", "Chat"):
        page.get_by_role("navigation", name="Main").get_by_role("link", name=link).click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        expect(page.locator("head link[rel='manifest']")).to_have_count(1)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert missing == [], missing
    assert csp == [], csp


def test_a_phone_has_a_new_chat_button_in_the_chat_header(page: Page, app_url: str):
    """Issue 15, item 17: at 390 px the sidebar (and its New chat button) is folded away."""
    from tests.e2e.test_dialogs import seed_thread

    page.set_viewport_size({"width": 390, "height": 844})
    email, token = create_account()
    thread_id = seed_thread(email, "Groceries")
    open_signed_in(page, app_url, token, f"/?thread={thread_id}")
    expect(page.get_by_role("heading", name="Groceries", level=1)).to_be_visible()
    expect(page.get_by_role("article")).to_have_count(2)

    new_chat = page.get_by_role("button", name="New chat", exact=True)
    expect(new_chat).to_have_count(1)  # the sidebar's is hidden on a phone
    expect(new_chat).to_be_visible()
    box = new_chat.bounding_box()
    assert box is not None
    assert box["width"] >= 24  # a target a thumb can hit
    assert box["height"] >= 24
    assert box["x"] + box["width"] <= 390
    new_chat.click()
    expect(page.get_by_role("heading", name="New chat", level=1)).to_be_visible()
    expect(page.get_by_role("article")).to_have_count(0)
    expect(page).not_to_have_url(re.compile(r"thread="))
    expect(page.get_by_role("textbox", name="Message")).to_be_focused()

    page.set_viewport_size({"width": 1280, "height": 900})  # a desktop has the sidebar's, only
    expect(page.get_by_role("button", name="New chat", exact=True)).to_have_count(1)
    expect(page.get_by_role("button", name="New chat", exact=True)).to_have_text("New chat")  # labelled
