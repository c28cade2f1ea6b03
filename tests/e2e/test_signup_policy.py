"""Sign-up policy in the browser (issue 18): invite-only refuses a stranger and admits an invitee
whose link an admin made on /admin/settings; closed shows no form and no "Create an account".

The policy is set in-process on the e2e database (sign-up reads it fresh on the server) and put
back to the environment's (``open``) at the end, whatever happens, for the other browser tests.
"""

from __future__ import annotations

import uuid

from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from app.core.db import session_scope
from app.models import User
from app.services import auth, instance, signup
from tests.e2e.conftest import PASSWORD, sign_up, unique_email


def _promote(email: str) -> uuid.UUID:
    with session_scope() as session:
        user = session.exec(select(User).where(User.email == email)).one()
        user.is_admin = True
        session.add(user)
        return user.id


def _set_policy(admin_id: uuid.UUID, policy: str) -> None:
    with session_scope() as session:
        instance.update(session, admin_id=admin_id, changes={"signup_policy": policy})


def _reset_policy() -> None:
    with session_scope() as session:
        instance.reset(session, keys=["signup_policy"])


def _exists(email: str) -> bool:
    with session_scope() as session:
        return session.exec(select(User.id).where(User.email == email)).first() is not None


def _fill_sign_up(page: Page, email: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()


def test_signup_invite_only_refuses_a_stranger_and_admits_an_invitee(
    page: Page, app_url: str, browser: Browser
) -> None:
    admin_email = sign_up(page, app_url, unique_email("admin"))
    admin_id = _promote(admin_email)
    _set_policy(admin_id, "invite")
    stranger_context = browser.new_context()
    invitee_context = browser.new_context()
    try:
        stranger = stranger_context.new_page()
        stranger.goto(f"{app_url}/signup")
        expect(stranger.get_by_text(signup.INVITE_ONLY)).to_be_visible()
        stranger_email = unique_email("stranger")
        _fill_sign_up(stranger, stranger_email)
        expect(stranger.get_by_role("alert")).to_contain_text(signup.INVITE_ONLY)
        expect(stranger.get_by_role("heading", name="Create your account")).to_be_visible()
        assert not _exists(stranger_email)

        page.goto(f"{app_url}/admin/settings")
        expect(page.get_by_role("heading", name="Admin", level=1)).to_be_visible()
        tabs = page.get_by_role("navigation", name="Admin")
        expect(tabs.get_by_role("link", name="Settings")).to_have_attribute("aria-current", "page")
        invitations = page.get_by_role("region", name="Invitations")
        invitations.get_by_role("button", name="Create invitation link").click()
        link_box = invitations.get_by_role("textbox", name="Invitation link")
        expect(link_box).to_be_visible()
        link = link_box.input_value()
        assert link.startswith(f"{app_url}/signup?invite="), link

        invitee = invitee_context.new_page()
        invitee.goto(link)
        expect(invitee.get_by_text("You were invited")).to_be_visible()
        invitee_email = unique_email("invitee")
        _fill_sign_up(invitee, invitee_email)
        expect(invitee.get_by_role("button", name="Sign out")).to_be_visible()
        assert _exists(invitee_email)

        page.reload()
        row = page.get_by_role("listitem").filter(has_text="Used by " + invitee_email)
        expect(row).to_be_visible()
        expect(row.get_by_role("button", name="Revoke")).to_have_count(0)

        # The link is single use: the stranger trying it now is refused.
        stranger.goto(link)
        _fill_sign_up(stranger, stranger_email)
        expect(stranger.get_by_role("alert")).to_contain_text("ask your admin for a new one")
        assert not _exists(stranger_email)
    finally:
        stranger_context.close()
        invitee_context.close()
        _reset_policy()


def test_signup_closed_shows_no_form_and_no_sign_up_link(page: Page, app_url: str, browser: Browser) -> None:
    admin_email = sign_up(page, app_url, unique_email("admin"))
    admin_id = _promote(admin_email)
    _set_policy(admin_id, "closed")
    visitor_context = browser.new_context()
    try:
        visitor = visitor_context.new_page()
        visitor.goto(f"{app_url}/signup")
        expect(visitor.get_by_role("heading", name="Sign-up is closed")).to_be_visible()
        expect(visitor.get_by_text(signup.CLOSED)).to_be_visible()
        expect(visitor.get_by_role("button", name="Create account")).to_have_count(0)
        visitor.goto(f"{app_url}/login")
        expect(visitor.get_by_role("button", name="Sign in")).to_be_visible()
        expect(visitor.get_by_role("link", name="Create an account")).to_have_count(0)
    finally:
        visitor_context.close()
        _reset_policy()
    visitor_context = browser.new_context()
    try:
        visitor = visitor_context.new_page()
        visitor.goto(f"{app_url}/login")
        expect(visitor.get_by_role("link", name="Create an account")).to_be_visible()
    finally:
        visitor_context.close()


def test_admin_settings_is_the_missing_page_to_a_member(page: Page, app_url: str) -> None:
    with session_scope() as session:  # so the member below is not the instance's first account
        if session.exec(select(User.id).limit(1)).first() is None:
            auth.register(session, email=unique_email("first"), password=PASSWORD)
    email = sign_up(page, app_url, unique_email("member"))
    with session_scope() as session:
        member = session.exec(select(User).where(User.email == email)).one()
        assert not member.is_admin
    page.goto(f"{app_url}/admin/settings")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.get_by_role("heading", name="Admin")).to_have_count(0)
    expect(page.get_by_role("button", name="Create invitation link")).to_have_count(0)
    expect(page).to_have_title("Ticked")
