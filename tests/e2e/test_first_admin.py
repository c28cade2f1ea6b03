"""Issue 18 in Chromium: on a fresh instance the first person to sign up runs it. They see the Admin
link and the console; the second person sees neither, and /admin shows them the missing page.

A production server of its own (its own empty database) on the session's one build and public port
(``tests/utils/server.py``), with pages from the ``context`` fixture (the e2e ``page`` fixture would
bring the shared e2e server, whose database is not empty, back).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.utils.browser import sign_up, unique_email
from tests.utils.server import Server, prod_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def fresh_app() -> Iterator[Server]:
    with prod_server(extra_env={"AGENT_BACKEND": "local"}, prefix="ticked-first-admin-") as server:
        yield server


def _tab(browser: Browser) -> Page:
    tab = browser.new_context().new_page()
    tab.set_default_timeout(15_000)
    return tab


def test_first_sign_up_on_a_fresh_instance_becomes_the_admin(browser: Browser, fresh_app: Server):
    first, second = _tab(browser), _tab(browser)
    try:
        owner = sign_up(first, fresh_app.url, unique_email())
        nav = first.get_by_role("navigation", name="Main")
        nav.get_by_role("link", name="Admin").click()
        expect(first).to_have_url(re.compile(r"/admin/?$"))
        expect(first.get_by_role("heading", name="Admin", level=1)).to_be_visible()
        expect(first.get_by_role("main")).to_contain_text(owner)

        member = sign_up(second, fresh_app.url, unique_email())
        expect(second.get_by_role("navigation", name="Main").get_by_role("link", name="Chat")).to_be_visible()
        expect(second.get_by_role("navigation", name="Main").get_by_role("link", name="Admin")).to_have_count(
            0
        )
        second.goto(f"{fresh_app.url}/admin")
        expect(second.get_by_role("heading", name="Page not found")).to_be_visible()
        expect(second.get_by_role("main")).not_to_contain_text(owner)

        first.reload()  # the admin's list now has the second person, as a member
        expect(first.get_by_role("main")).to_contain_text(member)
    finally:
        first.context.close()
        second.context.close()
