"""Browser tests: the real app in production mode, built once per run, driven by Chromium.

The app is ``reflex run --env prod`` in a process of its own (``tests/utils/server.py``), on the
database, data directory and secrets the root conftest set for this process (its SQLite file,
migrated with the CLI first), so a test can seed and read what the pages show in-process. The
run's one production build is made in such a process too (``ensure_built``): building or importing
the app inside pytest left the build without ``app_components/app/components/widget.jsx`` in a fresh
clone. Every production server of the run serves it on the run's one port (``public_port``), each on
a loopback address of its own (``frontend_address``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.utils.browser import PASSWORD, sign_up, unique_email
from tests.utils.server import SharedServer

__all__ = ["PASSWORD", "sign_up", "unique_email"]  # the e2e tests import these from here


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


@pytest.fixture
def app_url(app_harness: SharedServer) -> str:
    """The e2e app's address, with the app running there (``SharedServer``)."""
    return app_harness.url


@pytest.fixture
def page(page: Page, app_harness: SharedServer) -> Page:
    app_harness.get()  # started again (no build) if it stopped
    page.set_default_timeout(15_000)
    expect.set_options(timeout=15_000)
    return page
