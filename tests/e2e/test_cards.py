"""Cards as a person sees and clicks them (issue 15, items 1 and 3), in real Chromium: one compact
summary card per turn with Edit on demand and Undo all, and cards that show the current truth
(a confirmation answered in text settles; a list row follows a task completed elsewhere)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_widgets import tasks_page_row
from tests.utils.axe import each_mode
from tests.utils.browser import last_reply, send, signed_in

SHOTS = Path("/tmp/h/shots/cards")


def test_multi_add_is_one_compact_card_with_edit_on_demand_and_undo_all(page: Page, app_url: str):
    signed_in(page, app_url)
    send(page, "add tasks: eggs, bread and butter")
    reply = last_reply(page)
    card = reply.get_by_role("group")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Added 3 tasks")
    for title in ("eggs", "bread", "butter"):
        expect(card.get_by_text(title, exact=True)).to_be_visible()
    expect(card.get_by_text("Added · Medium")).to_have_count(3)
    expect(card.get_by_role("textbox")).to_have_count(0)  # no open forms: one line per task
    assert card.bounding_box()["height"] < 320, "compact: three lines, not three forms"
    edit = card.get_by_role("button", name="Edit bread")
    expect(edit).to_have_attribute("aria-expanded", "false")
    edit.focus()
    page.keyboard.press("Enter")  # a disclosure a keyboard opens
    expect(edit).to_have_attribute("aria-expanded", "true")
    title = card.get_by_role("textbox", name="Title")
    expect(title).to_have_count(1)
    expect(title).to_be_focused()
    expect(title).to_have_value("bread")
    title.fill("sourdough bread")
    card.get_by_role("button", name="Save changes").click()
    expect(card.get_by_text("sourdough bread", exact=True)).to_be_visible()
    expect(card.get_by_text("Added, then edited · Medium")).to_be_visible()
    expect(card.get_by_role("textbox")).to_have_count(0)  # folded again once saved
    card.get_by_role("button", name="Undo all").click()
    expect(card.get_by_text("Added · deleted")).to_have_count(2)
    expect(card.get_by_text("Added, then edited · deleted")).to_have_count(1)
    expect(card.get_by_role("button")).to_have_count(0)
    page.goto(f"{app_url}/tasks")
    expect(page.get_by_text("No tasks yet.")).to_be_visible()


def test_undo_after_editing_an_added_task_reverts_and_says_only_the_edit(page: Page, app_url: str):
    """The issue's case: Undo on an Added card whose form was used said "Undone: take out the trash."
    while the task still existed (only the edit was reverted). It says what it reverted now, the task
    stays, and the add itself can still be undone."""
    signed_in(page, app_url)
    send(page, "add take out the trash")
    card = last_reply(page).get_by_role("group")
    expect(card.get_by_text("Added · Medium")).to_be_visible()
    card.get_by_role("button", name="Edit take out the trash").click()
    card.get_by_role("textbox", name="Title").fill("take out the recycling")
    card.get_by_role("button", name="Save changes").click()
    expect(card.get_by_text("Added, then edited · Medium")).to_be_visible()
    card.get_by_role("button", name="Undo take out the recycling").click()
    expect(card).to_contain_text("Undone: editing “take out the trash”.")  # named as it is again
    expect(card.get_by_text("take out the trash", exact=True)).to_be_visible()
    undo_add = card.get_by_role("button", name="Undo take out the trash")
    expect(undo_add).to_have_count(1)
    page.goto(f"{app_url}/tasks?view=all")
    expect(tasks_page_row(page, "take out the trash")).to_be_visible()
    page.get_by_role("link", name="Chat").click()
    card = last_reply(page).get_by_role("group")
    expect(card).to_contain_text("Undone: editing “take out the trash”.")  # after a reload too
    card.get_by_role("button", name="Undo take out the trash").click()
    expect(card.get_by_text("Added, then edited · deleted")).to_be_visible()
    expect(card).to_contain_text("Undone: adding “take out the trash”.")
    expect(card.get_by_role("button")).to_have_count(0)


def test_confirmation_answered_no_in_text_settles(page: Page, app_url: str):
    signed_in(page, app_url)
    send(page, "add tasks: one, two, three")
    expect(last_reply(page).get_by_role("group")).to_contain_text("Added 3 tasks")
    send(page, "delete all my tasks")
    question = last_reply(page).get_by_role("group")
    expect(question).to_contain_text("Delete 3 tasks?")
    expect(question.get_by_role("button", name="Delete")).to_be_visible()
    send(page, "no")
    expect(last_reply(page)).to_contain_text("Nothing was deleted")
    settled = page.get_by_role("group").filter(has_text="Cancelled: nothing deleted.")
    expect(settled).to_be_visible()
    expect(settled.get_by_role("button")).to_have_count(0)
    expect(page.get_by_role("button", name="Delete", exact=True)).to_have_count(0)
    page.reload()
    expect(page.get_by_role("group").filter(has_text="Cancelled: nothing deleted.")).to_be_visible()
    expect(page.get_by_role("button", name="Delete", exact=True)).to_have_count(0)


def test_list_row_follows_a_task_completed_on_the_task_page_and_by_the_service(page: Page, app_url: str):
    from app.core.db import session_scope
    from app.services import auth
    from app.services import tasks as task_service

    email = signed_in(page, app_url)
    send(page, "add tasks: alpha, beta")
    expect(last_reply(page).get_by_role("group")).to_contain_text("Added 2 tasks")
    send(page, "show my tasks")
    listing = last_reply(page).get_by_role("list", name="2 tasks")
    expect(listing.get_by_role("button", name="Complete alpha")).to_be_visible()
    page.goto(f"{app_url}/tasks")
    tasks_page_row(page, "alpha").get_by_role("checkbox").click()
    expect(tasks_page_row(page, "alpha")).to_have_count(0)  # done: off the open tasks
    page.get_by_role("link", name="Chat").click()
    listing = last_reply(page).get_by_role("list", name="2 tasks")
    expect(listing.get_by_role("button", name="Reopen alpha")).to_be_visible()
    expect(listing.get_by_role("button", name="Complete beta")).to_be_visible()
    with session_scope() as session:  # another surface (the API, the CLI) completes beta
        user = auth.get_user_by_email(session, email=email)
        beta = next(
            t
            for t in task_service.list_tasks(session, user_id=user.id, query=task_service.TaskQuery())
            if t.title == "beta"
        )
        task_service.complete_task(session, user_id=user.id, task_id=beta.id)
    page.reload()
    listing = last_reply(page).get_by_role("list", name="2 tasks")
    expect(listing.get_by_role("button", name="Reopen beta")).to_be_visible()
    send(page, "delete alpha")
    expect(last_reply(page)).to_contain_text("alpha")
    listing = page.get_by_role("list", name="2 tasks")
    expect(listing.get_by_text("Deleted")).to_be_visible()  # re-rendered after the turn, no reload
    expect(listing.get_by_role("button", name="Reopen alpha")).to_have_count(0)


def test_a_click_shows_at_once_what_it_changed_elsewhere_on_the_page(page: Page, app_url: str):
    """The tab that clicks is left out of the live refresh (issue 19): the click itself updates
    the other card listing the same task and the nav's Today count."""
    signed_in(page, app_url)
    send(page, "add water the plants today")
    expect(page.get_by_role("link", name=re.compile(r"^Tasks ?, 1 due today$"))).to_be_visible()
    send(page, "show my tasks")
    listings = page.get_by_role("list", name="1 task")
    expect(listings).to_have_count(1)
    send(page, "show my tasks")
    expect(listings).to_have_count(2)
    first, second = listings.first, listings.last
    expect(first.get_by_role("button", name="Complete water the plants")).to_be_visible()
    second.get_by_role("button", name="Complete water the plants").click()
    expect(second.get_by_role("button", name="Reopen water the plants")).to_be_visible()
    expect(first.get_by_role("button", name="Reopen water the plants")).to_be_visible()
    expect(page.get_by_role("link", name="Tasks", exact=True)).to_be_visible()  # none due today now


@pytest.mark.parametrize("width", [1280, 390])
def test_cards_screenshots(page: Page, app_url: str, width: int):
    """A chat with a summary card, a settled confirmation and a list card, for a person to look
    at, in light and dark mode."""
    page.set_viewport_size({"width": width, "height": 1400 if width > 500 else 1600})
    signed_in(page, app_url)
    send(page, "add tasks: eggs, bread and butter")
    expect(last_reply(page).get_by_role("group")).to_contain_text("Added 3 tasks")
    last_reply(page).get_by_role("button", name="Edit eggs").click()
    expect(last_reply(page).get_by_role("textbox", name="Title")).to_be_focused()  # then type elsewhere
    send(page, "delete bread")
    send(page, "delete all my tasks")
    expect(last_reply(page).get_by_role("group")).to_contain_text("Delete 2 tasks?")
    send(page, "no")
    expect(page.get_by_role("group").filter(has_text="Cancelled: nothing deleted.")).to_be_visible()
    send(page, "show my tasks")
    expect(last_reply(page).get_by_role("list", name="2 tasks")).to_be_visible()
    page.wait_for_timeout(400)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for mode in each_mode(page, settle_ms=400):
        page.screenshot(path=str(SHOTS / f"chat-{width}-{mode}.png"), full_page=True)
    page.evaluate("() => document.querySelectorAll('*').forEach((e) => { e.scrollTop = 0; })")
    page.wait_for_timeout(200)
    for mode in each_mode(page):
        page.screenshot(path=str(SHOTS / f"chat-top-{width}-{mode}.png"), full_page=True)
