"""What a person does in the browser, shared by the e2e, deploy and security browser tests:
sign up, send a message, read the last reply, find a conversation, add a task by chat and see it
on the task page. Locators go by role and accessible name, as a screen reader would."""

from __future__ import annotations

import json
import uuid

from playwright.sync_api import Locator, Page, expect

PASSWORD = "correct-horse-42"


def unique_email(prefix: str = "e2e") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


def sign_up(page: Page, app_url: str, email: str | None = None, password: str = PASSWORD) -> str:
    """Create an account through the sign-up page; returns the email. Lands on the chat page."""
    email = email or unique_email()
    page.goto(f"{app_url}/signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    return email


def create_account(email: str | None = None, password: str = PASSWORD) -> tuple[str, str]:
    """An account as the sign-up form makes one (``auth.register`` under the instance's sign-up
    policy, then a web session's token), without the form: for browser tests about something
    else, which then open their page signed in (:func:`open_signed_in`). Returns (email, token).

    The account is on this process's database: the e2e app's (``tests/e2e/conftest.py``)."""
    from app.core.db import session_scope
    from app.services import auth

    with session_scope() as session:
        user = auth.register(session, email=email or unique_email(), password=password)
        return user.email, auth.issue_token(session, user=user)


def open_signed_in(page: Page, app_url: str, token: str, path: str = "/") -> None:
    """Open ``path`` in this tab signed in with ``token``: the token goes where a sign-in keeps it
    (LocalStorage) before the page's first script runs, once per tab, so signing out sticks.
    Returns once the page has been drawn for the signed-in person."""
    done = json.dumps(f"e2e-signed-in-{uuid.uuid4().hex}")
    page.add_init_script(
        f"if (!sessionStorage.getItem({done})) {{"
        f" localStorage.setItem('ticked_token', {json.dumps(token)});"
        f" sessionStorage.setItem({done}, '1'); }}"
    )
    page.goto(f"{app_url}{path}")
    # The page's <main> is drawn once the server has checked the token (the header, with its Sign
    # out button, is in the page's static HTML before that); attached, as a dialog may cover it.
    expect(page.locator("main")).to_be_attached()


def signed_in(page: Page, app_url: str, path: str = "/", email: str | None = None) -> str:
    """A new account with ``path`` open in this tab (the chat by default); returns the email. Only
    the tests of signing up itself go through the form (:func:`sign_up`)."""
    email, token = create_account(email)
    open_signed_in(page, app_url, token, path)
    return email


def send(page: Page, text: str) -> None:
    """Type and send as a person does: once the previous reply has finished (Send is enabled again)."""
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    box = page.get_by_role("textbox", name="Message")
    box.fill(text)
    box.press("Enter")
    # The message is on the page at once (before any reply): a failure here means it was never sent.
    expect(page.get_by_role("article", name="Your message").last).to_contain_text(text)


def last_reply(page: Page) -> Locator:
    return page.get_by_role("article", name="Assistant message").last


def thread_button(page: Page, title: str) -> Locator:
    return page.get_by_role("list", name="Conversations").get_by_role("button", name=title, exact=True)


def add_by_chat_and_find_on_tasks_page(page: Page, title: str = "buy milk") -> Locator:
    """Ask for "add <title> tomorrow", check the reply, then open the task page and return its row."""
    send(page, f"add {title} tomorrow")
    expect(last_reply(page)).to_contain_text(title, ignore_case=True)
    expect(last_reply(page)).to_contain_text("tomorrow")
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    page.get_by_role("link", name="Tasks").click()
    row = page.get_by_role("listitem").filter(has=page.get_by_role("button", name=f"Edit {title}"))
    expect(row).to_be_visible()
    expect(row.get_by_text("tomorrow")).to_be_visible()
    return row
