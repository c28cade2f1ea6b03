"""The admin console in real Chromium (issue 18): an admin sees the Admin link and the users table;
anyone else (a member, a signed-out visitor) gets the missing page at /admin; a password-reset link
works once; disabling a signed-in person sends their open tab to sign-in within 2 s.

The e2e server shares one database across tests, so "the first account becomes admin" is tested on
a fresh database (tests/services/test_admin.py, tests/api/test_admin.py, tests/test_cli_admin.py);
here the admin is made so in-process, as the server's operator would with ``user promote``.
"""

from __future__ import annotations

import re
import time

from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import PASSWORD, unique_email
from tests.utils.browser import create_account, open_signed_in, signed_in


def promote(email: str) -> None:
    from app.core.db import session_scope
    from app.services import admin

    with session_scope() as session:
        admin.system_set_admin(session, email=email, make_admin=True)


def open_console(page: Page, app_url: str, find: str) -> None:
    page.goto(f"{app_url}/admin")
    expect(page.get_by_role("heading", name="Admin", level=1)).to_be_visible()
    page.get_by_role("searchbox", name="Search email or name").fill(find)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("rowheader", name=re.compile(re.escape(find)))).to_be_visible()


def test_admin_console_for_admins_and_the_missing_page_for_everyone_else(browser: Browser, app_url: str):
    boss, member = browser.new_context(), browser.new_context()
    try:
        admin_page, member_page = boss.new_page(), member.new_page()
        boss_email, boss_token = create_account()
        member_email = signed_in(member_page, app_url)
        promote(boss_email)
        open_signed_in(admin_page, app_url, boss_token)
        admin_page.get_by_role("link", name="Admin").click()
        expect(admin_page).to_have_url(re.compile(r"/admin/?$"))
        expect(admin_page.get_by_role("heading", name="Admin", level=1)).to_be_visible()
        tabs = admin_page.get_by_role("navigation", name="Admin")
        expect(tabs.get_by_role("link", name="Users")).to_have_attribute("aria-current", "page")
        expect(tabs.get_by_role("link", name="Audit log")).to_be_visible()
        open_console(admin_page, app_url, member_email)
        row = admin_page.get_by_role("row").filter(has=admin_page.get_by_role("rowheader", name=member_email))
        expect(row).to_contain_text("Member")
        expect(row).to_contain_text("Active")
        for header in ("Email / Name", "Role", "Status", "Last active", "Tasks", "Chats", "2FA"):
            expect(admin_page.get_by_role("columnheader", name=header)).to_be_visible()

        # a member: the same page as a missing address, and no Admin link
        expect(member_page.get_by_role("link", name="Admin")).to_have_count(0)
        member_page.goto(f"{app_url}/admin")
        expect(member_page.get_by_role("heading", name="Page not found")).to_be_visible()
        expect(member_page.get_by_role("heading", name="Admin")).to_have_count(0)
        expect(member_page.get_by_role("table")).to_have_count(0)
        member_page.goto(f"{app_url}/no-such-page")
        expect(member_page.get_by_role("heading", name="Page not found")).to_be_visible()
        missing_title = member_page.title()
        member_page.goto(f"{app_url}/admin")
        expect(member_page.get_by_role("heading", name="Page not found")).to_be_visible()
        assert member_page.title() == missing_title
        # signed out, too
        stranger = browser.new_context().new_page()
        stranger.goto(f"{app_url}/admin")
        expect(stranger.get_by_role("heading", name="Page not found")).to_be_visible()
        stranger.context.close()

        # a reset link, passed on by the admin, works once
        admin_page.get_by_role("button", name=f"Actions for {member_email}").click()
        admin_page.get_by_role("menuitem", name="Reset link").click()
        dialog = admin_page.get_by_role("dialog", name=f"Reset link for {member_email}")
        expect(dialog.get_by_text("It works once, for one hour")).to_be_visible()
        link = dialog.get_by_role("textbox", name="Reset link").input_value()
        assert "/reset?token=" in link
        dialog.get_by_role("button", name="Done").click()
        member_page.goto(link)
        expect(member_page.get_by_role("heading", name="Set a new password")).to_be_visible()
        member_page.get_by_label("New password", exact=True).fill("short")
        member_page.get_by_label("Repeat the new password").fill("short")
        member_page.get_by_role("button", name="Set password").click()
        expect(member_page.get_by_role("alert")).to_contain_text("at least 8")
        member_page.get_by_label("New password", exact=True).fill("a-new-password-9")
        member_page.get_by_label("Repeat the new password").fill("a-new-password-9")
        member_page.get_by_role("button", name="Set password").click()
        expect(member_page.get_by_text("Your password is set.")).to_be_visible()
        member_page.goto(link)
        expect(member_page.get_by_role("alert")).to_contain_text("already used")
        member_page.goto(f"{app_url}/login")
        member_page.get_by_label("Email").fill(member_email)
        member_page.get_by_label("Password").fill("a-new-password-9")
        member_page.get_by_role("button", name="Sign in").click()
        expect(member_page.get_by_role("button", name="Sign out")).to_be_visible()
    finally:
        boss.close()
        member.close()


def test_admin_disabling_a_signed_in_person_ends_their_open_session_within_2_s(
    browser: Browser, app_url: str
):
    boss, victim = browser.new_context(), browser.new_context()
    try:
        admin_page, victim_page = boss.new_page(), victim.new_page()
        boss_email = signed_in(admin_page, app_url)
        victim_email = signed_in(victim_page, app_url, email=unique_email())
        promote(boss_email)
        open_console(admin_page, app_url, victim_email)
        expect(victim_page.get_by_role("textbox", name="Message")).to_be_visible()  # on the chat, signed in

        admin_page.get_by_role("button", name=f"Actions for {victim_email}").click()
        started = time.monotonic()
        admin_page.get_by_role("menuitem", name="Disable").click()
        expect(victim_page).to_have_url(re.compile(r"/login"), timeout=2_000)
        expect(victim_page.get_by_role("heading", name="Sign in")).to_be_visible(timeout=2_000)
        took = time.monotonic() - started
        assert took < 2.0, f"the disabled person's tab left after {took:.2f} s"
        print(f"disabled tab at sign-in after {took:.2f} s")

        row = admin_page.get_by_role("row").filter(has=admin_page.get_by_role("rowheader", name=victim_email))
        expect(row).to_contain_text("Disabled")
        victim_page.get_by_label("Email").fill(victim_email)
        victim_page.get_by_label("Password").fill(PASSWORD)
        victim_page.get_by_role("button", name="Sign in").click()
        expect(victim_page.get_by_role("alert")).to_contain_text("Incorrect email or password")

        admin_page.get_by_role("button", name=f"Actions for {victim_email}").click()
        admin_page.get_by_role("menuitem", name="Enable").click()
        expect(row).to_contain_text("Active")
        victim_page.get_by_role("button", name="Sign in").click()
        expect(victim_page.get_by_role("button", name="Sign out")).to_be_visible()
    finally:
        boss.close()
        victim.close()
