"""Dialogs and focus from the keyboard (issue 15, item 12), in real Chromium: every dialog takes
focus, keeps Tab inside, closes on Escape and on a click outside, and gives focus back to what
opened it; closing a rename box or signing in never leaves focus on ``<body>``."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests.utils.browser import PASSWORD, create_account, open_signed_in, sign_up, signed_in, thread_button

FOCUS_INSIDE = "(selector) => !!document.activeElement && !!document.activeElement.closest(selector)"


def seed_thread(email: str, title: str) -> str:
    """A conversation with one exchange, made in-process (no agent needed); returns its id."""
    from app.core.db import session_scope
    from app.services import auth, messages, threads

    with session_scope() as session:
        user = auth.get_user_by_email(session, email=email)
        thread = threads.create_thread(session, user_id=user.id, title=title)
        messages.add_user_message(session, user_id=user.id, thread_id=thread.id, content="buy eggs")
        reply = messages.open_assistant_message(session, user_id=user.id, thread_id=thread.id)
        messages.finish_assistant_message(session, message_id=reply.id, content="Noted.")
        return str(thread.id)


def expect_tab_stays_inside(page: Page, dialog: Locator, presses: int = 6) -> None:
    """Tab and Shift+Tab never reach the page behind the dialog."""
    for key in ["Tab"] * presses + ["Shift+Tab"] * presses:
        page.keyboard.press(key)
        assert page.evaluate(FOCUS_INSIDE, "[role=alertdialog]"), f"focus left the dialog after {key}"
    expect(dialog).to_be_visible()


def click_outside(page: Page, dialog: Locator) -> None:
    """A click on the overlay, well away from the dialog's box."""
    box = dialog.bounding_box()
    assert box is not None
    page.mouse.click(max(box["x"] - 60, 5), max(box["y"] - 60, 5) if box["y"] > 70 else 890)


def open_delete_dialog(page: Page, title: str) -> Locator:
    page.get_by_role("button", name=f"Options for {title}").click()
    page.get_by_role("menuitem", name="Delete").click()
    dialog = page.get_by_role("alertdialog", name="Delete this conversation?")
    expect(dialog).to_be_visible()
    return dialog


def test_delete_conversation_dialog_traps_focus_and_gives_it_back(page: Page, app_url: str):
    email, token = create_account()
    thread_id = seed_thread(email, "Groceries")
    open_signed_in(page, app_url, token, f"/?thread={thread_id}")
    options = page.get_by_role("button", name="Options for Groceries")
    expect(options).to_be_visible()

    dialog = open_delete_dialog(page, "Groceries")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()  # the safe choice first
    expect_tab_stays_inside(page, dialog)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(options).to_be_focused()
    expect(thread_button(page, "Groceries")).to_be_visible()

    # From the keyboard: the menu button opens the menu, Delete opens the dialog.
    page.keyboard.press("Enter")
    expect(page.get_by_role("menuitem", name="Delete")).to_be_visible()
    page.get_by_role("menuitem", name="Delete").focus()
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    click_outside(page, dialog)
    expect(dialog).to_be_hidden()
    expect(options).to_be_focused()
    expect(thread_button(page, "Groceries")).to_be_visible()

    dialog = open_delete_dialog(page, "Groceries")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(thread_button(page, "Groceries")).to_be_visible()

    dialog = open_delete_dialog(page, "Groceries")
    dialog.get_by_role("button", name="Delete").click()
    expect(dialog).to_be_hidden()
    expect(thread_button(page, "Groceries")).to_have_count(0)
    # Its menu button went with it: focus goes to the composer, not <body>.
    expect(page.get_by_role("textbox", name="Message")).to_be_focused()


def test_rename_escape_and_enter_give_focus_back_to_the_conversation(page: Page, app_url: str):
    email, token = create_account()
    thread_id = seed_thread(email, "Groceries")
    open_signed_in(page, app_url, token, f"/?thread={thread_id}")

    page.get_by_role("button", name="Options for Groceries").click()
    page.get_by_role("menuitem", name="Rename").click()
    box = page.get_by_role("textbox", name="Conversation title")
    expect(box).to_be_focused()
    box.fill("Shopping")
    box.press("Escape")
    expect(box).to_have_count(0)
    expect(thread_button(page, "Groceries")).to_be_focused()

    page.get_by_role("button", name="Options for Groceries").click()
    page.get_by_role("menuitem", name="Rename").click()
    box.fill("Weekly shop")
    box.press("Enter")
    expect(thread_button(page, "Weekly shop")).to_be_focused()
    expect(page.get_by_role("heading", name="Weekly shop", level=1)).to_be_visible()


def open_settings(page: Page, app_url: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Your data")).to_be_visible()


def test_settings_dialogs_trap_focus_and_give_it_back(page: Page, app_url: str):
    signed_in(page, app_url)
    open_settings(page, app_url)
    for opener_name, title, field in (
        ("Delete all chats", "Delete all chats?", "confirm-chats-password"),
        ("Delete my account", "Delete your account?", "confirm-account-password"),
    ):
        opener = page.get_by_role("button", name=opener_name, exact=True)
        opener.click()
        dialog = page.get_by_role("alertdialog", name=title)
        expect(dialog).to_be_visible()
        expect(page.locator(f"#{field}")).to_be_focused()  # the password it asks for
        expect_tab_stays_inside(page, dialog)
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
        expect(opener).to_be_focused()

        opener.press("Enter")
        expect(dialog).to_be_visible()
        click_outside(page, dialog)
        expect(dialog).to_be_hidden()
        expect(opener).to_be_focused()
    expect(page.get_by_role("heading", name="Settings", level=1)).to_be_visible()  # nothing deleted


def test_sign_in_puts_focus_on_the_composer_or_the_pages_heading(page: Page, app_url: str):
    email = sign_up(page, app_url)
    expect(page.get_by_role("textbox", name="Message")).to_be_focused()  # after sign-up too
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()

    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    composer = page.get_by_role("textbox", name="Message")
    expect(composer).to_be_focused()
    page.keyboard.type("hello")
    expect(composer).to_have_value("hello")

    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{app_url}/settings")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Settings", level=1)).to_be_focused()
