"""Issue 15, item 2, in real Chromium: moving more than three tasks asks first with a card that
lists them; the card's Move button moves them all, and the task page shows the new dates."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.test_widgets import tasks_page_row
from tests.utils.browser import last_reply, send, signed_in

NAMES = ["wash car", "pay bills", "call bank", "fix bike", "buy stamps"]
SHOTS = Path("/tmp/h/shots/bulk-confirm")


def test_moving_five_tasks_asks_with_a_card_and_its_button_moves_them(page: Page, app_url: str):
    signed_in(page, app_url)
    send(page, "add tasks: " + ", ".join(NAMES))
    expect(last_reply(page).get_by_role("group")).to_contain_text("Added 5 tasks")
    send(page, "move all my tasks to tomorrow")
    reply = last_reply(page)
    expect(reply).to_contain_text("Move 5 tasks to tomorrow? They are listed below; say yes or no.")
    card = reply.get_by_role("group")
    expect(card).to_contain_text("Move 5 tasks?")
    for name in NAMES:
        expect(card).to_contain_text(name)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "asks-1280-light.png"))
    card.get_by_role("button", name="Move", exact=True).click()
    expect(card).to_contain_text("Moved 5 tasks")
    expect(card.get_by_role("button", name="Undo all")).to_be_visible()
    expect(page.get_by_role("button", name="Move", exact=True)).to_have_count(0)
    page.screenshot(path=str(SHOTS / "moved-1280-light.png"))
    page.goto(f"{app_url}/tasks")
    for name in NAMES:
        expect(tasks_page_row(page, name)).to_contain_text(re.compile("tomorrow", re.IGNORECASE))
