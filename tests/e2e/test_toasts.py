"""Toasts (issue 15, item 9, the global part), in real Chromium at 1280 and 390 px: a toast never
covers the chat's composer or its Send button, has a visible close button, and goes by itself
after about six seconds."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_dialogs import seed_thread
from tests.utils.browser import create_account, open_signed_in

TOAST = "[data-sonner-toast]"


def overlaps(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def archive_from_the_sidebar(page: Page, title: str, *, phone: bool) -> None:
    if phone:
        page.get_by_role("button", name="Show conversations").click()
    page.get_by_role("button", name=f"Options for {title}").click()
    page.get_by_role("menuitem", name="Archive").click()


@pytest.mark.parametrize("width", [1280, 390])
def test_a_toast_keeps_clear_of_the_composer_and_goes_by_itself(page: Page, app_url: str, width: int):
    page.set_viewport_size({"width": width, "height": 844 if width == 390 else 900})
    email, token = create_account()
    seed_thread(email, "Groceries")
    second = seed_thread(email, "Dentist")
    open_signed_in(page, app_url, token, f"/?thread={second}")
    expect(page.get_by_role("heading", name="Dentist", level=1)).to_be_visible()

    archive_from_the_sidebar(page, "Groceries", phone=width == 390)
    shown = time.monotonic()
    page.mouse.move(width // 2, 880 if width != 390 else 500)  # a pointer over a toast pauses it
    toast = page.locator(TOAST).filter(has_text="Conversation archived.")
    expect(toast).to_be_visible()
    expect(toast.get_by_role("button", name="Close toast")).to_be_visible()

    page.wait_for_timeout(600)  # Sonner slides it in
    box = toast.bounding_box()
    composer = page.get_by_role("textbox", name="Message").bounding_box()
    send = page.get_by_role("button", name="Send").bounding_box()
    assert box is not None
    assert composer is not None
    assert send is not None
    assert not overlaps(box, composer), (box, composer)
    assert not overlaps(box, send), (box, send)
    assert box["x"] >= 0, box  # on screen on a phone too
    assert box["x"] + box["width"] <= width, box

    page.wait_for_timeout(max(0, int((3.5 - (time.monotonic() - shown)) * 1000)))
    expect(toast).to_be_visible()  # not gone before it can be read
    expect(toast).to_have_count(0, timeout=6_000)  # gone by itself after ~6 s
    assert time.monotonic() - shown < 9.5


def test_a_toast_closes_with_its_close_button(page: Page, app_url: str):
    email, token = create_account()
    seed_thread(email, "Groceries")
    open_signed_in(page, app_url, token)
    archive_from_the_sidebar(page, "Groceries", phone=False)
    toast = page.locator(TOAST).filter(has_text="Conversation archived.")
    expect(toast).to_be_visible()
    toast.get_by_role("button", name="Close toast").click()
    expect(toast).to_have_count(0, timeout=2_000)
