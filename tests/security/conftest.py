"""Fixtures for the security tests.

- Privacy tests: the app on a fresh database, with the OpenAI backend pointed at the scripted
  OpenAI-compatible server (tests/utils/fake_openai.py) through the real ``openai`` SDK.
- Isolation, accounts and limits: two users holding data (``alice``, ``bob``; see ``world.py``),
  the production app (``prod_app``, ``browser_app``, ``web_app``; see ``web.py``; run those under
  ``flock /tmp/ticked-web.lock``), and the paths/cases counts printed at the end of the session.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from app.core import db
from app.core.config import get_settings
from app.models import User
from app.services import auth as auth_service
from app.services.throttle import sign_in_throttle
from tests.security.web import JWT_SECRET, Server, check_state_names, prod_server
from tests.security.world import COUNTS, Holdings, hold_data
from tests.utils.fake_openai import FakeOpenAI, fake_openai
from tests.utils.server import SharedServer

OPENAI_KEY = "sk-test-" + uuid.uuid4().hex + "Zq9"
"""The API key the app is configured with: it must never show up in a log line."""


def use_backend(monkeypatch: pytest.MonkeyPatch, backend: str) -> None:
    monkeypatch.setenv("AGENT_BACKEND", backend)
    get_settings.cache_clear()


@pytest.fixture
def llm(engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    """The scripted server; ``session_scope()`` uses this test's database and AGENT_BACKEND=openai."""
    with fake_openai() as server:
        monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
        monkeypatch.setenv("AGENT_BACKEND", "openai")
        monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_MODEL", "fake-model")
        monkeypatch.setenv("OPENAI_TIMEOUT_SECONDS", "2")
        get_settings.cache_clear()
        db.reset_engine()
        try:
            yield server
        finally:
            db.reset_engine()
            get_settings.cache_clear()


@pytest.fixture
def user_id(llm: FakeOpenAI) -> uuid.UUID:
    with db.session_scope() as session:
        return auth_service.register(
            session, email=f"u{uuid.uuid4().hex[:8]}@example.com", password="password123"
        ).id


# ----- isolation, accounts and limits (tests/security/test_isolation_*, test_accounts, test_limits) ------


@pytest.fixture(autouse=True)
def _fresh_sign_in_throttle() -> Iterator[None]:
    """Every test starts with no failed sign-ins counted (the throttle lives in process memory)."""
    sign_in_throttle.reset()
    yield
    sign_in_throttle.reset()


@pytest.fixture
def alice(app_db: sa.Engine) -> Holdings:
    """The victim: a user holding tasks, threads, messages, widgets, an action and operations."""
    return hold_data("alice")


@pytest.fixture
def bob(app_db: sa.Engine, alice: Holdings) -> Holdings:
    """The attacker, holding the same kinds of data of his own."""
    return hold_data("bob")


@pytest.fixture
def api_user(app_db: sa.Engine) -> tuple[uuid.UUID, str, str]:
    """(id, email, API token) of a fresh user on ``app_db`` (no password hash: the token is what the
    input and limit tests need, and hashing would dominate their run time)."""
    email = f"u{uuid.uuid4().hex[:8]}@example.com"
    with db.session_scope() as session:
        row = User(email=email, hashed_password="-")
        session.add(row)
        session.flush()
        return row.id, email, auth_service.issue_token(session, user=row, source="api")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print how many paths and cases the isolation and limit tests tried, per surface."""
    if COUNTS.paths:
        terminalreporter.section("security: paths and cases tried")
        for line in COUNTS.lines():
            terminalreporter.write_line(line)


# ----- the production app, for the page, throttle and CORS tests (run under flock /tmp/ticked-web.lock) ---


@pytest.fixture(scope="session")
def _prod_app_holder() -> Iterator[SharedServer]:
    with SharedServer(jwt_secret=JWT_SECRET, prefix="ticked-security-") as holder:
        holder.get()
        check_state_names()
        yield holder


@pytest.fixture
def prod_app(_prod_app_holder: SharedServer) -> Server:
    """``reflex run --env prod`` (frontend built) on a scratch SQLite database, shared by the session
    (started again, on a new scratch database, if another server took the public port)."""
    return _prod_app_holder.get()


@pytest.fixture
def browser_app(prod_app: Server) -> Server:
    """The same server, for a browser (every production server of the session serves one build)."""
    return prod_app


@pytest.fixture(scope="session")
def prod_backend_pg(pg_database_url: str) -> Iterator[Server]:
    """The prod backend alone (event handlers, /api; no frontend build) on a PostgreSQL database."""
    admin = sa.create_engine(pg_database_url.rsplit("/", 1)[0] + "/test", isolation_level="AUTOCOMMIT")
    name = f"ticked_sec_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        with prod_server(pg_database_url.rsplit("/", 1)[0] + f"/{name}", backend_only=True) as server:
            yield server
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def web_app(request: pytest.FixtureRequest) -> Server:
    """The production app's event handlers on each backend."""
    return request.getfixturevalue("prod_app" if request.param == "sqlite" else "prod_backend_pg")


@contextlib.contextmanager
def using_server_db(server: Server) -> Iterator[sa.Engine]:
    """Point this process's ``session_scope()`` at the server's database (same secrets and keys)."""
    names = ("DATABASE_URL", "DATA_DIR", "JWT_SECRET")
    saved = {n: os.environ.get(n) for n in names}
    for n in names:
        os.environ[n] = server.env[n]
    get_settings.cache_clear()
    db.reset_engine()
    try:
        yield db.get_engine()
    finally:
        db.reset_engine()
        for n, value in saved.items():
            if value is None:
                os.environ.pop(n, None)
            else:
                os.environ[n] = value
        get_settings.cache_clear()
