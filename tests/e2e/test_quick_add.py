"""Quick add on the task page reads the line with the local agent's grammar (issue 15, item 8)."""

from __future__ import annotations

from datetime import date, time, timedelta

from playwright.sync_api import Page, expect

from tests.e2e.test_tasks_page import open_tasks, row


def test_quick_add_shows_chips_then_creates_the_parsed_task(page: Page, app_url: str):
    open_tasks(page, app_url)
    box = page.get_by_role("textbox", name="New task", exact=True)
    box.fill("Call Bob tomorrow at 3pm #work p1")
    understood = page.get_by_role("list", name="What quick add understood")
    expect(understood.get_by_role("button", name="Remove due date tomorrow")).to_be_visible()
    expect(understood.get_by_role("button", name="Remove priority high")).to_be_visible()
    expect(understood.get_by_role("button", name="Remove tag work")).to_be_visible()
    expect(understood.get_by_role("button", name="Remove time at 3pm")).to_be_visible()
    time_chip = understood.get_by_role("listitem").filter(has_text="at 3pm")
    expect(time_chip).to_have_attribute("title", "Due time")  # the time is the due time, not a note
    expect(time_chip).not_to_contain_text("kept as a note")
    box.press("Enter")
    bob = row(page, "Call Bob")
    expect(bob).to_be_visible()
    expect(bob.get_by_text("High")).to_be_visible()
    expect(bob.get_by_text("Tomorrow 15:00")).to_be_visible()
    expect(bob.get_by_text("#work")).to_be_visible()
    expect(box).to_have_value("")
    expect(understood).to_have_count(0)

    from app.core.db import session_scope
    from app.models import Task

    with session_scope() as session:
        task = session.query(Task).filter(Task.title == "Call Bob").one()
        assert task.due_date == date.today() + timedelta(days=1)
        assert (task.priority, task.tags) == ("high", ["work"])
        assert (task.due_time, task.description) == (time(15, 0), "")


def test_quick_add_removing_a_chip_keeps_its_words_in_the_title(page: Page, app_url: str):
    open_tasks(page, app_url)
    box = page.get_by_role("textbox", name="New task", exact=True)
    box.fill("Read Monday notes p2")
    understood = page.get_by_role("list", name="What quick add understood")
    remove = understood.get_by_role("button", name="Remove due date")
    expect(remove).to_have_count(1)
    remove.focus()
    page.keyboard.press("Enter")
    expect(understood.get_by_role("button", name="Remove due date")).to_have_count(0)
    expect(understood.get_by_role("button", name="Remove priority medium")).to_be_visible()
    box.press("Enter")
    expect(row(page, "Read Monday notes")).to_be_visible()
    expect(row(page, "Read Monday notes").get_by_text("Medium")).to_be_visible()


def test_quick_add_separate_fields_still_work(page: Page, app_url: str):
    open_tasks(page, app_url)
    page.get_by_role("textbox", name="New task", exact=True).fill("Renew passport")
    page.get_by_label("New task priority").select_option("low")
    page.get_by_label("New task tags").fill("admin")
    page.get_by_role("textbox", name="New task", exact=True).press("Enter")
    expect(row(page, "Renew passport").get_by_text("Low")).to_be_visible()
    expect(row(page, "Renew passport").get_by_text("#admin")).to_be_visible()
