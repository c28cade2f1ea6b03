"""axe-core on the open bell (issue 17): nothing serious in light and dark, at 1280 and 390 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_bell import bell, notify
from tests.utils.axe import each_mode, serious_violations
from tests.utils.browser import create_account, open_signed_in


@pytest.fixture
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "bypass_csp": True}  # to inject axe.min.js


@pytest.mark.parametrize("width", [1280, 390])
def test_the_open_bell_has_no_serious_axe_violation(page: Page, app_url: str, width: int):
    page.set_viewport_size({"width": width, "height": 860})
    email, token = create_account()
    notify(email, "Call mom", task_title="Call mom")
    notify(email, "Water the plants", kind="missed")
    notify(email, "Pay rent", kind="failed")
    open_signed_in(page, app_url, token)
    bell(page, 3).click()
    panel = page.get_by_role("dialog", name="Notifications")
    expect(panel.get_by_role("listitem")).to_have_count(3)
    for mode in each_mode(page):
        assert serious_violations(page) == "", f"the open bell in {mode} at {width} px"
