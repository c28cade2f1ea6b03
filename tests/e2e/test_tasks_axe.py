"""axe-core on the task page's new parts (issue 15, items 7-10 with item 14): quick-add chips,
the Undo bar, the phone's filters and the detail panel, light and dark, 1280 and 390 px.

axe-core comes from npm (``make setup`` puts it in ``.tools/node_modules``); the page CSP allows
only hashed inline scripts, so this file's browser context bypasses CSP to inject it.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_tasks_page import seed
from tests.utils.browser import create_account, open_signed_in

AXE = Path(__file__).resolve().parents[2] / ".tools" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "bypass_csp": True}


def serious_violations(page: Page) -> str:
    if not AXE.is_file():
        pytest.skip(f"{AXE} is missing: run `make setup`")
    page.add_script_tag(path=str(AXE))
    page.wait_for_timeout(400)  # let transitions settle before colour contrast is measured
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => v.id + ": " + v.nodes.map((n) => n.target.join(" ")).join(", "))"""
    )
    return "\n".join(found)


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 390])
def test_tasks_page_parts_pass_axe(page: Page, app_url: str, width: int, mode: str):
    page.set_viewport_size({"width": width, "height": 844})
    page.emulate_media(color_scheme=mode)
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
    assert serious_violations(page) == ""

    page.get_by_role("button", name="Open Plan trip").click()
    dialog = page.get_by_role("dialog", name="Task details")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Priority", exact=True).select_option("high")
    expect(dialog.get_by_role("button", name="Undo priority change")).to_be_visible()
    assert serious_violations(page) == ""
