"""Settings > Import and Calendar feed in real Chromium on a 390 px phone: a Todoist CSV previewed,
then imported; the feed URL made, fetched without signing in, and revoked by making a new one;
axe finds nothing serious and nothing is wider than the screen."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import func, select

from app.core.db import session_scope
from app.models import Task, User
from tests.utils.axe import serious_violations
from tests.utils.browser import signed_in

SAMPLE = Path(__file__).resolve().parents[1] / "services" / "fixtures" / "Home [2203306141].csv"


@pytest.fixture
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "bypass_csp": True, "viewport": {"width": 390, "height": 844}}


def fits_the_screen(page: Page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert serious_violations(page) == ""


def open_settings(page: Page) -> None:
    page.get_by_role("link", name="Settings").click()
    expect(page).to_have_url(re.compile(r"/settings/?$"))
    expect(page.get_by_role("region", name="Import")).to_be_visible()


def tasks_of(email: str) -> int:
    with session_scope() as session:
        user = session.exec(select(User).where(User.email == email)).one()
        return session.exec(select(func.count()).select_from(Task).where(Task.user_id == user.id)).one()


def test_import_a_todoist_csv_with_a_preview_first(page: Page, app_url: str):
    email = signed_in(page, app_url)
    open_settings(page)
    region = page.get_by_role("region", name="Import")
    region.locator("input[type=file]").set_input_files(str(SAMPLE))
    expect(region.get_by_role("heading", name="Preview")).to_be_visible()
    expect(region.get_by_text(re.compile(r"Would import 9 tasks \(4 subtasks"))).to_be_visible()
    table = region.get_by_role("table")
    expect(table.get_by_role("rowheader", name="Plan the party")).to_be_visible()
    expect(region.get_by_label("Project")).to_have_value("Home")
    expect(region.get_by_text("the task has no title")).to_be_visible()
    expect(region.get_by_text(re.compile("'every 2 weeks' is read as weekly"))).to_be_visible()
    assert tasks_of(email) == 0  # the preview wrote nothing
    fits_the_screen(page)

    region.get_by_label("Project").fill("Moving in")
    region.get_by_role("button", name="Update preview").click()
    expect(region.get_by_text(re.compile(r"into Moving in \(a new project\)"))).to_be_visible()
    region.get_by_role("button", name="Import", exact=True).click()
    expect(region.get_by_role("status").filter(has_text="Imported 9 tasks")).to_contain_text("into Moving in")
    assert tasks_of(email) == 9


def test_calendar_feed_url_works_without_sign_in_and_a_new_one_revokes_it(page: Page, app_url: str):
    signed_in(page, app_url)
    open_settings(page)
    region = page.get_by_role("region", name="Calendar feed")
    expect(region.get_by_text("Your feed is off.")).to_be_visible()
    region.get_by_role("button", name="Turn on calendar feed").click()
    url_field = region.get_by_label("Your feed URL")
    expect(url_field).to_have_value(re.compile(r"/api/calendar/[\w-]{43}\.ics$"))
    first = url_field.input_value()
    fits_the_screen(page)
    anonymous = page.context.browser.new_context()
    try:
        resp = anonymous.request.get(first)
        assert resp.status == 200
        assert resp.headers["content-type"].startswith("text/calendar")
        assert "BEGIN:VCALENDAR" in resp.text()
        region.get_by_role("button", name="Make a new URL").click()
        expect(url_field).not_to_have_value(first)
        expect(region.get_by_role("status")).to_contain_text("the old one no longer works")
        assert anonymous.request.get(first).status == 404
        assert anonymous.request.get(url_field.input_value()).status == 200
        region.get_by_role("button", name="Turn off").click()
        expect(region.get_by_text("Your feed is off.")).to_be_visible()
    finally:
        anonymous.close()
