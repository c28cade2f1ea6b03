"""Live pages (issue 16), in real Chromium with two people and no reloads.

Alice and Bob both have Groceries open. Bob completes its task: Alice's open list drops it. Alice
adds one: Bob's list shows it. Alice removes Bob: his open page loses the project, and says so.
The listener and the signal are app/states/live.py and app/services/live.py; the same across two
instances behind nginx is tests/deploy/test_two_instances.py. How fast is a benchmark's job
(bench/live_fanout.py); here each step only has to happen without a reload.
"""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import sign_up, unique_email
from tests.e2e.test_projects import create_project, go_tasks, projects_nav, share
from tests.e2e.test_tasks_page import add_task, row


def test_a_teammates_changes_show_on_open_pages_without_a_reload(page: Page, app_url: str, browser: Browser):
    bob_email = unique_email("live-bob")
    bob_context = browser.new_context()
    bob = bob_context.new_page()
    bob.set_default_timeout(15_000)
    try:
        sign_up(bob, app_url, bob_email)
        sign_up(page, app_url)
        go_tasks(page, app_url)
        create_project(page, "Groceries")
        add_task(page, "Buy milk")
        share(page, bob_email, "editor")

        go_tasks(bob, app_url)
        projects_nav(bob).get_by_role("link", name=re.compile("^Groceries")).click()
        expect(bob.get_by_role("heading", name="Groceries", level=1)).to_be_visible()
        expect(row(bob, "Buy milk")).to_be_visible()

        bob.get_by_role("checkbox", name="Complete Buy milk").click()
        expect(row(page, "Buy milk")).to_have_count(0)  # Alice's open list, not reloaded

        add_task(page, "Bread")
        expect(row(bob, "Bread")).to_be_visible()  # Bob's open list, not reloaded

        page.get_by_role("button", name="Share").click()
        dialog = page.get_by_role("dialog", name=re.compile("^Share"))
        dialog.get_by_role("button", name=f"Remove {bob_email}").click()
        expect(dialog.get_by_role("list", name="People with access")).not_to_contain_text(bob_email)
        page.keyboard.press("Escape")

        expect(bob.get_by_role("alert")).to_contain_text("no longer shared with you")  # no reload
        expect(bob.get_by_role("heading", name="All tasks", level=1)).to_be_visible()
        expect(projects_nav(bob).get_by_role("link", name=re.compile("^Groceries"))).to_have_count(0)
        expect(row(bob, "Bread")).to_have_count(0)
    finally:
        bob_context.close()
