"""axe-core on every page, in light and dark mode, at 1280 px (issue 15, item 14): no serious or
critical violation, colour contrast included.

axe-core, and both colour modes on one page load: ``tests/utils/axe.py``. Each page is set up once
and checked in light, then in dark: a new account's pages follow the system's colour scheme,
live. (The header's toggle, which stores a mode of its own, has its own test below.)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_admin_audit import promote
from tests.utils.axe import each_mode, serious_violations
from tests.utils.browser import create_account, last_reply, open_signed_in, send, signed_in, unique_email


@pytest.fixture
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "bypass_csp": True, "viewport": {"width": 1280, "height": 900}}


def sign_in_page(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/login")
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()


def sign_up_page(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/signup")
    expect(page.get_by_role("heading", name="Create your account", level=1)).to_be_visible()


def chat_empty(page: Page, app_url: str) -> None:
    signed_in(page, app_url)
    expect(page.get_by_role("heading", name="What's on your list?")).to_be_visible()


def chat_with_card(page: Page, app_url: str) -> None:
    """A conversation whose last reply carries a widget card (a list of tasks)."""
    signed_in(page, app_url)
    send(page, "add buy milk tomorrow")
    expect(last_reply(page)).to_contain_text("buy milk")
    send(page, "show my tasks")
    expect(last_reply(page).get_by_role("button", name="Complete buy milk")).to_be_visible()
    expect(page.get_by_role("button", name="Send")).to_be_enabled()


def tasks_with_tasks(page: Page, app_url: str) -> None:
    from app.core.db import session_scope
    from app.services import auth
    from app.services import tasks as task_service

    email, token = create_account()
    today = date.today()
    with session_scope() as session:
        user_id = auth.get_user_by_email(session, email=email).id
        for title, priority, due, tags in (
            ("Pay rent", "high", today - timedelta(days=2), ["home"]),
            ("Call the dentist", "medium", today, []),
            ("Buy milk", "low", today + timedelta(days=1), ["errands"]),
            ("Plan the trip", "medium", None, ["travel"]),
        ):
            task_service.create_task(
                session,
                user_id=user_id,
                data={"title": title, "priority": priority, "due_date": due, "tags": tags},
            )
        done = task_service.create_task(session, user_id=user_id, data={"title": "Water plants"})
        task_service.complete_task(session, user_id=user_id, task_id=done.id)
    open_signed_in(page, app_url, token, "/tasks")
    expect(page.get_by_role("heading", name="Tasks", level=1)).to_be_visible()
    expect(page.get_by_text("Pay rent")).to_be_visible()


def settings(page: Page, app_url: str) -> None:
    signed_in(page, app_url, "/settings")
    expect(page.get_by_role("heading", name="Your data")).to_be_visible()


def _admin_page(path: str, ready: str) -> Callable[[Page, str], None]:
    """An admin console page, as an admin (the signed-up account promoted in-process) sees it."""

    def show(page: Page, app_url: str) -> None:
        email, token = create_account()
        promote(email)
        open_signed_in(page, app_url, token, path)
        expect(page.get_by_role("heading", name="Admin", level=1)).to_be_visible()
        expect(page.get_by_text(ready).first).to_be_visible()

    return show


def reset_form(page: Page, app_url: str) -> None:
    """The password-reset page a valid link opens (issue 18), with its two password fields."""
    from app.core.db import session_scope
    from app.services import auth, password_reset

    with session_scope() as session:
        user = auth.register(session, email=unique_email(), password="a-good-password-1", name="Rosa")
        token = password_reset.issue(session, user=user)
    page.goto(f"{app_url}/reset?token={token}")
    expect(page.get_by_role("heading", name="Set a new password", level=1)).to_be_visible()
    expect(page.get_by_label("New password", exact=True)).to_be_visible()


def reset_bad_link(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/reset?token=not-a-token")
    expect(page.get_by_role("heading", name="Set a new password", level=1)).to_be_visible()
    expect(page.get_by_role("alert")).to_be_visible()


def sign_in_after_a_failed_sso(page: Page, app_url: str) -> None:
    """Where /sso sends a browser whose single sign-on failed: sign-in, saying what happened."""
    page.goto(f"{app_url}/sso?code=no-such-code")
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    expect(page.get_by_text("already used or has expired")).to_be_visible()


def not_found(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/no-such-page")
    expect(page.get_by_role("heading", name="Page not found", level=1)).to_be_visible()


PAGES: dict[str, Callable[[Page, str], None]] = {
    "admin-users": _admin_page("/admin", "Last active"),
    "admin-settings": _admin_page("/admin/settings", "Invitations"),
    "admin-audit": _admin_page("/admin/audit", "Export CSV"),
    "not-found": not_found,
    "sign-in": sign_in_page,
    "sign-up": sign_up_page,
    "reset": reset_form,
    "reset-bad-link": reset_bad_link,
    "sign-in-sso-failed": sign_in_after_a_failed_sso,
    "chat-empty": chat_empty,
    "chat-with-card": chat_with_card,
    "tasks": tasks_with_tasks,
    "settings": settings,
}


@pytest.mark.parametrize("name", list(PAGES))
def test_axe_finds_no_serious_violation(page: Page, app_url: str, name: str):
    PAGES[name](page, app_url)
    for mode in each_mode(page):
        assert serious_violations(page) == "", f"{name} in {mode} mode"


def test_the_colour_mode_toggle_switches_and_is_remembered(page: Page, app_url: str):
    """The header's toggle goes from the system's mode to the other one, and the page opens in the
    chosen mode next time, whatever the system's is."""
    page.emulate_media(color_scheme="light")
    signed_in(page, app_url, "/tasks")
    html = page.locator("html")
    expect(html).to_have_class("light")
    toggle = page.get_by_role("button", name="Toggle dark mode")
    toggle.click()
    expect(html).to_have_class("dark")
    page.reload()
    expect(page.get_by_role("heading", name="Tasks", level=1)).to_be_visible()
    expect(html).to_have_class("dark")
    toggle.click()
    expect(html).to_have_class("light")
    page.emulate_media(color_scheme="dark")  # a chosen mode no longer follows the system's
    page.reload()
    expect(page.get_by_role("heading", name="Tasks", level=1)).to_be_visible()
    expect(html).to_have_class("light")
