"""The audit log page in Chromium (issue 18): an admin sees their own sign-in, filters by action,
exports CSV (a real download holding the events); anyone else at /admin/audit sees the missing page."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.conftest import PASSWORD, sign_up, unique_email
from tests.utils.browser import signed_in


def promote(email: str) -> None:
    """Make the account an admin in-process (the app shares this database)."""
    from app.core.db import session_scope
    from app.models import User
    from app.services import auth

    with session_scope() as session:
        found = auth.get_user_by_email(session, email=email)
        assert found is not None
        user = session.get(User, found.id)
        assert user is not None
        user.is_admin = True
        session.add(user)


def sign_in_again(page: Page, app_url: str, email: str) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_admin_audit_shows_sign_in_filters_and_exports_csv(page: Page, app_url: str, tmp_path: Path):
    email = sign_up(page, app_url, unique_email("audit-admin"))
    promote(email)
    sign_in_again(page, app_url, email)  # a real sign-in: an auth.sign_in event from this browser

    page.goto(f"{app_url}/admin/audit")
    expect(page.get_by_role("heading", name="Admin", level=1)).to_be_visible()
    expect(
        page.get_by_role("navigation", name="Admin").get_by_role("link", name="Audit log")
    ).to_have_attribute("aria-current", "page")
    table = page.get_by_role("region", name="Audit events")
    mine = table.get_by_role("row").filter(has_text=email)
    expect(mine.filter(has_text="Signed in").first).to_be_visible()
    expect(mine.filter(has_text="Signed out").first).to_be_visible()
    expect(mine.filter(has_text="Signed in").first).to_contain_text("127.0.0.1")

    page.get_by_role("combobox", name="Action").click()
    page.get_by_role("option", name="auth.sign_out").click()
    page.get_by_label("Person (email)").fill(email)
    page.get_by_role("button", name="Apply filters").click()
    expect(table.get_by_role("row").filter(has_text="Signed in")).to_have_count(0)
    expect(table.get_by_role("row").filter(has_text="Signed out")).to_have_count(1)

    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text(re.compile(r"Chain verified: [\d,]+ events intact\."))).to_be_visible()

    with page.expect_download() as info:
        page.get_by_role("button", name="Export CSV").click()
    download = info.value
    assert re.fullmatch(r"ticked-audit-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    saved = tmp_path / "audit.csv"
    download.save_as(saved)
    lines = saved.read_text().splitlines()
    assert lines[0].startswith("id,at,actor_id,actor_email,action")
    assert len(lines) == 2  # the filters applied: one sign-out
    assert "auth.sign_out" in lines[1]
    assert email in lines[1]
    # The export is on record, by this admin.
    page.get_by_role("button", name="Clear").click()
    expect(
        table.get_by_role("row").filter(has_text="Exported the audit log").filter(has_text=email)
    ).to_be_visible()


def test_admin_audit_is_not_found_for_everyone_else(page: Page, app_url: str):
    page.goto(f"{app_url}/admin/audit")  # signed out: the missing page, no sign-in redirect
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    signed_in(page, app_url, email=unique_email("audit-nobody"))
    page.goto(f"{app_url}/admin/audit")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.get_by_text("Audit log")).to_have_count(0)
    expect(page).to_have_title("Ticked")
