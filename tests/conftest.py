"""Shared fixtures: a fresh database per test on SQLite, and again on PostgreSQL.

DB-facing tests take the ``session`` (or ``engine``) fixture, which is parametrised over
both backends. PostgreSQL tests create a database of their own; where PostgreSQL is not
reachable they skip with the reason, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import atexit
import gc
import json
import os
import shutil
import sys
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from tests.utils import server


def _end_worker_now() -> None:
    """A pytest-xdist worker's last exit step: everything else is done (this runs last, registered
    first), so the interpreter's own teardown of the worker's millions of objects, ~3.5 s of each
    worker's end that the controller waited out, is skipped."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # the results went to the controller before; a worker's exit status is not read


if os.environ.get("PYTEST_XDIST_WORKER"):
    atexit.register(_end_worker_now)  # registered first: atexit runs it after every later handler

# The cyclic garbage collector, tuned for a test process: Python's default young-generation threshold
# (700 allocations) had it scan this process's million-odd long-lived objects (the app, SQLAlchemy,
# pydantic, Reflex, every collected test) over and over. A collection every 50,000 allocations, and
# what collection built moved out of its way (``gc.freeze`` in ``pytest_collection_finish``), cut
# ~15 % of the tests' CPU (tests/services, agent and widgets: 39.5-41.9 s -> 32.9 s of user time).
# Cycles are still collected, just in bigger batches; the app's own processes keep the defaults.
gc.set_threshold(50_000, 100, 100)

_TMP = Path(tempfile.mkdtemp(prefix="ticked-tests-"))
atexit.register(shutil.rmtree, _TMP, ignore_errors=True)  # each run used to leave its own behind
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
# The production servers of the browser tests (tests/utils/server.py): the run's one build, for one
# public port chosen here (before pytest-xdist starts its workers, which inherit both), and under
# xdist a loopback address per worker, so that each worker's servers can listen on that port.
if not _WORKER:
    os.environ.setdefault(server.RUN_VAR, uuid.uuid4().hex)
    os.environ.setdefault(server.PUBLIC_PORT_VAR, str(server.free_port("0.0.0.0")))
elif _WORKER.removeprefix("gw").isdigit():
    os.environ[server.HOST_VAR] = f"127.0.0.{int(_WORKER.removeprefix('gw')) + 1}"

import pytest  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from passlib.context import CryptContext  # noqa: E402
from sqlmodel import Session, SQLModel  # noqa: E402

import app.models  # noqa: E402,F401
from app.core import db, security  # noqa: E402
from app.core.config import get_settings  # noqa: E402
from app.models import User  # noqa: E402
from tests.utils import engines  # noqa: E402
from tests.utils.chromium import CHROMIUM_ARGS, TEST_CHROMIUM  # noqa: E402
from tests.utils.factories import quick_user  # noqa: E402

engines.install()
make_engine = engines.make_engine

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


BROWSER_FILE_SECONDS = Path(__file__).with_name("browser_file_seconds.json")


def longest_files_first(config: pytest.Config) -> bool:
    """The browser run (``make test``): pytest-xdist hands each worker a whole file at a time, in the
    order collected (``--dist loadfile --no-loadscope-reorder``). Its own order, by number of tests,
    left a sweep of 3 tests and ~60 s to start last, and its worker ended ~20 s after the others;
    this run hands out the longest files first (their seconds in ``BROWSER_FILE_SECONDS``). A worker
    sees ``--no-loadscope-reorder``, not ``--dist`` (set to "no" there), and only that run passes it."""
    return bool(_WORKER) and not getattr(config.option, "loadscopereorder", True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests last: pytest-playwright keeps an event loop running in the main thread for the
    rest of the session, which async tests (anyio, the MCP client) cannot share.

    Every production server with a frontend serves the run's one build on one port, each on a
    loopback address of its own (``tests/utils/server.py``), and stays up once started. Tests are
    grouped by the server they use: first those without a browser (mostly on ``prod_app``), then the
    browser tests on ``prod_app``, then those on the e2e app (``tests/e2e`` and others that use
    ``app_harness``), then those with a server of their own, then the deployment test. Everything
    that builds or starts the production app is marked ``web`` (``make test-fast`` skips it),
    everything on PostgreSQL ``postgres``.
    """

    def key(item: pytest.Item) -> tuple[bool, bool, int]:
        path = str(item.fspath)
        names = set(getattr(item, "fixturenames", ()))
        browser = "tests/e2e/" in path or "page" in names or item.get_closest_marker("e2e") is not None
        if names & {"prod_app", "browser_app", "web_app"}:
            which = 0
        elif "tests/e2e/" in path or "app_harness" in names:
            which = 1
        else:
            which = 2
        return ("tests/deploy/" in path, browser, which)

    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & WEB_FIXTURES or "tests/deploy/" in str(item.fspath):
            item.add_marker(pytest.mark.web)
        if uses_postgres(item) or "tests/deploy/" in str(item.fspath):
            item.add_marker(pytest.mark.postgres)
    items.sort(key=key)
    if longest_files_first(config):
        seconds = json.loads(BROWSER_FILE_SECONDS.read_text())
        tests_in = Counter(item.nodeid.split("::")[0] for item in items)

        def file_seconds(item: pytest.Item) -> float:
            path = item.nodeid.split("::")[0]
            return seconds.get(path, 3 * tests_in[path])  # a file not measured yet: ~3 s a test

        items.sort(key=file_seconds, reverse=True)  # stable: each file keeps its order


def pytest_collection_finish(session: pytest.Session) -> None:
    """What import and collection built lives to the end of the run: out of the collector's way."""
    gc.collect()
    gc.freeze()


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


def empty_tables(engine: sa.Engine) -> None:
    """Delete every row of every table, in one round trip: a test's few rows go ~15 times faster
    this way than with ``TRUNCATE ... CASCADE``, which replaces each table's files."""
    statements = "; ".join(f'DELETE FROM "{t.name}"' for t in reversed(SQLModel.metadata.sorted_tables))
    with engine.begin() as conn:
        conn.exec_driver_sql(statements)


_SQLITE_TEMPLATE = _TMP / "template.db"


def sqlite_database(path: Path) -> str:
    """The URL of a new SQLite database at ``path`` with every table: a copy of one this process made
    once (``create_all`` for each test cost ~20 times a file copy). A database already there is
    replaced whole (a new file, its write-ahead log gone), its engine's connections closed first."""
    if not _SQLITE_TEMPLATE.exists():
        eng = make_engine(f"sqlite:///{_SQLITE_TEMPLATE}")
        SQLModel.metadata.create_all(eng)
        eng.dispose()  # the last connection checkpoints the WAL into the file
    url = f"sqlite:///{path}"
    engines.dispose(url)
    staged = path.with_name(path.name + ".new")
    shutil.copyfile(_SQLITE_TEMPLATE, staged)
    os.replace(staged, path)
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    return url


def fresh_sqlite(name: str) -> str:
    """A new SQLite database for a test, at the same path in this process each time: its engine is
    the one the last test on it used (``tests.utils.engines``), its compiled statements warm."""
    return sqlite_database(_TMP / f"{name}.db")


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest) -> Iterator[sa.Engine]:
    """A fresh, empty database with every table, on each backend."""
    if request.param == "sqlite":
        eng = make_engine(fresh_sqlite("test"))
        yield eng
        eng.dispose()
    else:
        pg = request.getfixturevalue("pg_engine")
        empty_tables(pg)
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
    if not os.access(TEST_CHROMIUM, os.X_OK):
        reason = f"Chromium not found at {TEST_CHROMIUM} (set CHROMIUM_PATH, or run `make chromium`)"
        if IN_CI:
            pytest.fail(reason + " (CI=true: the browser tests must run)")
        pytest.skip(reason)
    return {**browser_type_launch_args, "executable_path": TEST_CHROMIUM, "args": CHROMIUM_ARGS}


class CheapPasswordHashing:
    """The app's password context (``app.core.security.pwd_context``), except that the hashes it makes
    are argon2id over 512 KiB in one pass, and count as current: well under a millisecond, where the
    app's 19 MiB and 2 passes take ~20 ms of CPU per hash or check (the point of them), which added up
    over the suite. Any other hash is verified, and rehashed when due, by the app's context itself."""

    def __init__(self, real: CryptContext) -> None:
        self.real = real
        self.cheap = CryptContext(
            schemes=["argon2"], argon2__memory_cost=512, argon2__rounds=1, argon2__parallelism=1
        )

    def hash(self, secret: str) -> str:
        return self.cheap.hash(secret)

    def verify(self, secret: str, hashed: str) -> bool:
        return self.real.verify(secret, hashed)

    def verify_and_update(self, secret: str, hashed: str) -> tuple[bool, str | None]:
        if self.cheap.identify(hashed) and not self.cheap.needs_update(hashed):  # one of ours: current
            return self.cheap.verify(secret, hashed), None
        return self.real.verify_and_update(secret, hashed)

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)


CHEAP_PASSWORD_HASHING = CheapPasswordHashing(security.pwd_context)
REAL_PASSWORD_HASHING_IN = ("tests/core/test_security.py",)
"""Tests that hash with the app's own parameters, which they check (so do the browser and
production-server tests, marked ``web``, and every process a test starts)."""


@pytest.fixture(autouse=True)
def _cheap_password_hashing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Passwords are hashed with ``CHEAP_PASSWORD_HASHING`` in this process, but in the tests above."""
    node = request.node
    if str(node.path).endswith(REAL_PASSWORD_HASHING_IN) or node.get_closest_marker("web"):
        return
    monkeypatch.setattr(security, "pwd_context", CHEAP_PASSWORD_HASHING)


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
def app_db(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[sa.Engine]:
    """A fresh, empty database on each backend, made the one ``session_scope()`` uses.

    Yields the app's own engine, for checking what was stored. On PostgreSQL it is the
    session's test database (``pg_database_url``), with every table created if missing and
    emptied: it does not go through ``pg_engine``, whose tables the migration tests drop.
    """
    url = fresh_sqlite("app") if request.param == "sqlite" else request.getfixturevalue("pg_database_url")
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    db.reset_engine()
    try:
        engine = db.get_engine()
        if request.param == "postgres":
            SQLModel.metadata.create_all(engine)
            empty_tables(engine)
        yield engine
    finally:
        db.reset_engine()
        monkeypatch.undo()
        get_settings.cache_clear()
