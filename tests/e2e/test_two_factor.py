"""Two-factor sign-in and sessions in real Chromium (issue 18): enrol on the settings page (the
test reads the key off the page and computes codes with pyotp, as an authenticator app would), sign
in with a code and with a recovery code (which then no longer works), and sign out another
browser's session from the sessions list."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pyotp
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import PASSWORD
from tests.utils.browser import sign_up, signed_in


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def _password_step(page: Page, app_url: str, email: str) -> None:
    page.goto(f"{app_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _code_of_the_step_before(secret: str) -> str:
    """The code of the 30-second step before this one, read early in a step. The server accepts one
    step either side of its own; read in a step's last seconds, that code was two steps old by the
    time the click reached the server (the enrolment then failed once on a loaded machine)."""
    left = 30 - time.time() % 30
    if left < 10:
        time.sleep(left + 0.1)  # until the next step begins
    return pyotp.TOTP(secret).at(time.time() - 30)


def _enrol(page: Page, app_url: str) -> tuple[str, list[str]]:
    page.goto(f"{app_url}/settings")
    section = page.get_by_role("region", name="Two-factor sign-in")
    expect(section.get_by_text("Two-factor sign-in is off.")).to_be_visible()
    section.get_by_role("button", name="Turn on", exact=True).click()
    key = section.locator("#two-factor-secret")
    expect(key).to_have_text(re.compile(r"^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$"))
    grouped = key.inner_text().strip()
    secret = grouped.replace(" ", "")
    qr = section.get_by_role("img", name=re.compile("QR code"))
    expect(qr).to_have_attribute("alt", re.compile(f"enter the key {grouped}$"))
    # the code of the step before now: the sign-in's code, a moment later, is then not a replay
    section.get_by_label("Enter the 6-digit code").fill(_code_of_the_step_before(secret))
    section.get_by_role("button", name="Confirm").click()
    listed = section.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    expect(listed).to_have_count(10)
    codes = [c.strip() for c in listed.all_inner_texts()]
    assert all(re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}", c) for c in codes), codes
    with page.expect_download() as download:
        section.get_by_role("button", name="Download .txt").click()
    assert download.value.suggested_filename == "ticked-recovery-codes.txt"
    saved = Path(download.value.path()).read_text()
    assert all(code in saved for code in codes)
    section.get_by_role("button", name="I saved them").click()
    expect(listed).to_have_count(0)
    expect(section.get_by_text("10 recovery codes left")).to_be_visible()
    return secret, codes


def test_two_factor_enrol_then_sign_in_with_code_and_recovery_code(page: Page, app_url: str) -> None:
    email = signed_in(page, app_url)
    secret, codes = _enrol(page, app_url)
    _sign_out(page)

    _password_step(page, app_url, email)
    expect(page.get_by_role("heading", name="Two-factor code")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out", exact=True)).to_have_count(0)  # no session yet
    page.get_by_label("Code from your app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("button", name="Sign out", exact=True)).to_be_visible()
    _sign_out(page)

    _password_step(page, app_url, email)
    page.get_by_role("button", name="Use a recovery code").click()
    page.get_by_label("Recovery code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("button", name="Sign out", exact=True)).to_be_visible()
    _sign_out(page)

    _password_step(page, app_url, email)
    page.get_by_role("button", name="Use a recovery code").click()
    page.get_by_label("Recovery code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("alert")).to_contain_text("used already")
    expect(page.get_by_role("heading", name="Two-factor code")).to_be_visible()
    page.get_by_label("Recovery code").fill(codes[1])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("button", name="Sign out", exact=True)).to_be_visible()


def test_sessions_list_signs_out_another_browser(page: Page, app_url: str, browser: Browser) -> None:
    email = sign_up(page, app_url)
    other = browser.new_context()
    try:
        second = other.new_page()
        second.set_default_timeout(15_000)
        _password_step(second, app_url, email)
        expect(second.get_by_role("button", name="Sign out", exact=True)).to_be_visible()

        page.goto(f"{app_url}/settings")
        sessions = page.get_by_role("list", name="Your sessions").get_by_role("listitem")
        expect(sessions).to_have_count(2)
        expect(sessions.filter(has_text="This device")).to_have_count(1)
        expect(sessions.first).to_contain_text("Chrome on Linux")
        theirs = sessions.filter(has_not_text="This device")
        theirs.get_by_role("button", name=re.compile("^Sign out")).click()
        expect(page.get_by_role("status")).to_contain_text("That session is signed out")
        expect(sessions).to_have_count(1)

        second.goto(f"{app_url}/tasks")
        expect(second.get_by_role("heading", name="Sign in")).to_be_visible()
        expect(page.get_by_role("heading", name="Settings")).to_be_visible()  # this one stays
    finally:
        other.close()
