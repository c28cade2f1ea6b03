"""Accounts as a person uses them, in real Chromium."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import PASSWORD, sign_up, unique_email


def test_sign_up_lands_on_chat_page(page: Page, app_url: str):
    email = sign_up(page, app_url)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("link", name="Chat")).to_be_visible()
    expect(page.get_by_text(email)).to_be_visible()


def test_sign_out_goes_to_sign_in(page: Page, app_url: str):
    sign_up(page, app_url)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login/?$"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto(f"{app_url}/tasks")
    expect(page).to_have_url(re.compile(r"/login"))


def test_signed_out_visit_to_tasks_goes_to_sign_in_and_back(page: Page, app_url: str):
    email = sign_up(page, app_url)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto(f"{app_url}/tasks")
    expect(page).to_have_url(re.compile(r"/login/?\?next=%2Ftasks"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Tasks")).to_be_visible()


def test_wrong_password_shows_error(page: Page, app_url: str):
    email = sign_up(page, app_url)
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text(re.compile("Incorrect email or password"))
    expect(page).to_have_url(re.compile(r"/login"))


def test_duplicate_email_and_weak_password_get_clear_messages(page: Page, app_url: str):
    email = sign_up(page, app_url)
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{app_url}/signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_have_text(re.compile("already exists"))
    page.get_by_label("Email").fill(unique_email())
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_have_text(re.compile("at least 8 characters"))
