"""axe-core on the task page's new parts (issue 15, items 7-10 with item 14): quick-add chips,
the Undo bar, the phone's filters and the detail panel, light and dark, 1280 and 390 px.

axe-core and the colour modes: ``tests/utils/axe.py`` (this file's browser context bypasses CSP to
inject axe).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_tasks_page import seed
from tests.utils.axe import each_mode, serious_violations
from tests.utils.browser import create_account, open_signed_in


@pytest.fixture
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "bypass_csp": True}


@pytest.mark.parametrize("width", [1280, 390])
def test_tasks_page_parts_pass_axe(page: Page, app_url: str, width: int):
    page.set_viewport_size({"width": width, "height": 844})
    email, token = create_account()
    today = date.today()
    seed(
        email,
        [
            {"title": "File taxes", "due_date": (today - timedelta(days=3)).isoformat(), "priority": "high"},
            {"title": "Plan trip", "description": "Pack **boots**", "tags": ["trip"], "recurrence": "weekly"},
            {"title": "Read a book"},
        ],
    )
    open_signed_in(
        page, app_url, token, "/tasks?view=all"
    )  # every task (the page would open on Today: one is overdue)
    expect(page.get_by_role("button", name="Edit File taxes")).to_be_visible()
    page.get_by_role("textbox", name="New task", exact=True).fill("Call Bob tomorrow at 3pm #work p1")
    expect(page.get_by_role("button", name="Remove tag work")).to_be_visible()
    if width == 390:
        page.get_by_role("button", name="Filters").click()
        expect(page.get_by_label("Filter by tag")).to_be_visible()
    page.get_by_role("checkbox", name="Complete Read a book").click()
    expect(page.get_by_role("status")).to_contain_text("Completed")
    page.get_by_role("status").hover()  # keep it open while axe runs
    for mode in each_mode(page):
        assert serious_violations(page) == "", f"quick add, filters and Undo in {mode} mode"

    page.get_by_role("button", name="Open Plan trip").click()
    dialog = page.get_by_role("dialog", name="Task details")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Priority", exact=True).select_option("high")
    expect(dialog.get_by_role("button", name="Undo priority change")).to_be_visible()
    for mode in each_mode(page):
        assert serious_violations(page) == "", f"the detail panel in {mode} mode"
