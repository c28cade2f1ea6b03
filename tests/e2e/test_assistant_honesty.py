"""The assistant says what it could not do, and names conversations by what they are about
(issue 15, items 4 and 5), as a person sees it in real Chromium with the local agent."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.utils.browser import last_reply, send, signed_in, thread_button


def test_a_time_is_kept_and_the_thread_is_named_by_its_task(page: Page, app_url: str):
    signed_in(page, app_url)
    send(page, "remind me at 5pm to take out the trash")
    reply = last_reply(page)
    expect(reply).to_contain_text('Added "take out the trash" (due today at 17:00')
    expect(reply).not_to_contain_text("I can't set a time yet")
    expect(thread_button(page, "Take out the trash")).to_be_visible()
    expect(thread_button(page, "Remind me at 5pm to take out the trash")).to_have_count(0)

    send(page, "shwo my tasks")  # a typo of the verb is read as meant
    expect(last_reply(page)).to_contain_text("You have 1 open task")
    expect(last_reply(page)).to_contain_text("take out the trash")

    send(page, "what is 2+2")
    expect(last_reply(page)).to_contain_text("I manage your tasks")
    expect(last_reply(page)).to_contain_text('"add buy milk tomorrow"')


def test_unclear_first_message_keeps_new_chat_until_a_turn_names_it(page: Page, app_url: str):
    signed_in(page, app_url)
    send(page, "No")
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    expect(thread_button(page, "New chat")).to_be_visible()
    expect(thread_button(page, "No")).to_have_count(0)
    send(page, "add pay rent tomorrow, high priority #home")
    expect(last_reply(page)).to_contain_text("pay rent")
    page.reload()
    expect(thread_button(page, "Pay rent")).to_be_visible()
