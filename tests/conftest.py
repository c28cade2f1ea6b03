"""Shared fixtures: a fresh database per test on SQLite, and again on PostgreSQL.

DB-facing tests take the ``session`` (or ``engine``) fixture, which is parametrised over
both backends. PostgreSQL tests create a database of their own; where PostgreSQL is not
reachable they skip with the reason, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

_TMP = Path(tempfile.mkdtemp(prefix="ticked-tests-"))
# Under pytest-xdist (``-n 4``) each worker imports this file again, with the environment of the
# controller, which imported it first: where a value is still the one the controller defaulted here,
# a worker defaults it again for itself, so every worker has a data directory and SQLite file of its own.
# (Processes that tests start inherit their test's values, as before.)
_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
for _name, _value in (("DATA_DIR", str(_TMP / "data")), ("DATABASE_URL", f"sqlite:///{_TMP / 'default.db'}")):
    _marker = f"TICKED_TESTS_DEFAULT_{_name}"
    if _name not in os.environ or (_WORKER and os.environ[_name] == os.environ.get(_marker)):
        os.environ[_name] = _value
        if not _WORKER:
            os.environ[_marker] = _value
os.environ.setdefault("JWT_SECRET", "test-secret-" + uuid.uuid4().hex)
# One at-rest key for the run, inherited by the CLI and app processes tests start (whatever their DATA_DIR).
os.environ.setdefault("ENCRYPTION_KEY", "test-encryption-key-" + uuid.uuid4().hex)
os.environ["AGENT_BACKEND"] = os.environ.get("TEST_AGENT_BACKEND", "local")
os.environ.pop("OPENAI_API_KEY", None)

import pytest  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from sqlmodel import Session, SQLModel  # noqa: E402

import app.models  # noqa: E402,F401
from app.core import db  # noqa: E402
from app.core.config import get_settings  # noqa: E402
from app.core.db import make_engine  # noqa: E402
from app.models import User  # noqa: E402
from tests.utils.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.utils.factories import quick_user  # noqa: E402

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"


WEB_FIXTURES = {"app_harness", "prod_app", "browser_app", "prod_backend_pg", "web_app", "prod_with_origins"}
"""Fixtures that build or start the production app (in the shared ``.web``): marked ``web``."""

PG_FIXTURES = {"pg_database_url", "pg_engine", "pg_migration_url", "prod_backend_pg"}
"""Fixtures that need the local PostgreSQL: a test using one (or a fixture param named "postgres",
like ``engine``'s and ``app_db``'s) is marked ``postgres``, so ``-m "not postgres"`` leaves it out."""


def uses_postgres(item: pytest.Item) -> bool:
    names = set(getattr(item, "fixturenames", ()))
    callspec = getattr(item, "callspec", None)
    params = callspec.params.values() if callspec is not None else ()
    return bool(names & PG_FIXTURES) or any(value == "postgres" for value in params)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last: pytest-playwright keeps an event loop running in the main thread for the
    rest of the session, which async tests (anyio, the MCP client) cannot share.

    Among browser tests, those on the e2e harness come first (``tests/e2e``, then others that reuse
    its running app), then those that build ``.web`` for an app of their own (a rebuild would point
    the harness's pages at another server), then the deployment test. Everything that builds or
    starts the production app is marked ``web`` (``make test-fast`` skips it), everything on
    PostgreSQL ``postgres``.
    """

    def key(item: pytest.Item) -> tuple[bool, bool, bool, bool]:
        path = str(item.fspath)
        names = set(getattr(item, "fixturenames", ()))
        in_e2e = "tests/e2e/" in path
        browser = in_e2e or "page" in names or item.get_closest_marker("e2e") is not None
        own_build = browser and "app_harness" not in names
        return ("tests/deploy/" in path, browser, own_build, browser and not in_e2e)

    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & WEB_FIXTURES or "tests/deploy/" in str(item.fspath):
            item.add_marker(pytest.mark.web)
        if uses_postgres(item) or "tests/deploy/" in str(item.fspath):
            item.add_marker(pytest.mark.postgres)
    items.sort(key=key)


def _pg_unavailable_reason() -> str | None:
    try:
        engine = sa.create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}"


def require_postgres() -> None:
    reason = _pg_unavailable_reason()
    if reason:
        if IN_CI:
            pytest.fail(reason + " (CI=true: PostgreSQL tests must run)")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """A PostgreSQL database created for this test session and dropped after it."""
    require_postgres()
    name = f"ticked_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as conn:
        conn.execute(
            sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name}
        )
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def pg_engine(pg_database_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(pg_database_url)
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()


def _truncate(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        conn.execute(sa.text(f"TRUNCATE {names} CASCADE"))


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """A fresh, empty database with every table, on each backend."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
        SQLModel.metadata.create_all(eng)
        yield eng
        eng.dispose()
    else:
        pg = request.getfixturevalue("pg_engine")
        _truncate(pg)
        yield pg


@pytest.fixture
def session(engine: sa.Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as s:
        yield s
        s.rollback()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Every browser test's Chromium (pytest-playwright launches one browser per run). Where it is
    missing the browser tests skip with the reason, except under ``CI=true``, where they fail."""
    if not os.access(CHROMIUM, os.X_OK):
        reason = f"Chromium not found at {CHROMIUM} (set CHROMIUM_PATH, or run `make chromium`)"
        if IN_CI:
            pytest.fail(reason + " (CI=true: the browser tests must run)")
        pytest.skip(reason)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def user(session: Session) -> User:
    """A user on ``session``'s database (no password hash: see ``quick_user``)."""
    return quick_user(session)


@pytest.fixture
def other(session: Session) -> User:
    """A second user on the same database, for isolation checks."""
    return quick_user(session)


@pytest.fixture
def settings():
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture(params=["sqlite", "postgres"])
def app_db(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[sa.Engine]:
    """A fresh, empty database on each backend, made the one ``session_scope()`` uses.

    Yields the app's own engine, for checking what was stored. On PostgreSQL it is the
    session's test database (``pg_database_url``), with every table created if missing and
    emptied: it does not go through ``pg_engine``, whose tables the migration tests drop.
    """
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'app.db'}"
    else:
        url = request.getfixturevalue("pg_database_url")
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    db.reset_engine()
    try:
        engine = db.get_engine()
        SQLModel.metadata.create_all(engine)
        if request.param == "postgres":
            names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
            with engine.begin() as conn:
                conn.execute(sa.text(f"TRUNCATE {names} CASCADE"))
        yield engine
    finally:
        db.reset_engine()
        monkeypatch.undo()
        get_settings.cache_clear()
