"""axe-core on the chat's cards (issue 15, items 1, 3 and 14): a summary card with an open Edit form,
a settled confirmation and a list, light and dark. The context bypasses the pages' CSP so axe's
inline script can run (``tests/utils/axe.py``)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.utils.axe import each_mode, serious_violations
from tests.utils.browser import last_reply, send, signed_in


@pytest.fixture
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "bypass_csp": True, "viewport": {"width": 1280, "height": 900}}


def test_cards_pass_axe(page: Page, app_url: str):
    """A summary card with an open Edit form, a settled confirmation and a list: no serious or
    critical axe violation (contrast included) in either colour mode."""
    signed_in(page, app_url)
    send(page, "add tasks: eggs, bread and butter")
    card = last_reply(page).get_by_role("group")
    expect(card).to_contain_text("Added 3 tasks")
    card.get_by_role("button", name="Edit eggs").click()
    expect(card.get_by_role("textbox", name="Title")).to_be_focused()
    send(page, "delete all my tasks")
    send(page, "no")
    expect(page.get_by_role("group").filter(has_text="Cancelled: nothing deleted.")).to_be_visible()
    send(page, "show my tasks")
    expect(last_reply(page).get_by_role("list", name="3 tasks")).to_be_visible()
    for mode in each_mode(page):
        assert serious_violations(page) == "", f"the cards in {mode} mode"
