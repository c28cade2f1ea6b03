"""Widgets and their actions as a person uses them, in real Chromium."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import Page, expect

from tests.e2e.test_chat_page import last_reply, send
from tests.utils.browser import signed_in


def task_widget_rows(page: Page):
    return last_reply(page).get_by_role("list").last.get_by_role("listitem")


def tasks_page_row(page: Page, title: str):
    return page.get_by_role("listitem").filter(
        has=page.get_by_role("button", name=f"Edit {title}", exact=True)
    )


def test_list_widget_complete_second_row_persists(page: Page, app_url: str):
    signed_in(page, app_url)
    send(page, "add tasks: alpha, beta, gamma")
    expect(last_reply(page)).to_contain_text("Added 3 tasks")
    send(page, "show my tasks")
    rows = task_widget_rows(page)
    expect(rows).to_have_count(3)
    second_title = rows.nth(1).get_by_text(re.compile("^(alpha|beta|gamma)$")).inner_text()
    rows.nth(1).get_by_role("button", name="Complete").click()
    expect(rows.nth(1).get_by_role("button", name="Reopen")).to_be_visible()
    expect(rows.nth(0).get_by_role("button", name="Complete")).to_be_visible()
    page.reload()
    expect(task_widget_rows(page).nth(1).get_by_role("button", name="Reopen")).to_be_visible()
    page.goto(f"{app_url}/tasks")
    page.get_by_role("tab", name=re.compile("^Completed")).click()  # the page opens on open tasks
    expect(tasks_page_row(page, second_title).get_by_role("checkbox")).to_be_checked()


def test_double_click_on_complete_toggles_once(page: Page, app_url: str):
    signed_in(page, app_url)
    send(page, "add water plants")
    expect(last_reply(page)).to_contain_text("water plants")
    send(page, "show my tasks")
    button = task_widget_rows(page).first.get_by_role("button", name="Complete")
    button.dblclick()
    expect(task_widget_rows(page).first.get_by_role("button", name="Reopen")).to_be_visible()
    page.wait_for_timeout(1000)
    expect(task_widget_rows(page).first.get_by_role("button", name="Reopen")).to_be_visible()
    page.goto(f"{app_url}/tasks")
    page.get_by_role("tab", name=re.compile("^Completed")).click()  # the page opens on open tasks
    expect(tasks_page_row(page, "water plants").get_by_role("checkbox")).to_be_checked()


def test_confirm_card_cancel_keeps_then_confirm_deletes(page: Page, app_url: str):
    signed_in(page, app_url)
    send(page, "add tasks: one, two")
    expect(last_reply(page)).to_contain_text("Added 2 tasks")
    send(page, "delete all my tasks")
    card = last_reply(page).get_by_role("group")
    expect(card).to_contain_text("Delete 2 tasks?")
    card.get_by_role("button", name="Cancel").click()
    expect(last_reply(page)).to_contain_text("Cancelled: nothing deleted.")
    expect(last_reply(page).get_by_role("button", name="Delete")).to_have_count(0)
    page.goto(f"{app_url}/tasks")
    expect(tasks_page_row(page, "one")).to_be_visible()
    expect(tasks_page_row(page, "two")).to_be_visible()

    page.get_by_role("link", name="Chat").click()
    send(page, "delete all my tasks")
    card = last_reply(page).get_by_role("group")
    expect(card).to_contain_text("Delete 2 tasks?")
    card.get_by_role("button", name="Delete").click()
    expect(last_reply(page)).to_contain_text("Deleted 2 tasks.")
    expect(last_reply(page).get_by_role("button", name="Delete")).to_have_count(0)
    send(page, "show my tasks")
    # Wait for the answer itself (the help text says "Add one with..."), then: no task rows.
    expect(last_reply(page)).to_contain_text(re.compile("You have no (open )?tasks"))
    expect(last_reply(page).get_by_role("listitem")).to_have_count(0)
    page.goto(f"{app_url}/tasks")
    expect(page.get_by_text("No tasks yet.")).to_be_visible()


def test_edit_form_changes_due_date(page: Page, app_url: str):
    signed_in(page, app_url)
    send(page, "add renew passport")
    card = last_reply(page).get_by_role("group")
    expect(card).to_contain_text("renew passport")
    due = (date.today() + timedelta(days=1)).isoformat()
    expect(card.get_by_label("Due date")).to_have_count(0)  # the form is folded until Edit
    card.get_by_role("button", name="Edit renew passport").click()
    card.get_by_label("Due date").fill(due)
    card.get_by_role("button", name="Save changes").click()
    expect(last_reply(page).get_by_role("group")).to_contain_text("Added, then edited · due tomorrow")
    page.goto(f"{app_url}/tasks")
    expect(tasks_page_row(page, "renew passport").get_by_text("tomorrow")).to_be_visible()


def test_hostile_title_renders_as_text(page: Page, app_url: str):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    signed_in(page, app_url)
    send(page, "add <img src=x onerror=alert(1)>")
    expect(last_reply(page)).to_contain_text("<img src=x onerror=alert(1)>")
    send(page, "add <script>alert(2)</script>")
    expect(last_reply(page)).to_contain_text("<script>alert(2)</script>")
    send(page, "show my tasks")
    widget_list = last_reply(page).get_by_role("list", name="2 tasks")
    expect(widget_list).to_contain_text("<script>alert(2)</script>")
    expect(widget_list).to_contain_text("<img src=x onerror=alert(1)>")
    assert page.locator("main img[src='x']").count() == 0
    assert page.locator("main script").count() == 0
    page.goto(f"{app_url}/tasks")
    expect(page.get_by_role("list", name="Tasks")).to_contain_text("onerror=alert(1)")
    assert page.locator("main img[src='x']").count() == 0
    assert dialogs == []


def test_every_widget_icon_renders(page: Page, app_url: str):
    """A card with every icon name the models accept, as an Icon and as a button's icon."""
    from app.core.db import session_scope
    from app.services import auth, messages, threads, widgets
    from app.widgets.models import ICON_NAMES
    from app.widgets.validate import dump, validate_widget

    email = signed_in(page, app_url)
    card = {
        "type": "Card",
        "children": [
            {"type": "Row", "wrap": "wrap", "children": [{"type": "Icon", "name": n} for n in ICON_NAMES]},
            {
                "type": "Row",
                "wrap": "wrap",
                "children": [{"type": "Button", "label": n, "iconStart": n} for n in ICON_NAMES],
            },
        ],
    }
    with session_scope() as session:
        user = auth.get_user_by_email(session, email=email)
        thread = threads.create_thread(session, user_id=user.id, title="Icons")
        reply = messages.open_assistant_message(session, user_id=user.id, thread_id=thread.id)
        messages.finish_assistant_message(session, message_id=reply.id, content="Every icon:")
        payloads = [dump(validate_widget(card))]
        widgets.store_widgets(session, message_id=reply.id, thread_id=thread.id, payloads=payloads)
        thread_id = thread.id
    page.goto(f"{app_url}/?thread={thread_id}")
    shown = last_reply(page).get_by_role("group")
    expect(shown.get_by_role("button", name=ICON_NAMES[-1], exact=True)).to_be_visible()
    missing = [
        n for n in ICON_NAMES if shown.get_by_role("button", name=n, exact=True).locator("svg").count() != 1
    ]
    assert missing == [], "these icons render as nothing"
    # The Icon nodes, then the buttons' icons: one Lucide icon each (some are aliases, e.g. circle-help
    # is lucide-react's circle-question-mark, so the class names are not compared).
    assert shown.locator("svg.lucide").count() == 2 * len(ICON_NAMES)
