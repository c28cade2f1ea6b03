"""A task's detail panel and the inline title edit (issue 15, item 7), in real Chromium."""

from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import Page, expect

from tests.e2e.test_tasks_page import add_task, open_tasks, row


def focus_is_inside_dialog(page: Page) -> bool:
    return page.evaluate("() => !!document.activeElement?.closest('[role=dialog]')")


def test_detail_panel_edits_description_and_due_date_with_undo(page: Page, app_url: str):
    open_tasks(page, app_url)
    add_task(page, "Plan trip")
    opener = page.get_by_role("button", name="Open Plan trip")
    opener.click()
    dialog = page.get_by_role("dialog", name="Task details")
    expect(dialog).to_be_visible()
    assert focus_is_inside_dialog(page)
    expect(dialog.get_by_label("Title", exact=True)).to_have_value("Plan trip")

    dialog.get_by_label("Description", exact=True).fill("Pack **boots** and a map")
    dialog.get_by_label("Description", exact=True).press("Tab")
    changes = dialog.get_by_role("list", name="Changes")
    expect(changes).to_contain_text("Description changed")
    expect(dialog.get_by_role("region", name="Description preview").locator("strong")).to_have_text("boots")

    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    dialog.get_by_label("Due date", exact=True).fill(tomorrow)
    expect(changes).to_contain_text("Due tomorrow")
    dialog.get_by_label("Priority", exact=True).select_option("high")
    expect(changes).to_contain_text("Priority: high")

    # Undo one change: the due date goes, the newer priority and the description stay.
    dialog.get_by_role("button", name="Undo due date change").click()
    expect(dialog.get_by_label("Due date", exact=True)).to_have_value("")
    expect(changes).to_contain_text("Undone")
    expect(dialog.get_by_label("Priority", exact=True)).to_have_value("high")
    expect(dialog.get_by_label("Description", exact=True)).to_have_value("Pack **boots** and a map")

    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(opener).to_be_focused()
    trip = row(page, "Plan trip")
    expect(trip.get_by_text("High")).to_be_visible()
    expect(trip.get_by_text("tomorrow")).to_have_count(0)

    # Enter on the row's Open button opens it again, with what was saved.
    opener.focus()
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Description", exact=True)).to_have_value("Pack **boots** and a map")


def test_detail_panel_edits_title_tags_and_recurrence_and_is_a_dialog(page: Page, app_url: str):
    open_tasks(page, app_url)
    add_task(page, "Water plants")
    add_task(page, "Other task")
    row(page, "Water plants").get_by_text("Medium").click()  # a click on the row opens it too
    dialog = page.get_by_role("dialog", name="Task details")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Title", exact=True).fill("Water the plants")
    dialog.get_by_label("Tags", exact=True).fill("#Home, garden")
    dialog.get_by_label("Tags", exact=True).press("Tab")
    dialog.get_by_label("Repeats", exact=True).select_option("weekly")
    changes = dialog.get_by_role("list", name="Changes")
    expect(changes).to_contain_text("Title: Water the plants")
    expect(changes).to_contain_text("Tags: #home #garden")
    expect(changes).to_contain_text("Repeats weekly")
    # Tab stays inside the dialog.
    for _ in range(12):
        page.keyboard.press("Tab")
        assert focus_is_inside_dialog(page)
    dialog.get_by_role("button", name="Close task details").click()
    expect(dialog).to_have_count(0)
    plants = row(page, "Water the plants")
    expect(plants.get_by_text("#garden")).to_be_visible()
    expect(plants.get_by_text("weekly")).to_be_visible()


def test_inline_title_edit_saves_on_click_away_and_escape_returns_focus(page: Page, app_url: str):
    open_tasks(page, app_url)
    add_task(page, "Buy milk")
    page.get_by_role("button", name="Edit Buy milk", exact=True).click()
    page.get_by_role("textbox", name="Edit title").fill("Buy bread")
    page.get_by_role("heading", name="Tasks").click()
    saved = page.get_by_role("button", name="Edit Buy bread", exact=True)
    expect(saved).to_be_visible()
    saved.click()
    page.get_by_role("textbox", name="Edit title").fill("Something else")
    page.get_by_role("textbox", name="Edit title").press("Escape")
    expect(saved).to_be_focused()
    page.reload()
    expect(page.get_by_role("button", name="Edit Buy bread", exact=True)).to_be_visible()


def test_detail_panel_is_a_drawer_on_a_desktop_and_a_full_sheet_on_a_phone(page: Page, app_url: str):
    page.set_viewport_size({"width": 1280, "height": 900})
    open_tasks(page, app_url)
    add_task(page, "Plan trip")
    dialog = page.get_by_role("dialog", name="Task details")
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.get_by_role("button", name="Open Plan trip").click()
        expect(dialog).to_be_visible()
        page.wait_for_timeout(400)  # it slides in
        box = dialog.bounding_box()
        assert box is not None
        assert abs(box["x"] + box["width"] - width) <= 1, box  # against the right edge
        assert abs(box["y"]) <= 1, box  # from the top
        assert abs(box["height"] - height) <= 1, box  # to the bottom
        if width == 390:
            assert box["x"] <= 1, box  # a full sheet
        else:
            assert 400 <= box["width"] <= 481, box  # a drawer beside the list
        page.keyboard.press("Escape")
        expect(dialog).to_have_count(0)
