"""Browser tests: the real app in production mode, built once per session, driven by Chromium.

The app is ``reflex run --env prod`` in a process of its own (``tests/utils/server.py``), on the
database, data directory and secrets the root conftest set for this process (its SQLite file,
migrated with the CLI first), so a test can seed and read what the pages show in-process. It
builds ``.web`` in that process too: building or importing the app inside pytest left the build
without ``app_components/app/components/widget.jsx`` in a fresh clone. The build is the session's
one production build, shared with every other production server (``public_port``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.utils.server import SharedServer

PASSWORD = "correct-horse-42"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def app_harness() -> Iterator[SharedServer]:
    with SharedServer(
        db_url=os.environ["DATABASE_URL"],
        data_dir=Path(os.environ["DATA_DIR"]),
        jwt_secret=os.environ["JWT_SECRET"],
        extra_env={"AGENT_BACKEND": os.environ["AGENT_BACKEND"]},
        prefix="ticked-e2e-",
    ) as app:
        app.get()
        yield app


@pytest.fixture(scope="session")
def app_url(app_harness: SharedServer) -> str:
    return app_harness.url


@pytest.fixture
def page(page: Page, app_harness: SharedServer) -> Page:
    app_harness.get()  # started again (same address, no build) if another server took the public port
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
