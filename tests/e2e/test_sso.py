"""Single sign-on in Chromium (issue 18): the production app, configured by ``OIDC_*`` to sign in at
an OpenID Connect provider (oidc-provider-mock) that this test starts on localhost.

The app is a production server of its own (its own database, the OIDC environment), on the
session's one public port and build (``tests/utils/server.py``); the pages here come from the
``context`` fixture, not the e2e ``page`` one, which would bring the shared e2e server back.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlmodel import Session, select

from app.core.db import make_engine
from app.models import User, UserIdentity
from app.services import auth, instance
from tests.utils.browser import PASSWORD
from tests.utils.oidc import MockProvider, mock_provider, oidc_env
from tests.utils.server import Server, prod_server

pytestmark = pytest.mark.e2e
SHOTS = os.environ.get("TICKED_SSO_SHOTS", "")
"""A directory to save the sign-in page's screenshots into (1280/390 px, light/dark); unset: none."""


@pytest.fixture(scope="module")
def provider() -> Iterator[MockProvider]:
    with mock_provider() as running:
        yield running


@pytest.fixture(scope="module")
def sso_app(provider: MockProvider) -> Iterator[Server]:
    with prod_server(
        extra_env={**oidc_env(provider.url), "AGENT_BACKEND": "local"}, prefix="ticked-sso-"
    ) as server:
        yield server


@pytest.fixture
def page(context: BrowserContext, sso_app: Server) -> Page:
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    expect.set_options(timeout=15_000)
    return tab


def at_provider(page: Page, sub: str) -> None:
    """Sign in at the provider's own page as the person ``sub``."""
    expect(page.get_by_role("heading", name="Authorize Client")).to_be_visible()
    page.get_by_placeholder("sub").fill(sub)
    page.get_by_role("button", name="Authorize").click()


def login_until(page: Page, url: str, text: str) -> None:
    """Load the sign-in page until it shows ``text``: each instance reads the instance settings
    again within 5 s of an admin's change (``app.services.instance.CACHE_SECONDS``)."""
    deadline = time.monotonic() + 15
    while True:
        page.goto(url)
        expect(page.get_by_role("link", name="Sign in with SSO")).to_be_visible()
        if page.get_by_text(text).is_visible():
            return
        assert time.monotonic() < deadline, f"the sign-in page never said {text!r}"
        page.wait_for_timeout(1000)


def test_sso_signs_a_new_person_in_and_back_in(page: Page, sso_app: Server, provider: MockProvider):
    sub = f"sso-{uuid.uuid4().hex[:8]}"
    provider.set_user(sub, email=f"{sub}@example.com", email_verified=True, name="Sam Single")
    page.goto(f"{sso_app.url}/login?next=%2Ftasks")
    page.get_by_role("link", name="Sign in with SSO").click()
    at_provider(page, sub)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/tasks/?$"))  # the page asked for before signing in
    token = page.evaluate("localStorage.getItem('ticked_token')")
    assert token
    assert "code=" not in page.url
    # Signed out, the same person comes back to the same account through the provider.
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_role("link", name="Sign in with SSO").click()
    at_provider(page, sub)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    with Session(make_engine(sso_app.db_url)) as session:
        user = auth.get_user_by_email(session, email=f"{sub}@example.com")
        assert user is not None
        assert user.name == "Sam Single"
        identities = session.exec(select(UserIdentity).where(UserIdentity.subject == sub)).all()
        assert [identity.user_id for identity in identities] == [user.id]  # one account, found again


def test_an_unverified_email_does_not_take_over_an_account(
    page: Page, sso_app: Server, provider: MockProvider
):
    email = f"owner-{uuid.uuid4().hex[:8]}@example.com"
    with Session(make_engine(sso_app.db_url)) as session:
        auth.register(session, email=email, password=PASSWORD)
        session.commit()
    sub = f"claimer-{uuid.uuid4().hex[:8]}"
    provider.set_user(sub, email=email, email_verified=False)
    page.goto(f"{sso_app.url}/login")
    page.get_by_role("link", name="Sign in with SSO").click()
    at_provider(page, sub)
    expect(page.get_by_role("alert")).to_contain_text("has not verified the email")
    expect(page).to_have_url(re.compile(r"/login/?\?sso_error=unverified_email$"))
    assert not page.evaluate("localStorage.getItem('ticked_token')")


def test_sso_only_hides_the_password_form_but_admins_keep_it(page: Page, sso_app: Server):
    engine = make_engine(sso_app.db_url)
    with Session(engine) as session:
        admin = session.exec(select(User).where(User.is_admin)).first()
        if admin is None:  # the first account is the admin: this test may come first
            admin = auth.register(
                session, email=f"admin-{uuid.uuid4().hex[:8]}@example.com", password=PASSWORD
            )
        instance.update(session, admin_id=admin.id, changes={"sso_only": True})
        session.commit()
    try:
        login_until(page, f"{sso_app.url}/login", "This server signs people in through single sign-on.")
        expect(page.get_by_label("Password")).to_have_count(0)
        expect(page.get_by_role("link", name="Create an account")).to_have_count(0)
        _shots(page, "sso-only")
        page.get_by_role("button", name="Administrators: sign in with a password").click()
        expect(page.get_by_label("Password")).to_be_visible()
    finally:
        with Session(engine) as session:
            instance.reset(session, keys=["sso_only"])
            session.commit()
        engine.dispose()


def test_sign_in_page_shows_the_sso_button(page: Page, sso_app: Server):
    login_until(page, f"{sso_app.url}/login", "or with your password")  # SSO only may be just off
    expect(page.get_by_label("Password")).to_be_visible()
    _shots(page, "sso")


def _shots(page: Page, name: str) -> None:
    if not SHOTS:
        return
    folder = Path(SHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    url = page.url
    for width, height in ((1280, 800), (390, 844)):
        for scheme in ("light", "dark"):
            page.set_viewport_size({"width": width, "height": height})
            page.emulate_media(color_scheme=scheme)
            page.goto(url)
            if name == "sso-only":
                expect(
                    page.get_by_text("This server signs people in through single sign-on.")
                ).to_be_visible()
            else:
                expect(page.get_by_role("link", name="Sign in with SSO")).to_be_visible()
            page.wait_for_timeout(300)
            page.screenshot(path=str(folder / f"login-{name}-{width}-{scheme}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})
