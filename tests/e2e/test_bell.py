"""The notification bell and the browser's time zone, in real Chromium (issue 17).

Notifications are written in-process (as the reminder scheduler does) into the database the app
serves; the page finds them on load, when the bell opens, and by its own timer (fast-forwarded with
Playwright's clock). The time zone comes from the browser context's ``timezone_id``.
"""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import PASSWORD, unique_email
from tests.utils.browser import sign_up, signed_in


def user_of(email: str):
    from app.core.db import session_scope
    from app.services import auth

    with session_scope() as session:
        user = auth.get_user_by_email(session, email=email)
        assert user is not None
        session.expunge(user)
        return user


def notify(email: str, title: str, kind: str = "reminder", *, task_title: str | None = None) -> str:
    """Add a notification to the person's bell (with a task of that title when given); the task id."""
    from app.core.db import session_scope
    from app.services import notifications, tasks

    user = user_of(email)
    with session_scope() as session:
        task_id: uuid.UUID | None = None
        if task_title:
            task_id = tasks.create_task(session, user_id=user.id, data={"title": task_title}).id
        notifications.notify(session, user_id=user.id, kind=kind, title=title, task_id=task_id)
    return str(task_id) if task_id else ""


def bell(page: Page, unread: int | None):
    words = "none" if not unread else str(unread)
    return page.get_by_role("button", name=f"Notifications, {words} unread")


def test_bell_counts_opens_marks_read_and_leads_to_the_task(page: Page, app_url: str):
    email = signed_in(page, app_url)
    expect(bell(page, 0)).to_be_visible()
    notify(email, "Call mom", task_title="Call mom")
    notify(email, "Water the plants", kind="missed")
    page.reload()
    expect(bell(page, 2)).to_be_visible()

    bell(page, 2).click()
    panel = page.get_by_role("dialog", name="Notifications")
    items = panel.get_by_role("list", name="Recent notifications").get_by_role("listitem")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("Missed reminder")
    expect(items.first).to_contain_text("just now")
    expect(panel.get_by_role("button", name=re.compile(r"^Call mom.*Reminder.*unread"))).to_be_visible()

    panel.get_by_role("button", name=re.compile(r"^Call mom")).click()
    # the task page opens with that task's panel; the address then drops ?task=
    details = page.get_by_role("dialog", name="Task details")
    expect(details.get_by_label("Title", exact=True)).to_have_value("Call mom")
    expect(page).to_have_url(re.compile(r"/tasks/?$"))
    page.keyboard.press("Escape")
    expect(bell(page, 1)).to_be_visible()

    bell(page, 1).click()
    panel.get_by_role("button", name="Mark all read").click()
    expect(bell(page, 0)).to_be_visible()
    expect(panel.get_by_role("button", name="Mark all read")).to_be_disabled()
    page.keyboard.press("Escape")
    expect(panel).to_have_count(0)
    page.reload()
    expect(bell(page, 0)).to_be_visible()


def test_bell_updates_by_itself_and_shows_a_desktop_notification(browser: Browser, app_url: str, app_harness):
    context = browser.new_context(permissions=["notifications"])
    # Record what the page asks the browser to show (headless Chromium shows nothing itself).
    context.add_init_script(
        """(() => {
          window.__shown = [];
          class Recorder { constructor(title, options) { window.__shown.push({ title, ...options }); }
                           close() {} }
          Recorder.permission = "granted";
          Recorder.requestPermission = async () => "granted";
          window.Notification = Recorder;
        })();"""
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.clock.install()
        email = signed_in(page, app_url)
        page.get_by_role("link", name="Settings").click()
        reminders = page.get_by_role("region", name="Reminders")
        expect(reminders.get_by_text("On in this browser.")).to_be_visible()
        expect(bell(page, 0)).to_be_visible()

        notify(email, "Stand-up in 10 minutes", task_title="Stand-up")
        page.clock.fast_forward(31_000)
        expect(bell(page, 1)).to_be_visible()
        page.wait_for_function("() => window.__shown.length === 1")
        shown = page.evaluate("() => window.__shown[0]")
        assert shown["title"] == "Stand-up in 10 minutes"
        assert shown["tag"].startswith("ticked-")
        # once only: not again at the next poll, nor after a reload (the tab remembers it)
        page.clock.fast_forward(31_000)
        expect(bell(page, 1)).to_be_visible()
        assert page.evaluate("() => window.__shown.length") == 1
        page.reload()
        expect(bell(page, 1)).to_be_visible()
        page.clock.fast_forward(31_000)
        page.wait_for_timeout(500)
        assert page.evaluate("() => window.__shown.length") == 0
    finally:
        context.close()


def test_time_zone_comes_from_the_browser_at_sign_up_and_stays_when_travelling(
    browser: Browser, app_url: str
):
    home = browser.new_context(timezone_id="Pacific/Honolulu")
    away = browser.new_context(timezone_id="Asia/Tokyo")
    try:
        page = home.new_page()
        page.set_default_timeout(15_000)
        email = unique_email("tz")
        sign_up(page, app_url, email)
        assert user_of(email).time_zone == "Pacific/Honolulu"

        travel = away.new_page()
        travel.set_default_timeout(15_000)
        travel.goto(f"{app_url}/login")
        travel.get_by_label("Email").fill(email)
        travel.get_by_label("Password").fill(PASSWORD)
        travel.get_by_role("button", name="Sign in").click()
        expect(travel.get_by_role("button", name="Sign out")).to_be_visible()
        assert user_of(email).time_zone == "Pacific/Honolulu"  # a chosen zone is not flipped silently

        travel.get_by_role("link", name="Settings").click()
        zone = travel.get_by_role("region", name="Time zone")
        expect(zone.get_by_label("Your time zone")).to_have_value("Pacific/Honolulu")
        expect(zone).to_contain_text("Your browser says you are in Asia/Tokyo.")
        zone.get_by_role("button", name="Use Asia/Tokyo").click()
        expect(zone.get_by_role("status")).to_have_text(re.compile("Your time zone is Asia/Tokyo"))
        expect(zone.get_by_label("Your time zone")).to_have_value("Asia/Tokyo")
        assert user_of(email).time_zone == "Asia/Tokyo"
    finally:
        home.close()
        away.close()


def test_on_the_task_page_a_notification_opens_its_task_in_place(page: Page, app_url: str):
    email = signed_in(page, app_url)
    notify(email, "Renew passport", task_title="Renew passport")
    page.get_by_role("link", name="Tasks").click()
    expect(page).to_have_url(re.compile(r"/tasks"))
    bell(page, 1).click()
    page.get_by_role("dialog", name="Notifications").get_by_role(
        "button", name=re.compile("^Renew passport")
    ).click()
    details = page.get_by_role("dialog", name="Task details")
    expect(details).to_be_visible()
    expect(details.get_by_label("Title", exact=True)).to_have_value("Renew passport")
    details.get_by_role("button", name="Close task details").click()
    expect(details).to_have_count(0)
    expect(bell(page, 0)).to_be_visible()
