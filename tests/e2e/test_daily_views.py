"""The task page's daily loop in real Chromium (issue 17): Today, Upcoming and Completed views in
the URL, due times in rows and in the panel, subtasks (add, progress, completing a parent asks,
one Undo) and reminders in the panel. Screenshots go to /tmp/shots/tasks-*.png."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_tasks_page import TASKS_LIST, add_task, listed_titles, open_tasks, row
from tests.utils.axe import each_mode, serious_violations
from tests.utils.browser import create_account, open_signed_in

SHOTS = Path("/tmp/shots")


@pytest.fixture
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "bypass_csp": True}  # to inject axe-core (the CSP hashes scripts)


def user_today(email: str) -> date:
    from app.core.db import session_scope
    from app.services import auth, clock

    with session_scope() as session:
        return clock.user_today(session, user_id=auth.get_user_by_email(session, email=email).id)


def seed(email: str, specs: list[dict]) -> dict[str, str]:
    """Create the tasks (``parent`` names an earlier one); returns title -> id."""
    from app.core.db import session_scope
    from app.services import auth
    from app.services import tasks as task_service

    ids: dict[str, str] = {}
    with session_scope() as session:
        user = auth.get_user_by_email(session, email=email)
        for spec in specs:
            data = dict(spec)
            if "parent" in data:
                data["parent_id"] = ids[data.pop("parent")]
            ids[data["title"]] = str(task_service.create_task(session, user_id=user.id, data=data).id)
    return ids


def day_specs(today: date) -> list[dict]:
    return [
        {"title": "Pay rent", "due_date": today - timedelta(days=2), "priority": "high"},
        {"title": "Call the dentist", "due_date": today, "due_time": "23:50"},
        {"title": "Team review", "due_date": today + timedelta(days=1), "due_time": "09:00"},
        {"title": "Prepare slides", "due_date": today + timedelta(days=1), "parent": "Team review"},
        {"title": "Book flights", "due_date": today + timedelta(days=3), "tags": ["travel"]},
        {"title": "Renew passport", "due_date": today + timedelta(days=20)},
        {"title": "Read a book"},
        {"title": "Water plants", "completed": True},
    ]


def test_today_upcoming_and_completed_views_live_in_the_url(page: Page, app_url: str):
    email, token = create_account()
    today = user_today(email)
    seed(email, day_specs(today))
    open_signed_in(page, app_url, token, "/tasks")
    today_tab = page.get_by_role("tab", name=re.compile("^Today"))
    expect(today_tab).to_have_attribute("aria-selected", "true")
    expect(today_tab).to_contain_text("2")
    expect(row(page, "Pay rent")).to_be_visible()
    assert listed_titles(page) == ["Pay rent", "Call the dentist"]
    expect(row(page, "Call the dentist").get_by_text("Today 23:50")).to_be_visible()
    expect(row(page, "Pay rent").get_by_text("2 days overdue")).to_be_visible()

    page.get_by_role("tab", name=re.compile("^Upcoming")).click()
    expect(page).to_have_url(re.compile(r"view=upcoming"))
    tomorrow = page.get_by_role("list", name=re.compile("^Tomorrow · "))
    expect(tomorrow).to_be_visible()
    expect(tomorrow.get_by_role("listitem").first).to_contain_text("Team review")
    expect(row(page, "Team review").get_by_text("Tomorrow 09:00")).to_be_visible()
    # the subtask sits right under its parent, indented
    expect(tomorrow.get_by_role("listitem").nth(1)).to_contain_text("Prepare slides")
    expect(row(page, "Team review").get_by_label("0 of 1 subtasks done")).to_be_visible()
    later = (today + timedelta(days=3)).strftime("%a %-d %b")
    expect(page.get_by_role("heading", name=later, exact=True)).to_be_visible()
    expect(row(page, "Renew passport")).to_have_count(0)  # 20 days out: not in the next 14
    expect(row(page, "Read a book")).to_have_count(0)
    page.reload()
    expect(page.get_by_role("tab", name=re.compile("^Upcoming"))).to_have_attribute("aria-selected", "true")
    expect(row(page, "Book flights")).to_be_visible()
    # the view combines with the filters (and with a project: /tasks?project=inbox&view=upcoming)
    if page.viewport_size and page.viewport_size["width"] < 768:
        page.get_by_role("button", name="Filters").click()
    page.get_by_label("Filter by tag").select_option("travel")
    expect(row(page, "Team review")).to_have_count(0)
    expect(row(page, "Book flights")).to_be_visible()
    expect(page).to_have_url(re.compile(r"view=upcoming.*tag=travel|tag=travel.*view=upcoming"))
    page.goto(f"{app_url}/tasks?project=inbox&view=upcoming")
    expect(page.get_by_role("tab", name=re.compile("^Upcoming"))).to_have_attribute("aria-selected", "true")
    expect(row(page, "Book flights")).to_be_visible()

    page.get_by_role("tab", name=re.compile("^Completed")).click()
    expect(row(page, "Water plants")).to_be_visible()
    assert listed_titles(page) == ["Water plants"]
    expect(page).to_have_url(re.compile(r"status=completed"))


def test_empty_views_say_what_to_do_and_adding_on_today_makes_it_due_today(page: Page, app_url: str):
    open_tasks(page, app_url)
    add_task(page, "Read a book")  # nothing due: the page opened on the open tasks
    page.get_by_role("tab", name=re.compile("^Today")).click()
    expect(page.get_by_text("Nothing due today.")).to_be_visible()
    page.get_by_role("tab", name=re.compile("^Upcoming")).click()
    expect(page.get_by_text("Nothing due in the next 14 days.")).to_be_visible()
    page.get_by_role("tab", name=re.compile("^Completed")).click()
    expect(page.get_by_text("No completed tasks yet.")).to_be_visible()
    page.get_by_role("tab", name=re.compile("^Today")).click()
    add_task(page, "Stretch")
    expect(row(page, "Stretch").get_by_text("Today")).to_be_visible()
    expect(page.get_by_role("tab", name=re.compile("^Today"))).to_contain_text("1")


def test_due_time_in_the_panel_shows_in_the_row_and_clears(page: Page, app_url: str):
    open_tasks(page, app_url)
    add_task(page, "Ring the plumber")
    page.get_by_role("button", name="Open Ring the plumber").click()
    dialog = page.get_by_role("dialog", name="Task details")
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    dialog.get_by_label("Due date", exact=True).fill(tomorrow)
    changes = dialog.get_by_role("list", name="Changes")
    expect(changes).to_contain_text("Due tomorrow")
    dialog.get_by_label("Due time", exact=True).fill("17:00")
    expect(changes).to_contain_text("Due tomorrow at 17:00")
    page.keyboard.press("Escape")
    expect(row(page, "Ring the plumber").get_by_text("Tomorrow 17:00")).to_be_visible()
    page.get_by_role("button", name="Open Ring the plumber").click()
    expect(dialog.get_by_label("Due time", exact=True)).to_have_value("17:00")
    dialog.get_by_role("button", name="Clear due time").click()
    expect(changes).to_contain_text("No due time")
    expect(dialog.get_by_label("Due time", exact=True)).to_have_value("")
    expect(dialog.get_by_label("Due date", exact=True)).to_have_value(tomorrow)
    dialog.get_by_role("button", name="Undo due time change").click()
    expect(dialog.get_by_label("Due time", exact=True)).to_have_value("17:00")


def test_a_task_link_opens_its_panel_and_a_stranger_gets_nothing(page: Page, app_url: str):
    """``/tasks?task=<id>`` (where a notification leads) opens that task's panel; the address then
    drops it. Someone else's id opens nothing, like a missing one."""
    email, token = create_account()
    ids = seed(email, [{"title": "Renew the permit", "due_date": user_today(email) + timedelta(days=2)}])
    open_signed_in(page, app_url, token, f"/tasks?task={ids['Renew the permit']}")
    dialog = page.get_by_role("dialog", name="Task details")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Title", exact=True)).to_have_value("Renew the permit")
    expect(page).not_to_have_url(re.compile(r"task="))
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Sign out").click()
    open_signed_in(page, app_url, create_account()[1], f"/tasks?task={ids['Renew the permit']}")
    expect(page.get_by_role("heading", name="Tasks", level=1)).to_be_visible()
    expect(page.get_by_text("Task not found.")).to_be_visible()
    expect(page.get_by_role("dialog", name="Task details")).to_have_count(0)


def test_subtasks_progress_completing_the_parent_asks_and_one_undo(page: Page, app_url: str):
    open_tasks(page, app_url)
    add_task(page, "Plan the party")
    page.get_by_role("button", name="Open Plan the party").click()
    dialog = page.get_by_role("dialog", name="Task details")
    field = dialog.get_by_role("textbox", name="Add subtask")
    for title in ("Invite friends", "Order cake", "Buy candles"):
        field.fill(title)
        field.press("Enter")
        expect(dialog.get_by_role("list", name="Subtasks")).to_contain_text(title)
    expect(field).to_have_value("")
    subtasks = dialog.get_by_role("list", name="Subtasks")
    expect(subtasks.get_by_role("listitem")).to_have_count(3)
    subtasks.get_by_role("checkbox", name="Complete Invite friends").click()
    expect(dialog.get_by_text("1/3 done")).to_be_visible()
    page.keyboard.press("Escape")

    parent = row(page, "Plan the party")
    expect(parent.get_by_label("1 of 3 subtasks done")).to_be_visible()
    items = page.get_by_role("list", name=TASKS_LIST).get_by_role("listitem")
    expect(items.first).to_contain_text("Plan the party")  # the open subtasks follow it, indented
    expect(items).to_have_count(3)

    # Completing the parent asks first, then completes everything; one Undo reopens it all.
    parent.get_by_role("checkbox", name="Complete Plan the party").click()
    ask = page.get_by_role("alertdialog")
    expect(ask).to_contain_text("Complete “Plan the party” and its 2 open subtasks?")
    ask.get_by_role("button", name="Cancel").click()
    expect(ask).to_have_count(0)
    expect(row(page, "Order cake")).to_be_visible()
    parent.get_by_role("checkbox", name="Complete Plan the party").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Complete all").click()
    status = page.get_by_role("status")
    expect(status).to_contain_text("Completed “Plan the party” and 2 subtasks")
    expect(items).to_have_count(0)
    status.get_by_role("button", name="Undo").click()
    expect(row(page, "Order cake")).to_be_visible()
    expect(row(page, "Buy candles")).to_be_visible()
    expect(row(page, "Plan the party").get_by_label("1 of 3 subtasks done")).to_be_visible()

    # Deleting the parent says its subtasks go too; one Undo brings all three back.
    page.get_by_role("button", name="Delete Plan the party", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Deleted “Plan the party” and its 3 subtasks")
    expect(row(page, "Order cake")).to_have_count(0)
    page.get_by_role("status").get_by_role("button", name="Undo").click()
    expect(row(page, "Order cake")).to_be_visible()
    page.get_by_role("tab", name=re.compile("^All")).click()
    expect(row(page, "Invite friends")).to_be_visible()


def test_reminders_in_the_panel_add_and_remove(page: Page, app_url: str):
    email, token = create_account()
    tomorrow = user_today(email) + timedelta(days=1)
    seed(email, [{"title": "Send the report", "due_date": tomorrow, "due_time": "15:00"}])
    open_signed_in(page, app_url, token, "/tasks?view=upcoming")
    page.get_by_role("button", name="Open Send the report").click()
    dialog = page.get_by_role("dialog", name="Task details")
    expect(dialog.get_by_text("No reminders.")).to_be_visible()
    at = dialog.get_by_label("Remind me at")
    at.fill(f"{tomorrow.isoformat()}T09:15")  # typed, not sent yet, while another reminder is added
    dialog.get_by_label("Remind me before the due time").select_option("30")
    dialog.get_by_role("button", name="Add reminder before the due time").click()
    reminders = dialog.get_by_role("list", name="Reminders")
    expect(reminders).to_contain_text("Tomorrow 14:30")
    expect(reminders).to_contain_text("30 minutes before")
    expect(dialog.get_by_role("list", name="Changes")).to_contain_text("1 reminder")
    expect(at).to_have_value(f"{tomorrow.isoformat()}T09:15")  # adding one clears only its own form
    dialog.get_by_role("button", name="Add reminder", exact=True).click()
    expect(reminders.get_by_role("listitem")).to_have_count(2)
    expect(at).to_have_value("")
    expect(reminders.get_by_role("listitem").first).to_contain_text("Tomorrow 09:15")
    expect(dialog.get_by_role("list", name="Changes")).to_contain_text("2 reminders")
    dialog.get_by_role("button", name="Remove reminder Tomorrow 09:15").click()
    expect(reminders.get_by_role("listitem")).to_have_count(1)
    page.keyboard.press("Escape")
    expect(row(page, "Send the report").get_by_label("1 reminder", exact=True)).to_be_visible()


@pytest.mark.parametrize("width", [1280, 390])
def test_daily_views_screenshots_and_axe(page: Page, app_url: str, width: int):
    """Today, Upcoming, a panel with subtasks and reminders and the completion question: no
    sideways overflow, nothing serious for axe-core in light or dark mode, and a screenshot of
    each for a look."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": 900})
    email, token = create_account()
    today = user_today(email)
    specs = [
        *day_specs(today),
        {"title": "Agenda", "due_date": today + timedelta(days=1), "parent": "Team review"},
        {
            "title": "Plan the party",
            "due_date": today,
            "due_time": "18:00",
            "reminders": [{"before": 60}, {"at": f"{today.isoformat()}T23:30"}],
        },
        {"title": "Invite friends", "parent": "Plan the party", "completed": True},
        {"title": "Order the cake", "parent": "Plan the party", "due_date": today},
        {"title": "Buy candles", "parent": "Plan the party"},
    ]
    seed(email, specs)
    overflow = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"

    def check(name: str, *, full_page: bool = True, fits: bool = True) -> None:
        for mode in each_mode(page):
            if fits:
                assert page.evaluate(overflow) <= 0, f"{name} in {mode} mode overflows sideways"
            page.screenshot(path=str(SHOTS / f"{name}-{width}-{mode}.png"), full_page=full_page)
            assert serious_violations(page) == "", f"{name} in {mode} mode"

    open_signed_in(page, app_url, token, "/tasks")
    expect(row(page, "Pay rent")).to_be_visible()
    check("tasks-today")
    page.get_by_role("tab", name=re.compile("^Upcoming")).click()
    expect(page.get_by_role("list", name=re.compile("^Tomorrow"))).to_be_visible()
    check("tasks-upcoming")
    page.get_by_role("button", name="Open Plan the party").click()
    dialog = page.get_by_role("dialog", name="Task details")
    expect(dialog.get_by_role("list", name="Reminders")).to_be_visible()
    for mode in each_mode(page):
        dialog.get_by_role("heading", name="Subtasks").evaluate("el => el.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(300)
        page.screenshot(path=str(SHOTS / f"tasks-panel-{width}-{mode}.png"))
        dialog.get_by_role("heading", name="Reminders").evaluate("el => el.scrollIntoView({block: 'center'})")
        page.wait_for_timeout(200)
        page.screenshot(path=str(SHOTS / f"tasks-panel-reminders-{width}-{mode}.png"))
        assert serious_violations(page) == "", f"the panel in {mode} mode"
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    row(page, "Plan the party").get_by_role("checkbox", name="Complete Plan the party").click()
    ask = page.get_by_role("alertdialog")
    expect(ask).to_contain_text("and its 2 open subtasks?")
    check("tasks-confirm", full_page=False, fits=False)
    ask.get_by_role("button", name="Cancel").click()
    expect(ask).to_have_count(0)
    page.get_by_role("tab", name=re.compile("^Completed")).click()
    expect(row(page, "Invite friends").get_by_text(re.compile("^Done today"))).to_be_visible()
    check("tasks-completed", fits=False)
