"""The settings page as a person uses it, in real Chromium: password, preferences and your data."""

from __future__ import annotations

import json
import os
import re

from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import PASSWORD
from tests.utils.browser import signed_in

NEW_PASSWORD = "battery-staple-77"


def api_base(app_harness) -> str:
    return app_harness.url  # the production server answers the API on the pages' port


def token_of(page: Page) -> str:
    return page.evaluate("() => localStorage.getItem('ticked_token')")


def open_settings(page: Page) -> None:
    page.get_by_role("link", name="Settings").click()
    expect(page).to_have_url(re.compile(r"/settings/?$"))
    expect(page.get_by_role("heading", name="Settings", level=1)).to_be_visible()
    expect(page.get_by_role("region", name="Account")).to_be_visible()


def sign_in(page: Page, app_url: str, email: str, password: str) -> None:
    page.goto(f"{app_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_settings_change_password_keeps_this_session_and_refuses_the_other(
    page: Page, app_url: str, app_harness, browser: Browser
):
    email = signed_in(page, app_url)
    laptop = browser.new_context()
    try:
        other = laptop.new_page()
        sign_in(other, app_url, email, PASSWORD)
        expect(other.get_by_role("button", name="Sign out")).to_be_visible()
        other_token = token_of(other)

        open_settings(page)
        account = page.get_by_role("region", name="Account")
        expect(account.get_by_text(email)).to_be_visible()
        account.get_by_label("Current password").fill(PASSWORD)
        account.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
        account.get_by_label("Confirm new password").fill("something-else-1")
        account.get_by_role("button", name="Change password").click()
        expect(account.get_by_role("alert")).to_have_text(re.compile("don't match"))

        account.get_by_label("Current password").fill("not-my-password")
        account.get_by_label("Confirm new password").fill(NEW_PASSWORD)
        account.get_by_role("button", name="Change password").click()
        expect(account.get_by_role("alert")).to_have_text(re.compile("current password is not right"))

        account.get_by_label("Current password").fill(PASSWORD)
        account.get_by_role("button", name="Change password").click()
        expect(account.get_by_role("status")).to_have_text(re.compile(r"Password changed\. 1 other session"))
        expect(account.get_by_label("Current password")).to_have_value("")

        # This session goes on; the other one is refused by the API and sent to sign-in by the app.
        api = api_base(app_harness)
        assert page.request.get(f"{api}/api/tasks", headers={"Authorization": f"Bearer {token_of(page)}"}).ok
        refused = page.request.get(f"{api}/api/tasks", headers={"Authorization": f"Bearer {other_token}"})
        assert refused.status == 401
        other.goto(f"{app_url}/tasks")
        expect(other).to_have_url(re.compile(r"/login"))
        page.reload()
        expect(page.get_by_role("heading", name="Settings", level=1)).to_be_visible()

        sign_in(other, app_url, email, NEW_PASSWORD)
        expect(other.get_by_role("button", name="Sign out")).to_be_visible()
    finally:
        laptop.close()


def test_settings_preferences_are_saved(page: Page, app_url: str):
    signed_in(page, app_url)
    open_settings(page)
    history = page.get_by_role("region", name="Chat history")
    keep = history.get_by_label("Keep chats for")
    expect(keep).to_have_value("forever")
    expect(history.get_by_text("Conversations are kept until you delete them.")).to_be_visible()
    keep.select_option(label="90 days")
    expect(history.get_by_role("status")).to_have_text("Saved.")
    expect(history.get_by_text(re.compile("no new message for 90 days"))).to_be_visible()

    switch = history.get_by_role("switch", name="Hide sensitive details from the AI model")
    expect(switch).to_be_checked()
    switch.click()
    expect(switch).not_to_be_checked()

    page.reload()
    history = page.get_by_role("region", name="Chat history")
    expect(history.get_by_label("Keep chats for")).to_have_value("90")
    expect(history.get_by_role("switch", name="Hide sensitive details from the AI model")).not_to_be_checked()


def test_settings_download_and_delete_all_chats(page: Page, app_url: str):
    email = signed_in(page, app_url)
    page.get_by_role("textbox", name="Message").fill("add buy milk tomorrow")
    page.get_by_role("textbox", name="Message").press("Enter")
    expect(page.get_by_role("article", name="Assistant message").last).to_contain_text("buy milk")
    expect(page.get_by_role("button", name="Send")).to_be_enabled()

    open_settings(page)
    data = page.get_by_role("region", name="Your data")
    with page.expect_download() as download:
        data.get_by_role("button", name="Download my data").click()
    assert re.fullmatch(r"ticked-data-\d{4}-\d{2}-\d{2}\.json", download.value.suggested_filename)
    exported = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert exported["profile"]["email"] == email
    assert [t["title"] for t in exported["tasks"]] == ["buy milk"]
    assert exported["messages"][0]["content"] == "add buy milk tomorrow"

    data.get_by_role("button", name="Delete all chats").click()
    dialog = page.get_by_role("alertdialog", name="Delete all chats?")
    dialog.get_by_label("Your password").fill("not-my-password")
    dialog.get_by_role("button", name="Delete all chats").click()
    expect(dialog.get_by_role("alert")).to_have_text(re.compile("Nothing was deleted"))
    dialog.get_by_label("Your password").fill(PASSWORD)
    dialog.get_by_role("button", name="Delete all chats").click()
    expect(dialog).to_be_hidden()
    expect(data.get_by_role("status")).to_have_text(
        re.compile("Deleted 1 conversation. Your tasks are unchanged.")
    )

    page.get_by_role("link", name="Chat").click()
    expect(page.get_by_role("list", name="Conversations").get_by_role("button")).to_have_count(0)
    page.get_by_role("link", name="Tasks").click()
    expect(page.get_by_role("button", name="Edit buy milk")).to_be_visible()


def test_settings_delete_account_signs_out_to_sign_in_page(page: Page, app_url: str):
    email = signed_in(page, app_url)
    open_settings(page)
    page.get_by_role("region", name="Your data").get_by_role("button", name="Delete my account").click()
    dialog = page.get_by_role("alertdialog", name="Delete your account?")
    dialog.get_by_role("button", name="Delete my account").click()
    expect(dialog.get_by_role("alert")).to_have_text("Enter your password to confirm.")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()

    page.get_by_role("region", name="Your data").get_by_role("button", name="Delete my account").click()
    dialog.get_by_label("Your password").fill(PASSWORD)
    dialog.get_by_role("button", name="Delete my account").click()
    expect(page).to_have_url(re.compile(r"/login/?$"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_text("Your account and all its data were deleted.")).to_be_visible()
    assert not token_of(page)

    sign_in(page, app_url, email, PASSWORD)
    expect(page.get_by_role("alert")).to_have_text(re.compile("Incorrect email or password"))


def test_the_delete_account_dialog_names_what_becomes_of_shared_projects(page: Page, app_url: str):
    """Issue 16: the confirmation says, before anything happens, which owned project passes on."""
    from app.core.db import session_scope
    from app.models import User
    from app.services import auth, projects
    from tests.e2e.conftest import unique_email

    email = signed_in(page, app_url)
    sam_email = unique_email("heir")
    with session_scope() as session:
        auth.register(session, email=sam_email, password=PASSWORD)
        owner = auth.get_user_by_email(session, email=email)
        assert isinstance(owner, User)
        band = projects.create_project(session, user_id=owner.id, name="Band practice")
        projects.share_project(session, user_id=owner.id, project_id=band.id, email=sam_email)
    open_settings(page)
    page.get_by_role("region", name="Your data").get_by_role("button", name="Delete my account").click()
    dialog = page.get_by_role("alertdialog", name="Delete your account?")
    fates = dialog.get_by_role("list", name="What happens to your projects")
    expect(fates.get_by_role("listitem")).to_have_text([f"Band practice passes to {sam_email}."])
    if shots := os.environ.get("TICKED_SHOTS"):
        page.screenshot(path=f"{shots}/settings-delete-account.png")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()


def test_settings_time_zone_and_reminders_are_saved_and_survive_reload(page: Page, app_url: str):
    """Issue 17: the time zone (checked, with a clear refusal) and the Reminders section."""
    signed_in(page, app_url)
    open_settings(page)
    zone = page.get_by_role("region", name="Time zone")
    box = zone.get_by_label("Your time zone")
    box.fill("Mars/Olympus")
    zone.get_by_role("button", name="Save time zone").click()
    expect(zone.get_by_role("alert")).to_have_text(re.compile("Unknown time zone 'Mars/Olympus'"))
    box.fill("America/New_York")
    zone.get_by_role("button", name="Save time zone").click()
    expect(zone.get_by_role("status")).to_have_text("Saved. Your time zone is America/New_York.")

    reminders = page.get_by_role("region", name="Reminders")
    default = reminders.get_by_label("Default reminder")
    expect(default).to_have_value("none")
    default.select_option(label="30 minutes before")
    expect(reminders.get_by_role("status")).to_have_text(
        "Saved. A task given a due time gets a reminder 30 minutes before."
    )
    email = reminders.get_by_role("switch", name="Email reminders")
    expect(email).to_be_checked()
    email.click()
    expect(email).not_to_be_checked()
    expect(reminders.get_by_role("status")).to_have_text("Saved. No reminder emails.")
    digest = reminders.get_by_role("switch", name="Daily digest email")
    expect(digest).not_to_be_checked()
    expect(reminders.get_by_label("Send the digest at")).to_have_count(0)
    digest.click()
    expect(digest).to_be_checked()
    expect(reminders.get_by_label("Send the digest at")).to_have_value("07:30")
    expect(reminders.get_by_role("status")).to_have_text("Saved. Your digest comes at 07:30.")
    reminders.get_by_label("Send the digest at").fill("08:15")
    expect(reminders.get_by_role("status")).to_have_text("Saved. Your digest comes at 08:15.")

    page.reload()
    zone = page.get_by_role("region", name="Time zone")
    expect(zone.get_by_label("Your time zone")).to_have_value("America/New_York")
    reminders = page.get_by_role("region", name="Reminders")
    expect(reminders.get_by_label("Default reminder")).to_have_value("30")
    expect(reminders.get_by_role("switch", name="Email reminders")).not_to_be_checked()
    expect(reminders.get_by_role("switch", name="Daily digest email")).to_be_checked()
    expect(reminders.get_by_label("Send the digest at")).to_have_value("08:15")
