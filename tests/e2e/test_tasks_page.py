"""The task page as a person uses it, in real Chromium."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import Page, expect

from tests.utils.browser import create_account, open_signed_in, signed_in

TASKS_LIST = "Tasks"


def add_task(page: Page, title: str, *, priority: str = "", due: str = "", tags: str = "") -> None:
    page.get_by_role("textbox", name="New task", exact=True).fill(title)
    if priority:
        page.get_by_label("New task priority").select_option(priority)
    if due:
        page.get_by_label("New task due date").fill(due)
    if tags:
        page.get_by_label("New task tags").fill(tags)
    page.get_by_role("textbox", name="New task", exact=True).press("Enter")
    expect(page.get_by_role("button", name=f"Edit {title}", exact=True)).to_be_visible()


def open_tasks(page: Page, app_url: str) -> None:
    signed_in(page, app_url, "/tasks")
    expect(page.get_by_role("heading", name="Tasks")).to_be_visible()


def row(page: Page, title: str):
    return page.get_by_role("listitem").filter(
        has=page.get_by_role("button", name=f"Edit {title}", exact=True)
    )


def test_empty_state_says_what_to_do(page: Page, app_url: str):
    open_tasks(page, app_url)
    expect(page.get_by_text("No tasks yet.")).to_be_visible()


def test_add_with_priority_due_and_tag_then_complete(page: Page, app_url: str):
    open_tasks(page, app_url)
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    add_task(page, "Pay rent", priority="high", due=tomorrow, tags="home")
    pay = row(page, "Pay rent")
    expect(pay.get_by_text("High")).to_be_visible()
    expect(pay.get_by_text("tomorrow")).to_be_visible()
    expect(pay.get_by_text("#home")).to_be_visible()
    pay.get_by_role("checkbox", name="Complete Pay rent").click()
    # The default view shows open tasks: a completed one leaves it, with "Completed · Undo".
    expect(pay).to_have_count(0)
    expect(page.get_by_role("status")).to_contain_text("Completed “Pay rent”")
    page.get_by_role("tab", name=re.compile("^Completed")).click()
    expect(row(page, "Pay rent")).to_be_visible()
    expect(page).to_have_url(re.compile(r"status=completed"))
    page.reload()
    expect(page.get_by_role("tab", name=re.compile("^Completed"))).to_have_attribute("aria-selected", "true")
    expect(row(page, "Pay rent").get_by_role("checkbox")).to_be_checked()


def test_overdue_shows_in_red_words(page: Page, app_url: str):
    open_tasks(page, app_url)
    add_task(page, "File taxes", due=(date.today() - timedelta(days=3)).isoformat())
    expect(row(page, "File taxes").get_by_text("3 days overdue")).to_be_visible()


def test_edit_title_inline_enter_saves_escape_cancels(page: Page, app_url: str):
    open_tasks(page, app_url)
    add_task(page, "Buy milk")
    page.get_by_role("button", name="Edit Buy milk", exact=True).click()
    box = page.get_by_role("textbox", name="Edit title")
    box.fill("Buy oat milk")
    box.press("Enter")
    expect(page.get_by_role("button", name="Edit Buy oat milk", exact=True)).to_be_visible()
    page.get_by_role("button", name="Edit Buy oat milk", exact=True).click()
    page.get_by_role("textbox", name="Edit title").fill("Something else")
    page.get_by_role("textbox", name="Edit title").press("Escape")
    expect(page.get_by_role("button", name="Edit Buy oat milk", exact=True)).to_be_visible()
    page.reload()
    expect(page.get_by_role("button", name="Edit Buy oat milk", exact=True)).to_be_visible()


def test_filter_search_and_filters_survive_reload(page: Page, app_url: str):
    open_tasks(page, app_url)
    add_task(page, "Book hotel", tags="travel", priority="high")
    add_task(page, "Write report", tags="work", priority="low")
    page.get_by_label("Filter by tag").select_option("travel")
    expect(row(page, "Book hotel")).to_be_visible()
    expect(row(page, "Write report")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"tag=travel"))
    page.reload()
    expect(page.get_by_label("Filter by tag")).to_have_value("travel")
    expect(row(page, "Write report")).to_have_count(0)
    page.get_by_label("Filter by tag").select_option("any")
    page.get_by_label("Filter by priority").select_option("low")
    expect(row(page, "Book hotel")).to_have_count(0)
    page.get_by_label("Filter by priority").select_option("any")
    page.get_by_role("searchbox", name="Search tasks").fill("report")
    expect(row(page, "Book hotel")).to_have_count(0)
    expect(row(page, "Write report")).to_be_visible()
    expect(page).to_have_url(re.compile(r"q=report"))
    page.reload()
    expect(page.get_by_role("searchbox", name="Search tasks")).to_have_value("report")
    expect(row(page, "Book hotel")).to_have_count(0)


def test_delete_then_undo_brings_it_back(page: Page, app_url: str):
    open_tasks(page, app_url)
    add_task(page, "Old task")
    add_task(page, "Keep this")
    page.get_by_role("button", name="Delete Old task", exact=True).click()
    expect(row(page, "Old task")).to_have_count(0)
    status = page.get_by_role("status")
    expect(status).to_contain_text("Deleted “Old task”")
    status.get_by_role("button", name="Undo").click()
    expect(row(page, "Old task")).to_be_visible()
    page.reload()
    expect(row(page, "Old task")).to_be_visible()
    expect(row(page, "Keep this")).to_be_visible()


def test_long_lists_show_a_page_then_more(page: Page, app_url: str):
    from app.core.db import session_scope
    from app.services import auth, tasks

    email, token = create_account()
    with session_scope() as session:
        user = auth.get_user_by_email(session, email=email)
        for i in range(55):
            tasks.create_task(session, user_id=user.id, data={"title": f"bulk task {i:02d}"})
    open_signed_in(page, app_url, token, "/tasks")
    items = page.get_by_role("list", name="Tasks").get_by_role("listitem")
    expect(items).to_have_count(50)
    expect(page.get_by_role("tab", name=re.compile("^All"))).to_contain_text("55")
    expect(page.get_by_role("tab", name=re.compile("^Open"))).to_contain_text("55")
    page.get_by_role("button", name="Show more").click()
    expect(items).to_have_count(55)
    expect(page.get_by_role("button", name="Show more")).to_have_count(0)


def seed(email: str, tasks: list[dict]) -> None:
    from app.core.db import session_scope
    from app.services import auth
    from app.services import tasks as task_service

    with session_scope() as session:
        user = auth.get_user_by_email(session, email=email)
        for data in tasks:
            task_service.create_task(session, user_id=user.id, data=data)


def listed_titles(page: Page) -> list[str]:
    names = page.get_by_role("list", name=TASKS_LIST).get_by_role("button", name=re.compile("^Edit "))
    return [name.removeprefix("Edit ") for name in names.evaluate_all("els => els.map(e => e.ariaLabel)")]


def test_opens_on_today_then_open_tasks_by_due_date(page: Page, app_url: str):
    email, token = create_account()
    today = date.today()
    seed(
        email,
        [
            {"title": "Undated"},
            {"title": "Later", "due_date": (today + timedelta(days=9)).isoformat()},
            {"title": "Done already", "due_date": (today - timedelta(days=5)).isoformat(), "completed": True},
            {"title": "Today", "due_date": today.isoformat()},
            {"title": "Overdue", "due_date": (today - timedelta(days=2)).isoformat()},
        ],
    )
    open_signed_in(page, app_url, token, "/tasks")
    # Something is due: the page opens on Today (overdue, then today); Open has every open task.
    expect(page.get_by_role("tab", name=re.compile("^Today"))).to_have_attribute("aria-selected", "true")
    expect(row(page, "Overdue")).to_be_visible()
    assert listed_titles(page) == ["Overdue", "Today"]
    page.get_by_role("tab", name=re.compile("^Open")).click()
    expect(row(page, "Later")).to_be_visible()
    assert listed_titles(page) == ["Overdue", "Today", "Later", "Undated"]
    expect(page.get_by_role("tab", name=re.compile("^Open"))).to_have_attribute("aria-selected", "true")
    expect(page.get_by_label("Sort by")).to_have_value("due_date")
    # The other views and sorts are still there, and they live in the URL.
    page.get_by_role("tab", name=re.compile("^All")).click()
    expect(row(page, "Done already")).to_be_visible()
    page.get_by_label("Sort by").select_option("created")
    expect(page).to_have_url(re.compile(r"status=all.*sort=created|sort=created.*status=all"))
    expect(page.get_by_role("list", name=TASKS_LIST).get_by_role("listitem").first).to_contain_text("Overdue")
    page.get_by_role("tab", name=re.compile("^Completed")).click()
    expect(row(page, "Overdue")).to_have_count(0)
    assert listed_titles(page) == ["Done already"]


def test_complete_says_completed_with_undo(page: Page, app_url: str):
    open_tasks(page, app_url)
    add_task(page, "Water plants")
    add_task(page, "Call mum")
    row(page, "Water plants").get_by_role("checkbox", name="Complete Water plants").click()
    expect(row(page, "Water plants")).to_have_count(0)
    status = page.get_by_role("status")
    expect(status).to_contain_text("Completed “Water plants”")
    expect(status.get_by_role("button", name="Close")).to_be_visible()
    status.get_by_role("button", name="Undo").click()
    back = row(page, "Water plants").get_by_role("checkbox", name="Complete Water plants")
    expect(back).not_to_be_checked()
    page.reload()
    expect(row(page, "Water plants")).to_be_visible()
    # The close button closes it at once; left alone it closes by itself after about 6 s.
    row(page, "Call mum").get_by_role("checkbox", name="Complete Call mum").click()
    expect(page.get_by_role("status")).to_contain_text("Completed “Call mum”")
    page.get_by_role("status").get_by_role("button", name="Close").click()
    expect(page.get_by_role("status")).to_have_count(0)
    row(page, "Water plants").get_by_role("checkbox", name="Complete Water plants").click()
    expect(page.get_by_role("status")).to_contain_text("Completed “Water plants”")
    page.wait_for_timeout(4_000)
    expect(page.get_by_role("status")).to_be_visible()
    expect(page.get_by_role("status")).to_have_count(0, timeout=6_000)
    # While the pointer rests on it, it stays; it closes once the pointer leaves.
    add_task(page, "Feed cat")
    row(page, "Feed cat").get_by_role("checkbox", name="Complete Feed cat").click()
    page.get_by_role("status").hover()
    page.wait_for_timeout(7_500)
    expect(page.get_by_role("status")).to_contain_text("Completed “Feed cat”")
    page.get_by_role("heading", name="Tasks").hover()
    expect(page.get_by_role("status")).to_have_count(0, timeout=9_000)


def test_phone_first_task_above_the_fold_filters_in_one_button(page: Page, app_url: str):
    page.set_viewport_size({"width": 390, "height": 844})
    email, token = create_account()
    seed(email, [{"title": f"Phone task {i}", "tags": ["home"]} for i in range(8)])
    open_signed_in(page, app_url, token, "/tasks")
    first = page.get_by_role("list", name=TASKS_LIST).get_by_role("listitem").first
    expect(first).to_be_visible()
    box = first.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= 844, box
    expect(page.get_by_label("Filter by tag")).to_be_hidden()
    filters = page.get_by_role("button", name="Filters")
    expect(filters).to_have_attribute("aria-expanded", "false")
    filters.focus()
    page.keyboard.press("Enter")
    expect(filters).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_label("Filter by tag")).to_be_visible()
    page.get_by_label("Filter by tag").select_option("home")
    expect(page).to_have_url(re.compile(r"tag=home"))
    expect(filters).to_contain_text("1")
