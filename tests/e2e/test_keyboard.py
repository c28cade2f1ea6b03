"""Keyboard shortcuts (issue 17, "Keyboard"; assets/ticked.js), pressed as a person would in Chromium.

``?`` shows the shortcuts sheet (a modal dialog that Escape or Close shuts, giving focus back),
``g t`` / ``g c`` go to the tasks / chat, ``q`` focuses quick add from any page, ``/`` focuses the
page's search, ``j`` / ``k`` move between task rows, ``x`` completes the focused task and ``e``
opens its details. None of them fires while typing in a field or while a dialog is open.

With ``TICKED_SHOTS`` set to a directory, the sheet test also writes its screenshots there
(``keyboard-<width>-<mode>.png``) for a person to look at.
"""

from __future__ import annotations

import json
import os
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.utils.axe import AXE
from tests.utils.browser import signed_in


def tasks_heading(page: Page) -> Locator:
    return page.get_by_role("heading", name="Tasks", level=1)


def quick_add_field(page: Page) -> Locator:
    return page.get_by_role("textbox", name="New task", exact=True)


def seed_tasks(email: str, titles: list[str]) -> None:
    """Open tasks due on consecutive days from today, so the default sort (due date) keeps this order."""
    from app.core.db import session_scope
    from app.services import auth
    from app.services import tasks as task_service

    with session_scope() as session:
        user = auth.get_user_by_email(session, email=email)
        assert user is not None
        user_id = user.id
        for days, title in enumerate(titles):
            task_service.create_task(
                session,
                user_id=user_id,
                data={"title": title, "due_date": date.today() + timedelta(days=days)},
            )


def press_away_from_fields(page: Page) -> None:
    """Leave any field (a click on the page's plain background), as a person does before a shortcut."""
    page.evaluate(
        """() => {
          document.body.dispatchEvent(new PointerEvent("pointerdown", { bubbles: true }));
          if (document.activeElement) document.activeElement.blur();
        }"""
    )


def sheet(page: Page) -> Locator:
    return page.get_by_role("dialog", name="Keyboard shortcuts")


def test_q_keeps_quick_add_focused_when_the_page_draws_the_field_again(page: Page, app_url: str) -> None:
    """A page that has just opened may draw its fields again (a new element) after "q" focused the
    first one; focus must not be left on <body>. Here the field is swapped for a fresh copy the
    moment it first gets focus, as a re-render would."""
    signed_in(page, app_url)
    page.evaluate(
        """() => {
          let swapped = false;
          document.addEventListener("focusin", (event) => {
            const field = event.target;
            if (swapped || field.id !== "new-task-title") return;
            swapped = true;
            setTimeout(() => field.replaceWith(field.cloneNode(true)), 50);
          });
          window.__swapped = () => swapped;
        }"""
    )
    press_away_from_fields(page)
    page.keyboard.press("q")
    expect(tasks_heading(page)).to_be_visible()
    page.wait_for_function("() => window.__swapped()")
    expect(quick_add_field(page)).to_have_count(1)
    expect(quick_add_field(page)).to_be_focused()

    # Leaving the field is the person's choice: after a click on the page's background, the page
    # changing next does not pull focus back, and "/" then goes to the search.
    press_away_from_fields(page)
    expect(quick_add_field(page)).not_to_be_focused()
    page.evaluate("() => document.body.append(document.createElement('div'))")
    page.keyboard.press("/")
    expect(page.get_by_role("searchbox", name="Search tasks")).to_be_focused()


def test_question_mark_shows_the_sheet_and_escape_or_close_gives_focus_back(page: Page, app_url: str) -> None:
    signed_in(page, app_url)
    tasks_link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Tasks")
    tasks_link.focus()
    page.keyboard.press("?")
    dialog = sheet(page)
    expect(dialog).to_be_visible()
    expect(dialog).to_have_attribute("aria-modal", "true")
    expect(dialog).to_contain_text("Go to tasks")
    expect(dialog.get_by_role("term").filter(has_text="x")).to_have_count(1)
    close = dialog.get_by_role("button", name="Close")
    expect(close).to_be_focused()
    page.keyboard.press("Tab")
    expect(close).to_be_focused()  # focus stays in the dialog
    # While it is open, other shortcuts wait: "g t" does not leave the page.
    page.keyboard.press("g")
    page.keyboard.press("t")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(tasks_link).to_be_focused()
    expect(page).not_to_have_url(re.compile(r"/tasks"))
    expect(page.get_by_role("textbox", name="Message")).to_be_visible()

    page.keyboard.press("?")
    expect(sheet(page)).to_be_visible()
    sheet(page).get_by_role("button", name="Close").click()
    expect(sheet(page)).to_have_count(0)
    expect(tasks_link).to_be_focused()


def test_g_t_and_g_c_navigate_and_q_and_slash_focus_the_fields(page: Page, app_url: str) -> None:
    signed_in(page, app_url)
    press_away_from_fields(page)
    page.keyboard.press("g")
    page.keyboard.press("t")
    expect(tasks_heading(page)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/tasks$"))
    press_away_from_fields(page)
    page.keyboard.press("g")
    page.keyboard.press("c")
    expect(page).not_to_have_url(re.compile(r"/tasks"))
    expect(page.get_by_role("textbox", name="Message")).to_be_visible()

    # "/" on the chat page: the conversations' search.
    press_away_from_fields(page)
    page.keyboard.press("/")
    expect(page.get_by_role("searchbox", name="Search conversations").filter(visible=True)).to_be_focused()

    # "q" from the chat page: the task page with quick add focused, ready to type.
    press_away_from_fields(page)
    page.keyboard.press("q")
    expect(tasks_heading(page)).to_be_visible()
    expect(quick_add_field(page)).to_be_focused()
    page.keyboard.type("Call Bob")
    expect(quick_add_field(page)).to_have_value("Call Bob")

    # On the task page: "/" focuses the search; letters typed there are letters, not shortcuts.
    press_away_from_fields(page)
    page.keyboard.press("/")
    search = page.get_by_role("searchbox", name="Search tasks")
    expect(search).to_be_focused()
    page.keyboard.type("qx?")
    expect(search).to_have_value("qx?")
    expect(search).to_be_focused()
    expect(sheet(page)).to_have_count(0)
    expect(quick_add_field(page)).to_have_value("Call Bob")

    # "q" on the task page focuses quick add.
    press_away_from_fields(page)
    page.keyboard.press("q")
    expect(quick_add_field(page)).to_be_focused()
    # With a modifier it is the browser's, not ours.
    press_away_from_fields(page)
    page.keyboard.press("Control+q")
    page.keyboard.press("Alt+/")
    expect(quick_add_field(page)).not_to_be_focused()
    expect(search).not_to_be_focused()

    # A link to /tasks?quick=1 opens the task page with quick add focused (and drops the flag).
    page.goto(f"{app_url}/tasks?quick=1")
    expect(quick_add_field(page)).to_be_focused()
    expect(page).to_have_url(re.compile(r"/tasks/?$"))


def test_j_k_move_between_rows_x_completes_and_e_opens_the_details(page: Page, app_url: str) -> None:
    email = signed_in(page, app_url)
    seed_tasks(email, ["Alpha task", "Bravo task", "Charlie task"])
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Tasks").click()
    # Alpha is due today: the page opens on Today, and the nav counts it beside Tasks
    expect(page.get_by_role("link", name=re.compile(r"^Tasks\s*, 1 due today$"))).to_be_visible()
    # The Today list drawn means the page's load is done: a tab clicked earlier was undone by it
    expect(page.get_by_role("button", name="Edit Alpha task")).to_be_visible()
    page.get_by_role("tab", name=re.compile("^Open")).click()
    expect(page.get_by_role("button", name="Edit Charlie task")).to_be_visible()
    press_away_from_fields(page)

    def opener(title: str) -> Locator:
        return page.get_by_role("button", name=f"Open {title}", exact=True)

    page.keyboard.press("j")
    expect(opener("Alpha task")).to_be_focused()
    page.keyboard.press("j")
    expect(opener("Bravo task")).to_be_focused()
    page.keyboard.press("j")
    expect(opener("Charlie task")).to_be_focused()
    page.keyboard.press("j")  # the last row stays
    expect(opener("Charlie task")).to_be_focused()
    page.keyboard.press("k")
    page.keyboard.press("k")
    expect(opener("Alpha task")).to_be_focused()
    page.keyboard.press("j")
    expect(opener("Bravo task")).to_be_focused()
    shots = os.environ.get("TICKED_SHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(shots) / "keyboard-focused-row.png"))

    # "x": Bravo is completed; it leaves the Open list and the focus goes on to the next task.
    page.keyboard.press("x")
    expect(page.get_by_role("status")).to_contain_text("Completed “Bravo task”")
    expect(page.get_by_role("button", name="Edit Bravo task")).to_have_count(0)
    expect(opener("Charlie task")).to_be_focused()

    # "e" opens the focused task's details; while that dialog is open, shortcuts wait.
    page.keyboard.press("e")
    details = page.get_by_role("dialog", name="Task details")
    expect(details).to_be_visible()
    expect(details.get_by_label("Title", exact=True)).to_have_value("Charlie task")
    details.get_by_role("button", name="Close task details").focus()
    page.keyboard.press("?")
    page.keyboard.press("x")
    expect(sheet(page)).to_have_count(0)
    page.keyboard.press("Escape")
    expect(details).to_have_count(0)
    page.wait_for_timeout(500)  # what a stray "x" would have done comes back from the server by now
    expect(page.get_by_role("button", name="Edit Charlie task")).to_be_visible()
    expect(page.get_by_role("status")).not_to_contain_text("Charlie")

    # Bravo shows as done in the Completed list, and "x" there reopens it.
    page.get_by_role("tab", name=re.compile("^Completed")).click()
    bravo = page.get_by_role("checkbox", name="Reopen Bravo task")
    expect(bravo).to_be_checked()
    press_away_from_fields(page)
    page.keyboard.press("j")
    expect(opener("Bravo task")).to_be_focused()
    page.keyboard.press("x")
    expect(page.get_by_role("status")).to_contain_text("Reopened “Bravo task”")
    expect(page.get_by_role("button", name="Edit Bravo task")).to_have_count(0)


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 390])
def test_the_sheet_fits_the_screen_in_both_colour_modes(
    page: Page, app_url: str, width: int, mode: Literal["light", "dark"]
) -> None:
    height = 844 if width == 390 else 900
    page.set_viewport_size({"width": width, "height": height})
    page.emulate_media(color_scheme=mode)
    page.add_init_script(f"window.localStorage.setItem('theme', {json.dumps(mode)})")
    signed_in(page, app_url)
    expect(page.locator("html")).to_have_class(mode)
    press_away_from_fields(page)
    page.keyboard.press("?")
    dialog = sheet(page)
    expect(dialog).to_be_visible()
    box = dialog.bounding_box()
    assert box is not None
    assert box["x"] >= 8, box
    assert box["x"] + box["width"] <= width - 8, box
    assert box["y"] >= 0, box
    assert box["y"] + box["height"] <= height, box
    # Nothing inside runs past its edge (no horizontal scrolling inside the sheet).
    assert dialog.evaluate("(el) => el.scrollWidth <= el.clientWidth")
    # The panel is drawn in the mode's own colours: light text on dark, dark text on light.
    background, text = dialog.evaluate(
        """(el) => {
            const paint = document.createElement("canvas").getContext("2d");
            const lightness = (colour) => {
                paint.clearRect(0, 0, 1, 1);
                paint.fillStyle = colour;
                paint.fillRect(0, 0, 1, 1);
                const [r, g, b] = paint.getImageData(0, 0, 1, 1).data;
                return r + g + b;
            };
            const style = getComputedStyle(el);
            return [lightness(style.backgroundColor), lightness(style.color)];
        }"""
    )
    assert (background > text) == (mode == "light"), (background, text)
    # axe-core on the open sheet: no serious or critical violation (contrast included).
    assert AXE.is_file(), f"{AXE} is missing: run `make setup`"
    page.wait_for_timeout(300)  # the colour mode's transitions settle before contrast is measured
    page.evaluate(AXE.read_text() + "\n;true")  # evaluated over CDP: the page's CSP does not apply
    violations = page.evaluate(
        """async () => {
            const result = await axe.run(".ticked-kb-sheet", {resultTypes: ["violations"]});
            return result.violations
                .filter((v) => v.impact === "serious" || v.impact === "critical")
                .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
        }"""
    )
    assert violations == [], violations
    shots = os.environ.get("TICKED_SHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(shots) / f"keyboard-{width}-{mode}.png"))


def test_on_a_phone_slash_unfolds_the_search_it_focuses(page: Page, app_url: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    signed_in(page, app_url)
    # The chat's conversations are folded away on a phone: "/" opens them with their search focused.
    press_away_from_fields(page)
    page.keyboard.press("/")
    expect(page.get_by_role("searchbox", name="Search conversations").filter(visible=True)).to_be_focused()
    press_away_from_fields(page)
    page.keyboard.press("g")
    page.keyboard.press("t")
    expect(tasks_heading(page)).to_be_visible()
    # The task filters fold behind "Filters": "/" opens them and focuses the search.
    filters = page.get_by_role("button", name="Filters")
    expect(filters).to_have_attribute("aria-expanded", "false")
    press_away_from_fields(page)
    page.keyboard.press("/")
    expect(page.get_by_role("searchbox", name="Search tasks")).to_be_focused()
    expect(filters).to_have_attribute("aria-expanded", "true")
