"""The chat page and its thread sidebar as a person uses them, in real Chromium."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.utils.browser import add_by_chat_and_find_on_tasks_page, last_reply, send, signed_in, thread_button

__all__ = ["last_reply", "send"]  # other e2e tests import these from here


def test_add_task_by_chat_shows_reply_and_task_on_tasks_page(page: Page, app_url: str):
    signed_in(page, app_url)
    add_by_chat_and_find_on_tasks_page(page, "buy milk")


def test_thread_in_sidebar_then_rename_archive_and_reload(page: Page, app_url: str):
    signed_in(page, app_url)
    send(page, "remind me to call the dentist")
    expect(last_reply(page)).to_contain_text("call the dentist")
    expect(thread_button(page, "Call the dentist")).to_be_visible()
    page.reload()
    expect(thread_button(page, "Call the dentist")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("article", name="Your message")).to_contain_text("remind me to call the dentist")

    page.get_by_role("button", name="Options for Call the dentist").click()
    page.get_by_role("menuitem", name="Rename").click()
    title = page.get_by_role("textbox", name="Conversation title")
    title.fill("Dentist")
    title.press("Enter")
    expect(thread_button(page, "Dentist")).to_be_visible()
    expect(page.get_by_role("heading", name="Dentist", exact=True)).to_be_visible()

    page.get_by_role("button", name="Options for Dentist").click()
    page.get_by_role("menuitem", name="Archive").click()
    expect(thread_button(page, "Dentist")).to_have_count(0)
    page.get_by_role("button", name="Archived").click()
    expect(thread_button(page, "Dentist")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="Dentist", exact=True)).to_be_visible()
    page.get_by_role("button", name="Archived").click()
    expect(thread_button(page, "Dentist")).to_be_visible()


def test_delete_thread_asks_first(page: Page, app_url: str):
    signed_in(page, app_url)
    send(page, "add water the plants")
    expect(last_reply(page)).to_contain_text("water the plants")
    page.get_by_role("button", name="New chat").click()
    send(page, "show my tasks")
    expect(last_reply(page)).to_contain_text("water the plants")
    expect(thread_button(page, "Water the plants")).to_be_visible()

    page.get_by_role("button", name="Options for Water the plants").click()
    page.get_by_role("menuitem", name="Delete").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Delete this conversation?")
    dialog.get_by_role("button", name="Cancel").click()
    expect(thread_button(page, "Water the plants")).to_be_visible()

    page.get_by_role("button", name="Options for Water the plants").click()
    page.get_by_role("menuitem", name="Delete").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    expect(thread_button(page, "Water the plants")).to_have_count(0)
    page.reload()
    expect(thread_button(page, "Water the plants")).to_have_count(0)
    expect(thread_button(page, "My tasks")).to_be_visible()


def test_shift_enter_makes_a_new_line_and_suggestions_send(page: Page, app_url: str):
    signed_in(page, app_url)
    box = page.get_by_role("textbox", name="Message")
    box.fill("first line")
    box.press("Shift+Enter")
    box.press_sequentially("second line")
    expect(box).to_have_value("first line\nsecond line")
    expect(page.get_by_role("article")).to_have_count(0)
    box.fill("")
    page.get_by_role("button", name="What can you do?").click()
    expect(last_reply(page)).to_contain_text(re.compile("add", re.I))


def test_last_thread_reopens_after_sign_in(page: Page, app_url: str):
    email = signed_in(page, app_url)
    send(page, "add renew passport in 3 days")
    expect(last_reply(page)).to_contain_text("renew passport")
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("correct-horse-42")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Renew passport")).to_be_visible()
    expect(last_reply(page)).to_contain_text("renew passport")


def test_long_reply_is_revealed_in_steps_then_stays_whole(page: Page, app_url: str):
    """The local agent's long replies type in (a few steps of one small var), then show whole."""
    signed_in(page, app_url)
    page.evaluate(
        """() => {
            window.__replyLengths = [];
            new MutationObserver(() => {
                const replies = document.querySelectorAll('[role=article][aria-label="Assistant message"]');
                if (replies.length) window.__replyLengths.push(replies[replies.length - 1].innerText.length);
            }).observe(document.body, {subtree: true, childList: true, characterData: true});
        }"""
    )
    send(page, "what can you do?")
    reply = last_reply(page)
    expect(reply).to_contain_text("reverts my last change")
    expect(reply.get_by_role("button", name="Copy message")).to_be_visible()
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    lengths = page.evaluate("window.__replyLengths")
    whole = max(lengths)
    assert any(0 < n < whole * 0.8 for n in lengths), f"no partial reply was shown: {sorted(set(lengths))}"
    page.reload()
    expect(last_reply(page)).to_contain_text("reverts my last change")


def test_interrupted_reply_says_what_it_did_and_retry_finishes_it(page: Page, app_url: str, monkeypatch):
    """A turn cut off after 3 of 8 tasks (as by a crash, then the restart's recovery): its reply names
    them; Retry finishes the answer without adding those 3 again."""
    from app.core.db import session_scope
    from app.orchestration import runner
    from app.services import auth
    from app.services import messages as message_service
    from tests.agent.test_interrupted_turns import EIGHT, _Killed, crash_after

    email = signed_in(page, app_url)
    with session_scope() as session:
        user_id = auth.get_user_by_email(session, email=email).id
    start = runner.begin_turn(user_id=user_id, text=EIGHT.replace("milk", "[ok](http://evil.example/x)"))
    with monkeypatch.context() as m:
        crash_after(m, 3)
        try:
            runner.process_turn(start)
        except _Killed:
            pass
    with session_scope() as session:
        assert message_service.mark_interrupted(session, thread_id=start.thread_id) == 1

    page.goto(f"{app_url}/?thread={start.thread_id}")
    alert = last_reply(page).get_by_role("alert")
    expect(alert).to_contain_text(
        'This reply was interrupted. Before it stopped, I added 3 tasks: "[ok](http://evil.example/x)", '
        '"eggs" and "bread".'
    )
    assert alert.locator("a").count() == 0
    alert.get_by_role("button", name="Retry").click()
    expect(last_reply(page)).to_contain_text("Added 8 tasks")
    page.get_by_role("link", name="Tasks").click()
    rows = page.get_by_role("list", name="Tasks").get_by_role("listitem")
    expect(rows).to_have_count(8)
    expect(rows.filter(has_text="eggs")).to_have_count(1)


def test_a_later_turn_names_a_new_chat_without_a_reload(page: Page, app_url: str):
    """A first message that says nothing about tasks leaves "New chat"; the turn that does names the
    conversation at once, in the heading and the sidebar (issue 15, item 5)."""
    signed_in(page, app_url)
    send(page, "hi")
    expect(last_reply(page)).to_contain_text("add")
    expect(page.get_by_role("heading", name="New chat")).to_be_visible()
    send(page, "add pay rent tomorrow")
    expect(last_reply(page)).to_contain_text("pay rent")
    expect(page.get_by_role("heading", name="Pay rent")).to_be_visible()
    expect(thread_button(page, "Pay rent")).to_be_visible()
