"""Browser tests: the real app in production mode, built once per session, driven by Chromium.

The app module is imported by the harness itself (never before), and the database is the
absolute SQLite path the root conftest sets, migrated with Alembic first.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from app import migrations
from app.core.config import PROJECT_ROOT

PASSWORD = "correct-horse-42"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def app_harness() -> Iterator[object]:
    from reflex.testing import AppHarnessProd

    os.environ.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
    os.environ.setdefault("REFLEX_CHECK_LATEST_VERSION", "false")
    os.environ.setdefault("REFLEX_USE_SYSTEM_BUN", "1")
    bun_dir = str(PROJECT_ROOT / ".tools" / "node_modules" / ".bin")
    if bun_dir not in os.environ.get("PATH", ""):
        os.environ["PATH"] = bun_dir + os.pathsep + os.environ.get("PATH", "")
    migrations.upgrade()
    with AppHarnessProd.create(root=PROJECT_ROOT, app_name="app") as harness:
        yield harness


@pytest.fixture(scope="session")
def app_url(app_harness) -> str:
    return app_harness.frontend_url.rstrip("/")


@pytest.fixture
def page(page: Page) -> Page:
    page.set_default_timeout(15_000)
    expect.set_options(timeout=15_000)
    return page


def unique_email(prefix: str = "e2e") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


def sign_up(page: Page, app_url: str, email: str | None = None, password: str = PASSWORD) -> str:
    """Create an account through the sign-up page; returns the email. Lands on the chat page."""
    email = email or unique_email()
    page.goto(f"{app_url}/signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    return email
