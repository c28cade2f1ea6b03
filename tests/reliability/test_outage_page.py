"""The pages during a PostgreSQL outage, in Chromium: a "Service unavailable" toast, then recovery.

The real ``reflex run --env prod`` (the session's build in the shared ``.web``: run this file
under ``flock /tmp/ticked-web.lock``), its DATABASE_URL pointing at a TCP proxy in front of a fresh
PostgreSQL database of its own. Marked ``e2e`` so ``-m "not e2e"`` leaves it out.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.conftest import PG_ADMIN_URL, require_postgres
from tests.reliability.tcp_proxy import TcpProxy, tcp_proxy
from tests.utils.server import prod_server

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-42"


@pytest.fixture
def database() -> Iterator[str]:
    """A PostgreSQL database of its own, migrated with the CLI like a real install."""
    require_postgres()
    name = f"ticked_outage_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "app.cli", "migrate"], cwd=ROOT, env=env, check=True, timeout=120)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(
                sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture
def proxy(database: str) -> Iterator[TcpProxy]:
    url = sa.make_url(database)
    with tcp_proxy((url.host or "127.0.0.1", url.port or 5432)) as p:
        yield p


@pytest.fixture
def app_url(database: str, proxy: TcpProxy, tmp_path: Path) -> Iterator[str]:
    """``reflex run --env prod`` (``tests/utils/server.py``: the session's build, on its public
    port), reaching PostgreSQL only through ``proxy``."""
    proxied = (
        sa.make_url(database).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    )
    with prod_server(proxied, migrate=False, data_dir=tmp_path / "data", prefix="ticked-outage-") as server:
        yield server.url


@pytest.fixture
def page(page: Page) -> Page:
    page.set_default_timeout(20_000)
    return page


def test_pages_show_service_unavailable_during_an_outage_then_recover(
    app_url: str, proxy: TcpProxy, page: Page
):
    page.goto(f"{app_url}/signup")
    page.get_by_label("Email").fill(f"outage-{uuid.uuid4().hex[:8]}@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.goto(f"{app_url}/tasks")
    expect(page.get_by_role("heading", name="Tasks")).to_be_visible()

    proxy.cut()
    page.reload()  # the page's on_load reads the database
    toast = page.get_by_text("Service unavailable")
    expect(toast).to_be_visible()
    expect(page.get_by_text("its database can't be reached")).to_be_visible()
    expect(page.get_by_text("An error occurred.")).to_have_count(0)  # not Reflex's generic report

    proxy.restore()
    page.reload()
    expect(page.get_by_role("heading", name="Tasks")).to_be_visible()
    title = page.get_by_role("textbox", name="New task", exact=True)
    expect(title).to_be_visible()
    title.fill("after the outage")
    title.press("Enter")
    expect(page.get_by_text("after the outage")).to_be_visible()
